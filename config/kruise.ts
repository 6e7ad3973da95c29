import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";
import { namespace, resources } from "./types";

/** OpenKruise: the CloneSet controller the distributed-notebook gateway uses at run time. */
export const kruiseSchema = z.strictObject({
    enabled: z.boolean().default(false),
    /** Namespace of the kruise-manager and kruise-daemon (created by the program). */
    namespace: namespace.default("kruise-system"),
    /** Chart version; the pinned one from components/charts.ts (1.5.2, as seed 000) when unset. */
    chartVersion: z.string().min(1).optional(),
    /** Seconds Helm waits for the manager, the daemon and the webhook. */
    timeoutSeconds: z.number().int().positive().default(600),
    /** kruise-manager replicas (the chart's default is 2). */
    managerReplicas: z.number().int().min(1).default(2),
    /**
     * Run the kruise-daemon DaemonSet (image pre-pull, container recreate). It needs host access,
     * hence a `privileged` namespace; CloneSets work without it (feature gate `KruiseDaemon=false`).
     */
    daemon: z.boolean().default(true),
    managerResources: resources.default({ requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "200m", memory: "512Mi" } }),
    daemonResources: resources.default({ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "50m", memory: "128Mi" } }),
});
export type KruiseConfig = z.output<typeof kruiseSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { kruise: KruiseConfig };

export const kruiseSecrets: SecretSpec<Reads>[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const kruiseCrossChecks: CrossCheck<Reads>[] = [];
