/**
 * Runtime contract of metrics-server (chart `metrics-server` 3.13.1, app version 0.8.1, image
 * `registry.k8s.io/metrics-server/metrics-server:v0.8.1`): an aggregated API server the API server calls,
 * and a scraper of every kubelet.
 */
import type { ContractFn, PodRef, Source } from "../types";

const CHART = { repo: "kubernetes-sigs/metrics-server", ref: "842dcc8c42f22cc19f10c7d5f2d32a9f4b6013b0" } as const;
const APP = { repo: "kubernetes-sigs/metrics-server", ref: "9ce65a47f9262e19e482c259ace815f01135a898" } as const;
const chart = (file: string, lines: string, note: string): Source => ({ ...CHART, file: `charts/metrics-server/${file}`, lines, note });
const app = (file: string, lines: string, note: string): Source => ({ ...APP, file, lines, note });

export const contract: ContractFn = (cfg) => {
    const m = cfg.metricsServer;
    if (!m.enabled) return undefined;
    const chartRef = { chart: "metrics-server", version: m.chartVersion ?? "3.13.1" };
    // Release name `metrics-server` (components/cluster/metricsServer.ts).
    const pod: PodRef = {
        kind: "pods",
        name: "metrics-server",
        namespace: m.namespace,
        labels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" },
        createdBy: chartRef,
    };
    const labels = chart("templates/_helpers.tpl", "51-53", "selectorLabels: app.kubernetes.io/name, app.kubernetes.io/instance: <release>");
    const securePort = chart("templates/deployment.yaml", "67,82-84", "--secure-port=<containerPort> and containerPort https (values containerPort: 10250)");

    return {
        system: "cluster/metricsServer",
        pinned: { chart: `metrics-server ${chartRef.version} (tag metrics-server-helm-chart-3.13.1, ${CHART.ref})`, "metrics-server": `v0.8.1 (${APP.ref})` },
        flows: [
            {
                id: "apiserver-to-metrics-server",
                from: { kind: "apiServer" },
                to: pod,
                ports: [10250],
                protocol: "TCP",
                why: "the aggregation layer proxies metrics.k8s.io/v1beta1 (APIService -> Service metrics-server 443 -> targetPort https = 10250)",
                source: [chart("templates/apiservice.yaml", "65-71", "APIService service port; insecureSkipTLSVerify with tls.type metrics-server"), securePort, chart("values.yaml", "68", "containerPort: 10250"), labels],
            },
            {
                id: "metrics-server-to-kubelets",
                from: pod,
                to: { kind: "kubelet" },
                ports: [10250],
                protocol: "TCP",
                why: "scrapes GET https://<node address>:<port>/metrics/resource on every node; the port is the node status' kubelet port (--kubelet-use-node-status-port, 10250 by default), the address the first of --kubelet-preferred-address-types the node has (InternalIP first)",
                source: [
                    app("pkg/scraper/client/resource/client.go", "83-100", "path /metrics/resource, port from node.Status.DaemonEndpoints when useNodeStatusPort, address from the priority resolver"),
                    app("cmd/metrics-server/app/options/kubelet_client.go", "72-90", "flags; KubeletPort default 10250"),
                    chart("values.yaml", "95-99", "defaultArgs: --cert-dir=/tmp, --kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname, --kubelet-use-node-status-port, --metric-resolution=15s"),
                ],
            },
            {
                id: "metrics-server-to-apiserver",
                from: pod,
                to: { kind: "apiServer" },
                ports: cfg.kubernetes.apiServerPorts,
                protocol: "TCP",
                why: "lists nodes and pods, reads extension-apiserver-authentication in kube-system and delegates authentication/authorization (TokenReview, SubjectAccessReview) of every aggregated request",
                source: app("cmd/metrics-server/app/options/options.go", "102-111,159-166", "delegating authentication and authorization options applied to the server config"),
            },
        ],
        listeners: [
            {
                pod,
                container: "metrics-server",
                port: 10250,
                bind: "all",
                namedBy: ["service", "probe", "networkPolicy"],
                why: "the secure port of the aggregated API (Service port 443 -> https) and of the probes (GET /livez, /readyz over HTTPS)",
                source: [securePort, chart("templates/deployment.yaml", "82-84", "containerPort https")],
            },
        ],
        writes: [
            {
                pod,
                container: "metrics-server",
                path: "/tmp",
                why: "without --tls-cert-file, metrics-server generates a self-signed serving certificate and key into --cert-dir=/tmp at start-up; the container runs as UID 1000 with a read-only root, so /tmp must be the chart's emptyDir",
                source: [app("cmd/metrics-server/app/options/options.go", "137-139", "SecureServing.MaybeDefaultWithSelfSignedCerts"), chart("values.yaml", "96", "--cert-dir=/tmp"), chart("templates/deployment.yaml", "95", "emptyDir mounted at /tmp")],
            },
        ],
        accepts: [
            {
                key: "metricsServer.kubeletInsecureTls",
                reads: "--kubelet-insecure-tls (and an extra --kubelet-preferred-address-types=InternalIP, appended to the chart default list since the flag is a StringSlice)",
                accepted: [true, false],
                why: "false verifies each kubelet's serving certificate against the in-cluster CA (the rest config), so the kubelets need serving certificates signed by the cluster CA for their InternalIP (serverTLSBootstrap with approved CSRs: docs/cluster.md); true skips the check. kind's kubelets serve self-signed certificates, so the config refuses false with kubernetes.distribution kind",
                source: [
                    app("cmd/metrics-server/app/options/kubelet_client.go", "101-122", "TLS config: rest config CA unless InsecureKubeletTLS or --kubelet-certificate-authority"),
                    { repo: "kubernetes-sigs/kind", ref: "v0.29.0", file: "pkg/cluster/internal/kubeadm/config.go", lines: "427-450", note: "kind's KubeletConfiguration: no serverTLSBootstrap, no tlsCertFile" },
                ],
            },
        ],
        hostFacts: [],
    };
};
