/**
 * Runtime contract of cert-manager v1.21.1 (chart `cert-manager` v1.21.1 installed through
 * `@pulumi/kubernetes-cert-manager` 0.2.0): controller, webhook, cainjector, the startupapicheck Helm hook,
 * and, with the ACME issuers, the HTTP-01 solver pods the controller creates at run time in the namespace of
 * each Certificate (the apps' Ingresses), reached through the ingress controller.
 */
import { LETSENCRYPT_PRODUCTION, LETSENCRYPT_STAGING } from "../../config/certManager";
import type { Flow, ContractFn, PodRef, Source } from "../types";

const CM = { repo: "cert-manager/cert-manager", ref: "24e33194fb39488eff2bbf10c6dc640f407cad44" } as const;
const cm = (file: string, lines: string, note: string): Source => ({ ...CM, file, lines, note });
const chart = (file: string, lines: string, note: string): Source => cm(`deploy/charts/cert-manager/${file}`, lines, note);
const COMPONENT = { repo: "pulumi/pulumi-kubernetes-cert-manager", ref: "74998b4fb1c2a79293e1b2f9b8bbaf25b321e131" } as const;
const HELMBASE = { repo: "pulumi/pulumi-go-helmbase", ref: "ea0826f805aa1d998da9cc32c1a09d9b4f13e46c" } as const;
const PULUMI_SDK = { repo: "pulumi/pulumi", ref: "e9f7fa5d1cbc274b221862ec54bc6cbc8f2c6fe0" } as const;

