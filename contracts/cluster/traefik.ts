/**
 * Runtime contract of Traefik (chart `traefik` 41.3.0, image `docker.io/traefik:v3.7.11`) as the platform's
 * ingress controller: entrypoints web/websecure and one TCP entrypoint per `ingress.tcpPorts` entry, the
 * Kubernetes Ingress and CRD providers watching the API server, and the connections to backends (pod endpoints
 * on their container ports), including NVIDIA FLARE's IngressRouteTCP backends. The ACME HTTP-01 solver
 * backends are in the cert-manager contract.
 *
 * The traefik/traefik snapshot available holds tags up to v3.7.9: program facts are cited at v3.7.9
 * (d0bd2ec), the newest patch release of the same minor line; the chart is cited at its own tag.
 */
import { traefikContainerPort } from "../../config/ingress";
import type { ContractConfig, ContractFn, Flow, Listener, PodRef, Source } from "../types";

const CHART = { repo: "traefik/traefik-helm-chart", ref: "a8a66d0098703627b2cf352c66b1725c196a734a" } as const;
const TRAEFIK = { repo: "traefik/traefik", ref: "d0bd2ec198533d760c1abfc74b98033d6d92d039" } as const;
const chart = (file: string, lines: string, note: string): Source => ({ ...CHART, file: `traefik/${file}`, lines, note });
const traefik = (file: string, lines: string, note: string): Source => ({ ...TRAEFIK, file, lines, note });

/**
 * The pods of the Traefik the platform installs: release `traefik` (components/cluster/ingress.ts),
 * whose instance label is `<release>-<namespace>` (chart templates/_helpers.tpl 90-98). The other
 * systems' contracts name them as the source of their ingress flows.
 */
export function traefikPods(cfg: Pick<ContractConfig, "ingress">): PodRef {
    const ns = cfg.ingress.namespace;
    return {
        kind: "pods",
        name: "traefik",
        namespace: ns,
        labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `traefik-${ns}` },
        createdBy: { chart: "traefik", version: cfg.ingress.chartVersion ?? "41.3.0" } as const,
    };
}

