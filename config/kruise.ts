import { z } from "zod";
import { msg } from "./problems";
import type { CrossCheck, SecretSpec } from "./spec";
import { namespace, resources } from "./types";

/** OpenKruise: the CloneSet controller the distributed-notebook gateway uses at run time. */
export const kruiseSchema = z.strictObject({
    enabled: z.boolean().default(false),
    /**
     * Namespace of the kruise-manager and kruise-daemon (created by the program). Only
     * `kruise-system`: the chart 1.5.2 points every admission webhook (pods included,
     * failurePolicy Fail) and the Advanced StatefulSet conversion webhook at Service
     * `kruise-system/kruise-webhook-service` (openkruise/charts kruise-1.5.2,
     * templates/webhookconfiguration.yaml, each `clientConfig.service.namespace`;
     * templates/apps.kruise.io_statefulsets.yaml 11-19). The manager moves them to its own
     * namespace only once it runs, and again whenever they change (openkruise/kruise v1.5.2,
     * pkg/webhook/util/configuration/configuration.go 74, 99; pkg/webhook/util/crd/crd.go 62;
     * pkg/webhook/util/controller/webhook_controller.go 113-146), while every Helm upgrade puts
     * the chart's namespace back into the webhook configurations (Helm 3 patches built-in kinds
     * three-way against the live object: helm/helm v3.17.0 pkg/kube/client.go 620-667). In any
     * other namespace each install and upgrade would point the webhooks at a missing Service.
     */
    namespace: namespace.default("kruise-system").refine((n) => n === "kruise-system", {
        message: msg(
            "must be kruise-system: the kruise 1.5.2 chart points its webhooks (failurePolicy Fail, every pod creation in the cluster) at kruise-system/kruise-webhook-service, and the manager moves them to another namespace only once it runs",
            "remove kruise.namespace (the default is kruise-system)",
        ),
    }),
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
