import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";
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
     * kubelets serve self-signed certificates. Keep it false on a cluster with signed kubelet certs.
     */
    kubeletInsecureTls: z.boolean().default(false),
    replicas: z.number().int().min(1).default(1),
    resources: resources.default({ requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } }),
});
export type MetricsServerConfig = z.output<typeof metricsServerSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { metricsServer: MetricsServerConfig };

export const metricsServerSecrets: SecretSpec<Reads>[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const metricsServerCrossChecks: CrossCheck<Reads>[] = [];