export const contract: ContractFn = (cfg) => {
    const i = cfg.ingress;
    // Only the Traefik the platform installs has a contract here; an existing controller is not ours.
    if (!i.enabled || !i.install) return undefined;
    const ns = i.namespace;
    const chartRef = { chart: "traefik", version: i.chartVersion ?? "41.3.0" };
    const pod = traefikPods(cfg);
    const labels = chart("templates/_helpers.tpl", "90-98", "labelselector: app.kubernetes.io/name traefik, app.kubernetes.io/instance <release>-<namespace>");
    const entrypointArg = chart("templates/_podtemplate.tpl", "223", "--entryPoints.<name>.address=:<port>/<protocol> for every ports.<name>");
    const tcp = i.tcpPorts.map((p) => ({ name: p.name, exposed: p.port, container: traefikContainerPort(p.port) }));

    // NVIDIA FLARE behind IngressRouteTCP (nvflare.exposure: ingressTcp): Traefik dials the participants' pods.
    const nv = cfg.nvflare;
    const nvParticipants =
        nv.enabled && nv.exposure === "ingressTcp"
            ? [...(nv.overseer ? [{ name: nv.overseer.name, ports: [nv.overseer.port] }] : []), ...nv.servers.map((s) => ({ name: s.name, ports: [s.flPort, s.adminPort] }))]
            : [];
    const nvFlows: Flow[] = nvParticipants.map((p) => ({
        id: `traefik-to-nvflare-${p.name}`,
        from: pod,
        to: { kind: "pods", name: `nvflare-${p.name}`, namespace: nv.namespace, labels: { "app.kubernetes.io/name": "nvflare", system: p.name }, createdBy: "program" },
        ports: p.ports,
        protocol: "TCP",
        why: `IngressRouteTCP (HostSNI(*) on the TCP entrypoint of each port) forwards the bytes to the ${p.name} Service's endpoints: the pod addresses on the container ports ${p.ports.join(", ")}`,
        source: [traefik("pkg/provider/kubernetes/crd/kubernetes_tcp.go", "194,265", "loadTCPServers: EndpointSlices of the Service -> pod address and port"), labels],
    }));

    const listeners: Listener[] = [
        {
            pod,
            container: "traefik",
            port: 8000,
            bind: "all",
            namedBy: ["service", "networkPolicy"],
            why: "entrypoint web (Service port 80 -> targetPort web); no redirect to websecure by default",
            source: [chart("values.yaml", "951-959", "ports.web: port 8000, exposedPort 80"), entrypointArg],
        },
        {
            pod,
            container: "traefik",
            port: 8443,
            bind: "all",
            namedBy: ["service", "networkPolicy"],
            why: "entrypoint websecure (Service port 443 -> targetPort websecure), TLS on",
            source: [chart("values.yaml", "1009-1019", "ports.websecure: port 8443, exposedPort 443"), entrypointArg],
        },
        {
            pod,
            container: "traefik",
            port: 8080,
            bind: "all",
            namedBy: ["probe"],
            why: "entrypoint traefik: /ping for the readiness and liveness probes, and the API/dashboard (not exposed by the Service)",
            source: [chart("values.yaml", "920-921", "ports.traefik: port 8080"), chart("templates/_podtemplate.tpl", "80-102", "probes on ports.traefik.port, path /ping")],
        },
        {
            pod,
            container: "traefik",
            port: 9100,
            bind: "all",
            namedBy: [],
            why: "entrypoint metrics (Prometheus); nothing in the platform scrapes it",
            source: chart("values.yaml", "1095-1098", "ports.metrics: port 9100"),
        },
        ...tcp.map(
            (p): Listener => ({
                pod,
                container: "traefik",
                port: p.container,
                bind: "all",
                namedBy: ["service", "networkPolicy"],
                why: `TCP entrypoint ${p.name} (Service port ${p.exposed} -> container port ${p.container})`,
                source: entrypointArg,
            }),
        ),
    ];

    return {
        system: "cluster/traefik",
        pinned: {
            chart: `traefik ${chartRef.version} (traefik/traefik-helm-chart tag v41.3.0, ${CHART.ref})`,
            traefik: `docker.io/traefik:v3.7.11 (appVersion); source read at v3.7.9 (${TRAEFIK.ref}), the newest tag in the available snapshot`,
        },
        flows: [
            {
                id: "clients-to-traefik",
                from: { kind: "anywhere" },
                to: pod,
                ports: [8000, 8443, ...tcp.map((p) => p.container)],
                protocol: "TCP",
                why: `clients reach the entrypoints through Service ${ns}/traefik (type ${i.serviceType}); with externalTrafficPolicy Cluster they arrive with a node's address`,
                source: [entrypointArg, labels],
            },
            {
                id: "traefik-to-apiserver",
                from: pod,
                to: { kind: "apiServer" },
                ports: cfg.kubernetes.apiServerPorts,
                protocol: "TCP",
                why: "the kubernetesIngress and kubernetesCRD providers watch Ingresses, IngressClasses, Services, EndpointSlices, Secrets and the traefik.io resources, and write the Ingress status (publishedService)",
                source: [chart("templates/_podtemplate.tpl", "493,528,542", "--providers.kubernetescrd, --providers.kubernetesingress, ingressendpoint.publishedservice"), traefik("pkg/provider/kubernetes/ingress/kubernetes.go", "232-260", "lists IngressClasses and Ingresses, updates Ingress status")],
            },
            ...nvFlows,
        ],
        listeners,
        // /data and /tmp are emptyDirs; with no certificate resolver configured Traefik writes nothing there.
        writes: [],
        accepts: [
            {
                key: "ingress.tcpPorts",
                reads: "ports.<name>.port (the address Traefik binds, :<port>/tcp) and ports.<name>.exposedPort",
                why: "Traefik runs as UID 65532 with every capability dropped, so it cannot bind a port below 1024: the platform maps such a port to container port 10000+port and keeps the exposed port",
                source: [chart("values.yaml", "1256-1269", "securityContext: capabilities drop ALL, readOnlyRootFilesystem; podSecurityContext runAsUser 65532"), entrypointArg],
            },
            {
                key: "ingress.tcpPorts",
                reads: "entrypoint names (ports.<name>)",
                rejected: ["traefik", "web", "websecure", "metrics"],
                why: "these entrypoints already exist in the chart's ports map; a second entry would replace them",
                source: chart("values.yaml", "918-1098", "ports: traefik, web, websecure, metrics"),
            },
            {
                key: "ingress.className",
                reads: "IngressClass <className> with controller traefik.io/ingress-controller",
                why: "without --providers.kubernetesingress.ingressClass, Traefik serves the Ingresses whose IngressClass has its controller value; the chart creates that class with the configured name",
                source: [traefik("pkg/provider/kubernetes/ingress/kubernetes.go", "36-38,232-256", "traefikDefaultIngressClassController, shouldProcessIngress"), chart("templates/ingressclass.yaml", "6-11", "controller: traefik.io/ingress-controller")],
            },
        ],
        hostFacts: [],
    };
};
