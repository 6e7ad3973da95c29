import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { msg } from "./problems";

/** How to reach the cluster, and what kind of cluster it is. */
export const kubernetesSchema = z.strictObject({
    /** kubeconfig context to use; the current context when unset. */
    context: z.string().min(1).optional(),
    /** Path to a kubeconfig file; `$KUBECONFIG` or `~/.kube/config` when unset. */
    kubeconfig: z.string().min(1).optional(),
    /** `kind` for a local kind cluster (MetalLB gives LoadBalancer addresses), `generic` for any other cluster. */
    distribution: z.enum(["kind", "generic"], { error: msg("must be \"kind\" or \"generic\"", "set kubernetes.distribution to kind for a local kind cluster, generic otherwise") }).default("generic"),
    /** `dev` relaxes nothing that matters for safety but allows self-signed TLS and local logins; `prod` protects stateful resources. */
    environment: z.enum(["dev", "prod"], { error: msg("must be \"dev\" or \"prod\"", "set kubernetes.environment to dev or prod") }).optional(),
});
export type KubernetesConfig = z.output<typeof kubernetesSchema>;

/** The environment a stack runs as: `kubernetes.environment`, else `dev` for the stack named dev and `prod` for any other (the safe default). */
export function resolveEnvironment(k: Pick<KubernetesConfig, "environment">): "dev" | "prod" {
    return k.environment ?? (pulumi.getStack() === "dev" ? "dev" : "prod");
}
