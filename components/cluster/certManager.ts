import * as k8s from "@pulumi/kubernetes";
import { CertManager as CertManagerChart } from "@pulumi/kubernetes-cert-manager";
import * as pulumi from "@pulumi/pulumi";
import { CertManagerConfig, LETSENCRYPT_PRODUCTION, LETSENCRYPT_STAGING } from "../../config/certManager";
import { chartAt, chartSource } from "../charts";
import { appLabels } from "../k8s/labels";
import { podSecurityNamespace } from "../k8s/namespace";
import { Allow, apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";
import { KRUISE_WEBHOOK_EXEMPT_LABELS } from "./kruise";

/** Names of the ClusterIssuers the platform creates. */
export const ISSUERS = {
    selfSigned: "selfsigned",
    ca: "research-platform-ca",
    staging: "letsencrypt-staging",
    production: "letsencrypt-production",
} as const;

export interface CertManagerArgs {
    config: CertManagerConfig;
    provider: k8s.Provider;
    /** `selfSigned` or `acme` (see `effectiveIssuer`). */
    issuer: "selfSigned" | "acme";
    /** IngressClass for ACME HTTP-01 challenges (required for `acme`). */
    ingressClassName?: string;
    /** The cluster's addresses (and Traefik's namespace, when the platform installs it), for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/** The cert-manager controller's pod labels (chart v1.21.1, release `cert-manager`: templates/deployment.yaml 34-37). */
export const CERT_MANAGER_CONTROLLER_POD_LABELS: Readonly<Record<string, string>> = { "app.kubernetes.io/name": "cert-manager", "app.kubernetes.io/component": "controller" };

/** Traefik's pod labels (traefik chart 41.3.0 templates/_helpers.tpl 90-98, release `traefik`: instance is <release>-<namespace>). */
export function traefikPodLabels(namespace: string): Record<string, string> {
    return { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `traefik-${namespace}` };
}

/**
 * cert-manager through `@pulumi/kubernetes-cert-manager` (a Helm release with its CRDs), then the
 * ClusterIssuers: for `selfSigned`, a self-signed root that issues the platform CA and a `ca`
 * issuer from it; for `acme`, Let's Encrypt staging and production (HTTP-01 through the ingress class).
 */
export class CertManager extends pulumi.ComponentResource {
    /** The ClusterIssuer apps use. */
    readonly clusterIssuerName: string;
    /** The issuers (and the CA certificate): wait on these before requesting certificates. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: CertManagerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:cluster:CertManager", name, args, opts);
        const cfg = args.config;
        const childOpts = { parent: this, provider: args.provider };
        const chart = chartAt("certManager", cfg.chartVersion);

        const namespace = podSecurityNamespace("cert-manager", { name: cfg.namespace, podSecurity: "restricted", labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS } }, childOpts);

        // The webhook (securePort 10250) is called by the API server; every pod (controller, cainjector,
        // webhook) talks to the API server; the controller reaches ACME servers and, for HTTP-01
        // self-checks, the ingress on 80/443. When the host resolves to Traefik's LoadBalancer address
        // inside the cluster, kube-proxy turns the self-check's connection to <address>:80 (or :443
        // after a redirect) into one to a Traefik pod's container port 8000 (8443), and policies see
        // that (cert-manager v1.21.1 pkg/issuer/acme/http/http.go 146-211; traefik chart 41.3.0
        // values.yaml 951-959, 1009-1019): allow it too, and Traefik admits it (components/cluster/ingress.ts).
        const selfCheckViaTraefik: Allow[] =
            args.issuer === "acme" && args.network.ingressNamespace
                ? [
                      {
                          name: "acme-self-check-traefik",
                          pods: { ...CERT_MANAGER_CONTROLLER_POD_LABELS },
                          to: [{ pods: traefikPodLabels(args.network.ingressNamespace), namespace: args.network.ingressNamespace }],
                          ports: [{ port: 8000 }, { port: 8443 }],
                          reason: "HTTP-01 self-check of a host served by the platform's Traefik: the connection to its LoadBalancer address arrives at a Traefik pod's web (8000) or websecure (8443) container port",
                      },
                  ]
                : [];
        isolateNamespace(
            "cert-manager-netpol",
            {
                namespace: cfg.namespace,
                app: "cert-manager",
                network: args.network,
                allows: [
                    { name: "webhook", pods: { "app.kubernetes.io/component": "webhook" }, from: [{ apiServer: true }], ports: [{ port: 10250 }], reason: "the API server calls the admission webhook on its securePort 10250" },
                    apiServerAllow(args.network, undefined, "controller, cainjector and webhook watch and update cert-manager resources"),
                    { name: "acme", pods: { "app.kubernetes.io/component": "controller" }, to: [{ anywhere: true }], ports: [{ port: 443 }, { port: 80 }], reason: "ACME directory and HTTP-01 self-checks" },
                    ...selfCheckViaTraefik,
                ],
            },
            { ...childOpts, dependsOn: [namespace] },
        );

        const certManager = new CertManagerChart(
            "cert-manager",
            {
                installCRDs: true,
                // Each of the chart's four pods gets its own requests and limits: the component passes these
                // typed args on as chart values (pulumi/pulumi-kubernetes-cert-manager 74998b4
                // provider/pkg/provider/chart.go 54, 86-88, 205, 265, 290: resources of the controller,
                // webhook, cainjector and startupapicheck), which the chart leaves empty by default.
                resources: cfg.resources,
                webhook: { resources: cfg.webhookResources },
                cainjector: { resources: cfg.cainjectorResources },
                startupapicheck: { resources: cfg.startupapicheckResources },
                helmOptions: {
                    name: "cert-manager",
                    namespace: cfg.namespace,
                    ...chartSource(chart),
                    atomic: true,
                    cleanupOnFail: true,
                    createNamespace: false,
                    timeout: cfg.timeoutSeconds,
                },
            },
            { parent: this, providers: { kubernetes: args.provider }, dependsOn: [namespace] },
        );

        const issuerOpts = { ...childOpts, dependsOn: [certManager] };
        const labels = appLabels("cert-manager", { component: "issuer" });
        const clusterIssuer = (resourceName: string, issuerName: string, spec: Record<string, unknown>, extra: pulumi.Resource[] = []) =>
            new k8s.apiextensions.CustomResource(
                resourceName,
                { apiVersion: "cert-manager.io/v1", kind: "ClusterIssuer", metadata: { name: issuerName, labels }, spec },
                { ...issuerOpts, dependsOn: [certManager, ...extra] },
            );

        if (args.issuer === "selfSigned") {
            const root = clusterIssuer("selfsigned-issuer", ISSUERS.selfSigned, { selfSigned: {} });
            const caCert = new k8s.apiextensions.CustomResource(
                "platform-ca",
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: { name: ISSUERS.ca, namespace: cfg.namespace, labels },
                    spec: {
                        isCA: true,
                        commonName: cfg.ca.commonName,
                        secretName: ISSUERS.ca,
                        duration: "87600h",
                        privateKey: { algorithm: "ECDSA", size: 256 },
                        issuerRef: { name: ISSUERS.selfSigned, kind: "ClusterIssuer", group: "cert-manager.io" },
                    },
                },
                { ...issuerOpts, dependsOn: [certManager, root] },
            );
            // A ClusterIssuer's secrets live in the cluster resource namespace (cert-manager's own).
            const ca = clusterIssuer("platform-ca-issuer", ISSUERS.ca, { ca: { secretName: ISSUERS.ca } }, [caCert]);
            this.clusterIssuerName = ISSUERS.ca;
            this.ready = [root, caCert, ca];
        } else {
            if (!cfg.acme.email || !args.ingressClassName) throw new Error("cert-manager acme issuers need certManager.acme.email and an ingress class (checked by the config)");
            const acme = (server: string, issuerName: string) => ({
                acme: {
                    server,
                    email: cfg.acme.email,
                    privateKeySecretRef: { name: `${issuerName}-account-key` },
                    solvers: [{ http01: { ingress: { ingressClassName: args.ingressClassName } } }],
                },
            });
            const staging = clusterIssuer("letsencrypt-staging", ISSUERS.staging, acme(LETSENCRYPT_STAGING, ISSUERS.staging));
            const production = clusterIssuer("letsencrypt-production", ISSUERS.production, acme(LETSENCRYPT_PRODUCTION, ISSUERS.production));
            this.clusterIssuerName = cfg.acme.use === "staging" ? ISSUERS.staging : ISSUERS.production;
            this.ready = [staging, production];
        }
        this.registerOutputs({ clusterIssuerName: this.clusterIssuerName });
    }
}