export const contract: ContractFn = (cfg) => {
    const c = cfg.certManager;
    if (!c.enabled) return undefined;
    const ns = c.namespace;
    const chartRef = { chart: "cert-manager", version: c.chartVersion ?? "v1.21.1" };
    // Release name `cert-manager` (components/cluster/certManager.ts helmOptions.name): app.kubernetes.io/instance.
    const pod = (name: string, component: string): PodRef => ({
        kind: "pods",
        name: `cert-manager-${component}`,
        namespace: ns,
        labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component },
        createdBy: chartRef,
    });
    const controller = pod("cert-manager", "controller");
    const webhook = pod("webhook", "webhook");
    const cainjector = pod("cainjector", "cainjector");
    const startupapicheck = pod("startupapicheck", "startupapicheck");
    const apiPorts = cfg.kubernetes.apiServerPorts;
    const issuer = c.issuer ?? (cfg.kubernetes.environment === "dev" ? "selfSigned" : "acme");
    const acme = issuer === "acme";

    // Apps whose Ingress takes the platform's ClusterIssuer: with `acme`, a Challenge (and a solver pod) per host.
    const traefikInstalled = cfg.ingress.enabled && cfg.ingress.install;
    const traefik: PodRef = {
        kind: "pods",
        name: "traefik",
        namespace: cfg.ingress.namespace,
        labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `traefik-${cfg.ingress.namespace}` },
        createdBy: { chart: "traefik", version: cfg.ingress.chartVersion ?? "41.3.0" },
    };
    const sites: { app: string; namespace: string; host?: string; ownClass: boolean }[] = [];
    if (cfg.diracx.enabled && !cfg.diracx.ingress.clusterIssuer) {
        sites.push({ app: "diracx", namespace: cfg.diracx.namespace, host: cfg.diracx.hostname, ownClass: cfg.diracx.ingress.className !== undefined });
    }
    if (cfg.jupyterhub.enabled && cfg.jupyterhub.exposure === "ingress" && cfg.jupyterhub.ingress.tls && !cfg.jupyterhub.ingress.clusterIssuer) {
        sites.push({ app: "jupyterhub", namespace: cfg.jupyterhub.namespace, host: cfg.jupyterhub.host, ownClass: cfg.jupyterhub.ingress.className !== undefined });
    }
    const solver = (namespace: string): PodRef => ({
        kind: "pods",
        name: "cm-acme-http-solver",
        namespace,
        labels: { "acme.cert-manager.io/http01-solver": "true" },
        createdBy: { runtime: "cert-manager controller (HTTP-01 challenge, pod cm-acme-http-solver-*)" },
    });
    const solverPodSrc = [
        cm("pkg/issuer/acme/http/pod.go", "35-47", "solver pod labels: acme.cert-manager.io/http-domain, http-token (hashes) and http01-solver: \"true\""),
        cm("pkg/issuer/acme/http/pod.go", "205-272", "solver pod in the Challenge's namespace, --listen-port=8089, containerPort 8089, runAsNonRoot, RuntimeDefault seccomp, read-only root, no capabilities"),
        cm("pkg/issuer/acme/http/http.go", "49", "acmeSolverListenPort = 8089"),
    ];
    const selfCheckSrc = [
        cm("pkg/issuer/acme/http/http.go", "146-187", "Check: the controller itself GETs the challenge URL before telling the ACME server"),
        cm("pkg/issuer/acme/http/http.go", "199-211", "challenge URL http://<dnsName>/.well-known/acme-challenge/<token> (port 80)"),
    ];

    const acmeFlows: Flow[] = [];
    if (acme) {
        acmeFlows.push({
            id: "cert-manager-to-acme-server",
            from: controller,
            to: { kind: "external", name: c.acme.use === "staging" ? "letsencrypt-staging" : "letsencrypt-production", host: new URL(c.acme.use === "staging" ? LETSENCRYPT_STAGING : LETSENCRYPT_PRODUCTION).hostname },
            ports: [443],
            protocol: "TCP",
            why: "ACME account registration, orders, challenges and certificate download (both ClusterIssuers exist; the one in use is certManager.acme.use)",
            source: cm("pkg/issuer/acme/http/http.go", "146-187", "the ACME flow the HTTP-01 solver takes part in"),
        });
        for (const s of sites) {
            if (s.host) {
                acmeFlows.push({
                    id: `cert-manager-self-check-${s.app}`,
                    from: controller,
                    to: { kind: "external", name: `${s.app} public address`, host: s.host },
                    ports: [80],
                    protocol: "TCP",
                    why: `HTTP-01 self-check: before accepting the challenge the controller GETs http://${s.host}/.well-known/acme-challenge/<token> as the ACME server will (it follows redirects)`,
                    source: selfCheckSrc,
                });
            }
            if (!traefikInstalled || s.ownClass) continue;
            acmeFlows.push(
                {
                    id: `cert-manager-self-check-${s.app}-via-traefik`,
                    from: controller,
                    to: traefik,
                    ports: [8000],
                    protocol: "TCP",
                    why: `HTTP-01 self-check when ${s.host ?? s.app} resolves to Traefik's LoadBalancer address: kube-proxy rewrites the in-cluster connection to port 80 of that address to a Traefik pod's web container port 8000, so NetworkPolicies see controller -> Traefik pod:8000, not :80`,
                    source: [...selfCheckSrc, { repo: "traefik/traefik-helm-chart", ref: "a8a66d0098703627b2cf352c66b1725c196a734a", file: "traefik/values.yaml", lines: "951-959", note: "ports.web: port 8000, exposedPort 80" }],
                },
                {
                    id: `traefik-to-acme-solver-${s.app}`,
                    from: traefik,
                    to: solver(s.namespace),
                    ports: [8089],
                    protocol: "TCP",
                    why: `the HTTP-01 Ingress cert-manager creates in ${s.namespace} (class ${cfg.ingress.className}) routes /.well-known/acme-challenge/<token> to the solver Service (8089 -> 8089); Traefik dials the solver pod's endpoint directly`,
                    source: [
                        ...solverPodSrc,
                        cm("pkg/issuer/acme/http/service.go", "125-142", "solver Service: NodePort by default, port/targetPort 8089"),
                        cm("pkg/issuer/acme/http/ingress.go", "160-197", "solver Ingress with the issuer's ingressClassName and the token path"),
                        { repo: "traefik/traefik", ref: "d0bd2ec198533d760c1abfc74b98033d6d92d039", file: "pkg/provider/kubernetes/ingress/kubernetes.go", lines: "686-726", note: "Traefik load-balances to EndpointSlice addresses and ports (the pod's container port)" },
                    ],
                },
                {
                    id: `acme-validation-to-traefik-${s.app}`,
                    from: { kind: "anywhere" },
                    to: traefik,
                    ports: [8000],
                    protocol: "TCP",
                    why: `Let's Encrypt's validation servers fetch http://${s.host ?? "<host>"}/.well-known/acme-challenge/<token> on port 80 (Traefik's Service web port -> container port 8000)`,
                    source: selfCheckSrc,
                },
            );
        }
    }

    return {
        system: "cluster/certManager",
        pinned: {
            chart: `cert-manager ${chartRef.version} (cert-manager/cert-manager tag v1.21.1, ${CM.ref})`,
            images: "quay.io/jetstack/cert-manager-{controller,webhook,cainjector,startupapicheck,acmesolver}:v1.21.1",
            "@pulumi/kubernetes-cert-manager": `0.2.0 (${COMPONENT.ref})`,
        },
        flows: [
            {
                id: "apiserver-to-cert-manager-webhook",
                from: { kind: "apiServer" },
                to: webhook,
                ports: [10250],
                protocol: "TCP",
                why: "ValidatingWebhookConfiguration and MutatingWebhookConfiguration webhook.cert-manager.io (failurePolicy Fail) for cert-manager.io and acme.cert-manager.io resources, through Service cert-manager-webhook 443 -> https (securePort 10250); no pod webhooks, so no install deadlock",
                source: [
                    chart("templates/webhook-validating-webhook.yaml", "12-39", "namespaceSelector cert-manager.io/disable-validation NotIn [true], failurePolicy Fail, caBundle injected from <ns>/cert-manager-webhook-ca"),
                    chart("templates/webhook-mutating-webhook.yaml", "12-37", "certificaterequests CREATE, failurePolicy Fail"),
                    chart("templates/webhook-deployment.yaml", "96,128-135", "--secure-port=<webhook.securePort>, containerPort https"),
                    chart("values.yaml", "1090", "webhook.securePort: 10250"),
                ],
            },
            ...[controller, webhook, cainjector, startupapicheck].map(
                (p): Flow => ({
                    id: `${p.name}-to-apiserver`,
                    from: p,
                    to: { kind: "apiServer" },
                    ports: apiPorts,
                    protocol: "TCP",
                    why: {
                        "cert-manager-controller": "reconciles Certificates, Issuers, Orders and Challenges, creates solver pods, Services and Ingresses, writes the certificate Secrets; leader election in kube-system",
                        "cert-manager-webhook": "keeps its serving CA in Secret cert-manager-webhook-ca (dynamic serving) and checks authorization",
                        "cert-manager-cainjector": "injects the webhook CA into the webhook configurations and CRDs; leader election in kube-system",
                        "cert-manager-startupapicheck": "post-install Helm hook: `check api --wait=1m` creates a dry-run resource, which goes through the webhook",
                    }[p.name] as string,
                    source: [
                        chart("templates/deployment.yaml", "106", "--leader-election-namespace (kube-system)"),
                        chart("templates/webhook-deployment.yaml", "112-116", "--dynamic-serving-ca-secret-namespace/name"),
                        chart("templates/startupapicheck-job.yaml", "11,28", "startupapicheck Job labels"),
                    ],
                }),
            ),
            ...acmeFlows,
        ],
        listeners: [
            {
                pod: webhook,
                container: "cert-manager-webhook",
                port: 10250,
                bind: "all",
                namedBy: ["service", "networkPolicy"],
                why: "admission webhook (TLS, certificate from the dynamic serving CA); the program's default is 6443, the chart passes 10250",
                source: [cm("internal/apis/config/webhook/v1alpha1/defaults.go", "32-35", "SecurePort default 6443"), chart("templates/webhook-deployment.yaml", "96", "--secure-port=10250")],
            },
            {
                pod: webhook,
                container: "cert-manager-webhook",
                port: 6080,
                bind: "all",
                namedBy: ["probe"],
                why: "healthz (livenessProbe /livez, readinessProbe /healthz)",
                source: [cm("internal/apis/config/webhook/v1alpha1/defaults.go", "36-38", "HealthzPort 6080"), chart("templates/webhook-deployment.yaml", "137-162", "port healthcheck, probes")],
            },
            {
                pod: controller,
                container: "cert-manager-controller",
                port: 9403,
                bind: "all",
                namedBy: ["probe"],
                why: "healthz (livenessProbe /livez)",
                source: [cm("internal/apis/config/controller/v1alpha1/defaults.go", "87,280", "HealthzListenAddress 0.0.0.0:9403"), chart("templates/deployment.yaml", "162-163,211", "containerPort http-healthz, livenessProbe")],
            },
            ...[controller, webhook, cainjector].map((p) => ({
                pod: p,
                container: p.name,
                port: 9402,
                bind: "all" as const,
                namedBy: [],
                why: "Prometheus metrics (Services exist, nothing in the platform scrapes them)",
                source: cm(`internal/apis/config/${p.name === "cert-manager-controller" ? "controller" : p.name === "cert-manager-webhook" ? "webhook" : "cainjector"}/v1alpha1/defaults.go`, p.name === "cert-manager-controller" ? "85" : "26", "MetricsListenAddress 0.0.0.0:9402"),
            })),
            ...(acme
                ? sites.map((s) => ({
                      pod: solver(s.namespace),
                      container: "acmesolver",
                      port: 8089,
                      bind: "all" as const,
                      namedBy: ["service" as const, "networkPolicy" as const],
                      why: `HTTP-01 solver in ${s.namespace}, behind the Service and Ingress cert-manager creates for the challenge; the namespace's policies must admit the ingress controller on 8089`,
                      source: solverPodSrc,
                  }))
                : []),
        ],
        // Every container runs with a read-only root and writes nothing to disk (certificates live in Secrets).
        writes: [],
        accepts: [
            {
                key: "certManager.resources, webhookResources, cainjectorResources, startupapicheckResources",
                reads: "chart values resources (controller), webhook.resources, cainjector.resources and startupapicheck.resources",
                why: "@pulumi/kubernetes-cert-manager 0.2.0 copies its args into the chart values by their pulumi tags and the Go SDK drops nil entries, so the values the chart sees are exactly installCRDs and the four resources the platform passes; the chart sets none of them itself",
                source: [
                    { ...COMPONENT, file: "provider/pkg/provider/chart.go", lines: "86-88,205,265,290", note: "webhook, cainjector, startupapicheck args, each with resources (pulumi tag resources)" },
                    chart("templates/webhook-deployment.yaml", "181-182", "webhook container resources from webhook.resources"),
                    chart("templates/cainjector-deployment.yaml", "128-129", "cainjector.resources"),
                    chart("templates/startupapicheck-job.yaml", "81-82", "startupapicheck.resources"),
                    { ...COMPONENT, file: "provider/pkg/provider/chart.go", lines: "37-54", note: "CertManagerArgs: installCRDs, resources (pulumi-kubernetes ResourceRequirements with pulumi tags)" },
                    { ...HELMBASE, file: "base.go", lines: "186-204", note: "InitDefaults: mapstructure decode of the args into Values by pulumi tag" },
                    { ...PULUMI_SDK, file: "sdk/go/pulumi/rpc.go", lines: "476-488", note: "map marshalling skips null values" },
                ],
            },
            {
                key: "certManager.enabled",
                reads: "chart value installCRDs (set by the component)",
                accepted: [true],
                rejected: ["installCRDs together with crds.enabled", "installCRDs with crds.keep=false"],
                why: "installCRDs is deprecated but still renders the CRDs; the chart fails the render if crds.enabled is also set or crds.keep is false",
                source: chart("templates/_helpers.tpl", "255-267", "fail on installCRDs + crds.enabled, or installCRDs without crds.keep"),
            },
            {
                key: "ingress.className",
                reads: "ClusterIssuer acme.solvers[].http01.ingress.ingressClassName (the solver Ingress' class)",
                why: "the solver Ingress only reaches the solver if the named class's controller serves it; Traefik serves the IngressClass the chart creates (controller traefik.io/ingress-controller)",
                source: cm("pkg/issuer/acme/http/ingress.go", "160-197", "ingressClassName copied from the solver config"),
            },
        ],
        hostFacts: [],
    };
};
