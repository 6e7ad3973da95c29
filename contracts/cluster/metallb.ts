/**
 * Runtime contract of MetalLB 0.14.9 (chart `metallb` 0.14.9, images `quay.io/metallb/{controller,speaker}:v0.14.9`)
 * in L2 mode with the native speaker (no FRR, no frr-k8s). Chart and program are the same repository and tag.
 */
import type { ContractFn, PodRef, Source } from "../types";

const REF = { repo: "metallb/metallb", ref: "5765ee504d21a3a237d9dab223ca707661269ecd" } as const;
const src = (file: string, lines: string, note: string): Source => ({ ...REF, file, lines, note });
const chart = (file: string, lines: string, note: string): Source => src(`charts/metallb/${file}`, lines, note);

export const contract: ContractFn = (cfg) => {
    const m = cfg.metallb;
    if (!m.enabled) return undefined;
    const ns = m.namespace;
    const chartRef = { chart: "metallb", version: m.chartVersion ?? "0.14.9" };
    // Release name `metallb` (components/cluster/metallb.ts): app.kubernetes.io/instance.
    const selector = { "app.kubernetes.io/name": "metallb", "app.kubernetes.io/instance": "metallb" };
    const controller: PodRef = { kind: "pods", name: "metallb-controller", namespace: ns, labels: { ...selector, "app.kubernetes.io/component": "controller" }, createdBy: chartRef };
    // hostNetwork: true, so NetworkPolicies do not select it; its traffic leaves from the node's address.
    // hostNetwork: NetworkPolicies do not select it, so its node-to-node memberlist flows are the host firewall's to allow.
    const speaker: PodRef = { kind: "pods", name: "metallb-speaker", namespace: ns, labels: { ...selector, "app.kubernetes.io/component": "speaker" }, hostNetwork: true, createdBy: chartRef };
    const labels = [chart("templates/_helpers.tpl", "49-52", "selectorLabels: app.kubernetes.io/name, app.kubernetes.io/instance: <release>"), chart("templates/controller.yaml", "35", "component: controller"), chart("templates/speaker.yaml", "153,167", "component: speaker, hostNetwork: true")];
    const apiPorts = cfg.kubernetes.apiServerPorts;

    return {
        system: "cluster/metallb",
        pinned: { chart: `metallb ${chartRef.version}`, "controller/speaker": `quay.io/metallb/{controller,speaker}:v0.14.9 (metallb/metallb tag v0.14.9, ${REF.ref})` },
        flows: [
            {
                id: "apiserver-to-metallb-webhook",
                from: { kind: "apiServer" },
                to: controller,
                ports: [9443],
                protocol: "TCP",
                why: "validating webhooks of the metallb.io resources (the platform's IPAddressPool and L2Advertisement) and the BGPPeer CRD conversion webhook, through Service metallb-webhook-service (443 -> 9443)",
                source: [src("internal/k8s/k8s.go", "461-464", "webhook server Port 9443"), chart("templates/webhooks.yaml", "1-15", "ValidatingWebhookConfiguration metallb-webhook-configuration -> metallb-webhook-service, failurePolicy crds.validationFailurePolicy"), ...labels],
            },
            {
                id: "metallb-controller-to-apiserver",
                from: controller,
                to: { kind: "apiServer" },
                ports: apiPorts,
                protocol: "TCP",
                why: "assigns LoadBalancer addresses from the pools, creates the memberlist Secret, rotates the webhook certificate in Secret metallb-webhook-cert and patches the webhook/CRD caBundle",
                source: [src("controller/main.go", "258-261", "CreateMlSecret"), src("internal/k8s/webhook.go", "32-44", "cert-controller rotator: Secret metallb-webhook-cert, DNS name <cert-service-name>.<namespace>.svc")],
            },
            {
                id: "metallb-speaker-to-apiserver",
                from: speaker,
                to: { kind: "apiServer" },
                ports: apiPorts,
                protocol: "TCP",
                why: "the speaker watches Services, EndpointSlices, nodes and the pools (host network: not subject to NetworkPolicies)",
                source: labels,
            },
            {
                id: "metallb-memberlist-tcp",
                from: speaker,
                to: { kind: "node" },
                ports: [7946],
                protocol: "TCP",
                why: "memberlist (fast dead-node detection) between the speakers, bound to the node address (METALLB_ML_BIND_ADDR = status.podIP = node IP under hostNetwork); a host firewall between nodes must let it through",
                source: [src("speaker/main.go", "77-80", "ml-bindaddr, ml-bindport, ml-secret-key-path from env"), src("internal/speakerlist/speakerlist.go", "67-74", "memberlist BindAddr/BindPort"), chart("templates/speaker.yaml", "270-285,306-311", "METALLB_ML_BIND_ADDR status.podIP, METALLB_ML_BIND_PORT 7946, ports memberlist-tcp/udp")],
            },
            {
                id: "metallb-memberlist-udp",
                from: speaker,
                to: { kind: "node" },
                ports: [7946],
                protocol: "UDP",
                why: "memberlist gossip (UDP) between the speakers on the node addresses",
                source: [src("internal/speakerlist/speakerlist.go", "67-74", "memberlist BindAddr/BindPort"), chart("templates/speaker.yaml", "306-311", "memberlist-udp 7946")],
            },
        ],
        listeners: [
            {
                pod: controller,
                container: "controller",
                port: 9443,
                bind: "all",
                namedBy: ["service", "networkPolicy"],
                why: "webhook server (Service metallb-webhook-service 443 -> 9443); it starts together with the metrics listener, so readiness implies the webhook serves",
                source: [src("internal/k8s/k8s.go", "300-310,461-464", "webhooks and metrics started together; Port 9443"), chart("templates/controller.yaml", "98", "containerPort 9443")],
            },
            {
                pod: controller,
                container: "controller",
                port: 7472,
                bind: "all",
                namedBy: ["probe"],
                why: "metrics (liveness and readiness probes GET /metrics); MetricsHost is empty in the controller, so every interface",
                source: [src("controller/main.go", "152,219", "--port default 7472, MetricsPort"), src("internal/k8s/k8s.go", "323-329", "ListenAndServe(JoinHostPort(MetricsHost, MetricsPort))")],
            },
            {
                pod: speaker,
                container: "speaker",
                port: 7472,
                // Bound to the node's own address (METALLB_HOST = status.hostIP), not 0.0.0.0: the nearest shape is "all".
                bind: "all",
                namedBy: ["probe"],
                why: "speaker metrics and probes on the node address (hostNetwork, METALLB_HOST=status.hostIP)",
                source: [src("speaker/main.go", "76,84,197-198", "--host from METALLB_HOST, --port 7472"), chart("templates/speaker.yaml", "242", "--port")],
            },
            {
                pod: speaker,
                container: "speaker",
                port: 7946,
                protocol: "TCP",
                bind: "all",
                namedBy: [],
                why: "memberlist on the node address (hostNetwork): between nodes only",
                source: src("internal/speakerlist/speakerlist.go", "67-74", "BindAddr/BindPort"),
            },
            {
                pod: speaker,
                container: "speaker",
                port: 7946,
                protocol: "UDP",
                bind: "all",
                namedBy: [],
                why: "memberlist gossip on the node address (hostNetwork)",
                source: src("internal/speakerlist/speakerlist.go", "67-74", "BindAddr/BindPort"),
            },
        ],
        // Nothing on disk: the webhook certificate is kept in Secret metallb-webhook-cert (mounted read-only at
        // /tmp/k8s-webhook-server/serving-certs), the root filesystems are read-only.
        writes: [],
        accepts: [
            {
                key: "metallb.addresses",
                reads: "IPAddressPool spec.addresses (checked by the validating webhook)",
                why: "each entry must be a CIDR or a `first-last` range of one family with start <= end; anything else is refused by the webhook (\"invalid CIDR\" / \"invalid IP range\")",
                source: src("internal/config/config.go", "913-936", "ParseCIDR: CIDR or range, start not after end"),
            },
            {
                key: "metallb.namespace",
                reads: "the pod's service-account namespace (memberlist Secret, webhook certificate DNS name metallb-webhook-service.<namespace>.svc)",
                why: "the controller takes its namespace from the service-account file when METALLB_NAMESPACE is unset (the chart sets none), so any namespace works as long as the release is in it",
                source: src("controller/main.go", "153,198", "namespace flag; ReadFile(serviceaccount/namespace)"),
            },
        ],
        hostFacts: [],
    };
};
