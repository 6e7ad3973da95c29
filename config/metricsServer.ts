import { z } from "zod";
import type { ClusterFacts, CrossCheck, SecretSpec } from "./spec";
import { namespace, resources } from "./types";

/** metrics-server: resource metrics for the notebook scheduler and `kubectl top`. */
export const metricsServerSchema = z.strictObject({
    enabled: z.boolean().default(false),
    /** Namespace (created by the program unless it is `kube-system`). */
    namespace: namespace.default("metrics-server"),
    /** Chart version; the pinned one from components/charts.ts when unset. */
    chartVersion: z.string().min(1).optional(),
    timeoutSeconds: z.number().int().positive().default(300),
    /**
     * Skip verifying kubelet serving certificates (`--kubelet-insecure-tls`): needed on kind, whose
     * kubelets serve self-signed certificates (kind v0.29.0 pkg/cluster/internal/kubeadm/config.go
     * 427-450 sets neither serverTLSBootstrap nor tlsCertFile, and the kubelet then signs its own),
     * and refused as false there. False verifies each kubelet's certificate against the cluster CA
     * at its InternalIP (metrics-server v0.8.1 cmd/metrics-server/app/options/kubelet_client.go
     * 101-122; README "Requirements": the kubelet certificate must be signed by the cluster CA), so
     * a cluster that keeps it false needs kubelets with `serverTLSBootstrap: true` and their
     * serving CSRs approved, or metrics.k8s.io stays empty.
     */
    kubeletInsecureTls: z.boolean().default(false),
    replicas: z.number().int().min(1).default(1),
    resources: resources.default({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } }),
});
export type MetricsServerConfig = z.output<typeof metricsServerSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { metricsServer: MetricsServerConfig; kubernetes: ClusterFacts };

export const metricsServerSecrets: SecretSpec<Reads>[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const metricsServerCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        if (cfg.metricsServer.enabled && !cfg.metricsServer.kubeletInsecureTls && cfg.kubernetes.distribution === "kind") {
            report(
                ["metricsServer", "kubeletInsecureTls"],
                "is false on kind, whose kubelets serve self-signed certificates: metrics-server would fail to verify every kubelet and metrics.k8s.io would stay empty",
                "set metricsServer.kubeletInsecureTls to true on kind",
            );
        }
    },
];
