/**
 * Runtime contract of OpenKruise 1.5.2 (chart `kruise` 1.5.2, images `openkruise/kruise-manager:v1.5.2`):
 * kruise-manager (webhook server, controllers) and kruise-daemon (host network, one per node).
 * Facts read from the chart (openkruise/charts, tag kruise-1.5.2) and from the program (openkruise/kruise, tag v1.5.2).
 */
import type { ContractFn, PodRef, Source } from "../types";

const CHART = { repo: "openkruise/charts", ref: "cf0f57434a92dcaceccc2a490828a3ee55da09c2" } as const;
const KRUISE = { repo: "openkruise/kruise", ref: "5421ee7c8e9e54ec38c1c1e20f4deb4a722f47a7" } as const;
const chart = (file: string, lines: string, note: string): Source => ({ ...CHART, file: `versions/kruise/1.5.2/templates/${file}`, lines, note });
const kruise = (file: string, lines: string, note: string): Source => ({ ...KRUISE, file, lines, note });

export const contract: ContractFn = (cfg) => {
    const k = cfg.kruise;
    if (!k.enabled) return undefined;
    const ns = k.namespace;
    const chartRef = { chart: "kruise", version: k.chartVersion ?? "1.5.2" };

    const manager: PodRef = { kind: "pods", name: "kruise-manager", namespace: ns, labels: { "control-plane": "controller-manager" }, createdBy: chartRef };
    // Host-network DaemonSet: NetworkPolicies do not select it. Rendered only without `KruiseDaemon=false`.
    const daemon: PodRef = { kind: "pods", name: "kruise-daemon", namespace: ns, labels: { "control-plane": "daemon" }, createdBy: chartRef };
    const managerLabels = chart("manager.yaml", "30-51", "Deployment kruise-controller-manager: pod label control-plane: controller-manager");
    const daemonLabels = chart("manager.yaml", "161-181,250", "DaemonSet kruise-daemon (skipped when featureGates contains KruiseDaemon=false): label control-plane: daemon, hostNetwork: true");
    const apiPorts = cfg.kubernetes.apiServerPorts;

    return {
        system: "cluster/kruise",
        pinned: {
            chart: `kruise ${chartRef.version} (openkruise/charts tag kruise-1.5.2, ${CHART.ref})`,
            "kruise-manager": `openkruise/kruise-manager:v1.5.2 (openkruise/kruise tag v1.5.2, ${KRUISE.ref})`,
        },
        flows: [
            {
                id: "apiserver-to-kruise-webhook",
                from: { kind: "apiServer" },
                to: manager,
                ports: [9876],
                protocol: "TCP",
                why: "the API server calls kruise-manager's admission webhooks through Service kruise-webhook-service (443 -> 9876): mpod.kb.io on every pod CREATE and vpod.kb.io/vpodeviction.kb.io on every pod UPDATE/DELETE/eviction in every namespace not labelled control-plane=openkruise (failurePolicy Fail), plus the CloneSet and other apps.kruise.io webhooks",
                source: [
                    chart("webhookconfiguration.yaml", "6-31", "mpod.kb.io: pods CREATE, failurePolicy Fail, namespaceSelector control-plane NotIn [openkruise]"),
                    chart("webhookconfiguration.yaml", "391-443", "vpod.kb.io (pods UPDATE/DELETE) and vpodeviction.kb.io (pods/eviction CREATE), failurePolicy Fail, same namespaceSelector"),
                    kruise("pkg/webhook/util/util.go", "49-58", "webhook port: env WEBHOOK_PORT, default 9876"),
                    kruise("pkg/webhook/server.go", "84-88", "webhook server binds 0.0.0.0:<port> with CertDir"),
                    managerLabels,
                ],
            },
            {
                id: "kruise-manager-to-apiserver",
                from: manager,
                to: { kind: "apiServer" },
                ports: apiPorts,
                protocol: "TCP",
                why: "controllers (CloneSet for the notebook kernels, etc.), leader election in its namespace, webhook certificate Secret kruise-webhook-certs and the patching of the webhook configurations and CRD conversion caBundle",
                source: [
                    kruise("pkg/webhook/util/controller/webhook_controller.go", "232-264", "ensures certs in Secret kruise-webhook-certs, writes them to the cert dir, patches webhook configurations and CRDs"),
                    chart("manager.yaml", "58-66", "--enable-leader-election --leader-election-namespace=<installation.namespace>"),
                ],
            },
            ...(k.daemon
                ? [
                      {
                          id: "kruise-daemon-to-apiserver",
                          from: daemon,
                          to: { kind: "apiServer" as const },
                          ports: apiPorts,
                          protocol: "TCP" as const,
                          why: "kruise-daemon (host network, not subject to NetworkPolicies) watches NodeImages, ContainerRecreateRequests and pods of its node",
                          source: daemonLabels,
                      },
                  ]
                : []),
        ],
        listeners: [
            {
                pod: manager,
                container: "manager",
                port: 9876,
                bind: "all",
                namedBy: ["service", "networkPolicy"],
                why: "admission webhook server (Service kruise-webhook-service port 443 -> 9876); the API server must reach it or every pod CREATE outside control-plane=openkruise namespaces fails",
                source: [kruise("pkg/webhook/server.go", "84-88", "server.Host 0.0.0.0, server.Port from WEBHOOK_PORT"), chart("manager.yaml", "89-96", "env WEBHOOK_PORT and containerPort webhook-server")],
            },
            {
                pod: manager,
                container: "manager",
                port: 8000,
                bind: "all",
                namedBy: ["probe"],
                why: "health probe server (readinessProbe GET readyz)",
                source: [kruise("main.go", "101", "--health-probe-addr default :8000"), chart("manager.yaml", "61,100-106", "--health-probe-addr=:8000, readinessProbe port 8000")],
            },
            {
                pod: manager,
                container: "manager",
                port: 8080,
                bind: "all",
                namedBy: [],
                why: "Prometheus metrics (no Service or scrape in the platform)",
                source: kruise("main.go", "100", "--metrics-addr default :8080 (chart passes :8080)"),
            },
            {
                pod: manager,
                container: "manager",
                port: 8090,
                bind: "all",
                namedBy: [],
                why: "pprof: --enable-pprof defaults to true and --pprof-addr to :8090; the chart's manager.pprofAddr value (localhost:8090) is never passed to the manager, so pprof listens on every interface of the pod",
                source: [kruise("main.go", "109-110,133-139", "enable-pprof default true, pprof-addr default :8090, http.ListenAndServe(pprofAddr)"), chart("manager.yaml", "58-66", "manager args: no --pprof-addr / --enable-pprof")],
            },
            ...(k.daemon
                ? [
                      {
                          pod: daemon,
                          container: "daemon",
                          port: 10221,
                          bind: "all" as const,
                          namedBy: ["probe" as const],
                          why: "kruise-daemon metrics and /healthz (livenessProbe) on the node's addresses (hostNetwork)",
                          source: [kruise("cmd/daemon/main.go", "40", "--addr default :10221"), chart("manager.yaml", "199-201,232-238", "--addr=:10221, livenessProbe /healthz 10221")],
                      },
                      {
                          pod: daemon,
                          container: "daemon",
                          port: 10222,
                          bind: "loopback" as const,
                          namedBy: [],
                          why: "kruise-daemon pprof, bound to localhost by the chart (daemon.pprofAddr)",
                          source: [kruise("cmd/daemon/main.go", "41-42,61", "pprof-addr, enable-pprof"), chart("manager.yaml", "204-209", "--enable-pprof=true --pprof-addr=localhost:10222")],
                      },
                  ]
                : []),
        ],
        writes: [
            {
                pod: manager,
                container: "manager",
                path: "/tmp/kruise-webhook-certs",
                why: "the webhook controller writes the serving certificate and key it keeps in Secret kruise-webhook-certs into the cert dir (WEBHOOK_CERT_DIR, default /tmp/kruise-webhook-certs) before serving; the chart runs the manager as UID 65534 without readOnlyRootFilesystem, so /tmp of the image must stay writable (a read-only root would need an emptyDir there)",
                source: [
                    kruise("pkg/webhook/util/util.go", "61-66", "GetCertDir: WEBHOOK_CERT_DIR or /tmp/kruise-webhook-certs"),
                    kruise("pkg/webhook/util/controller/webhook_controller.go", "250-256", "writer.WriteCertsToDir(GetCertDir(), certs)"),
                    chart("manager.yaml", "71-78", "securityContext: runAsUser 65534, no readOnlyRootFilesystem"),
                ],
            },
        ],
        accepts: [
            {
                key: "kruise.namespace",
                reads: "label control-plane on the Namespace the manager runs in (namespaceSelector of mpod.kb.io, vpod.kb.io, vpodeviction.kb.io)",
                accepted: ["openkruise"],
                planValue: { object: `Namespace ${ns}`, path: ["metadata", "labels", "control-plane"] },
                why: "the chart labels the namespace control-plane=openkruise only when it creates it (installation.createNamespace); the webhooks (failurePolicy Fail) exempt only namespaces with that label, so an unlabelled kruise namespace makes the manager's own pods need the webhook they serve (install deadlock, openkruise/kruise#1521). The platform creates the namespace itself (createNamespace false) with that label (components/cluster/kruise.ts KRUISE_WEBHOOK_EXEMPT_LABELS), as it does on the other add-ons' namespaces",
                source: [chart("manager.yaml", "1-8", "Namespace with label control-plane: openkruise only if installation.createNamespace"), chart("webhookconfiguration.yaml", "14-21", "failurePolicy Fail, namespaceSelector control-plane NotIn [openkruise]")],
            },
            {
                key: "kruise.namespace",
                reads: "the namespace of Service kruise-webhook-service in every webhook's clientConfig and in the Advanced StatefulSet CRD's conversion webhook",
                accepted: ["kruise-system"],
                why: "the chart hard-codes kruise-system there; kruise-manager rewrites them to its own namespace (POD_NAMESPACE) only once it runs and whenever they change, and each Helm upgrade puts kruise-system back, so another namespace leaves the webhooks (pods included, failurePolicy Fail) pointing at a missing Service after every install and upgrade. The config refuses any other value",
                source: [
                    chart("webhookconfiguration.yaml", "9-13", "clientConfig.service: kruise-webhook-service in namespace kruise-system (same in every entry)"),
                    chart("apps.kruise.io_statefulsets.yaml", "11-19", "conversion webhook Service in kruise-system"),
                    kruise("pkg/webhook/util/configuration/configuration.go", "74,99", "Service.Namespace = webhookutil.GetNamespace()"),
                    kruise("pkg/util/meta.go", "21-26", "GetKruiseNamespace: POD_NAMESPACE, else kruise-system"),
                    kruise("pkg/webhook/util/controller/webhook_controller.go", "113-146", "re-ensures the configurations on add and update"),
                    { repo: "helm/helm", ref: "301108edc7ac2a8ba79e4ebf5701b0b6ce6a31e4", file: "pkg/kube/client.go", lines: "620-667", note: "v3.17.0: built-in kinds are patched three-way against the live object" },
                ],
            },
            {
                key: "kruise.daemon",
                reads: "--feature-gates (chart value featureGates)",
                accepted: ["ImagePullJobGate=true", "KruiseDaemon=false"],
                planValue: { object: `Release ${ns}/kruise`, path: ["values", "featureGates"] },
                why: "both are registered gates of v1.5.2; with KruiseDaemon=false the manager also turns off ImagePullJobGate, PodProbeMarkerGate and the other daemon-backed gates, and the chart renders no kruise-daemon DaemonSet",
                source: [
                    kruise("pkg/features/kruise_features.go", "33,109,120,140", "KruiseDaemon (default true), ImagePullJobGate (default false)"),
                    kruise("pkg/features/kruise_features.go", "171-179", "SetDefaultFeatureGates: KruiseDaemon=false disables the daemon-backed gates"),
                    chart("manager.yaml", "161", "DaemonSet omitted when featureGates contains KruiseDaemon=false"),
                ],
            },
        ],
        hostFacts: [],
    };
};
