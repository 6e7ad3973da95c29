import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { msg } from "./problems";

/**
 * The Kubernetes version the platform is built for and checked against: the one place that names
 * it. The dev cluster's node image (`kind/cluster.yaml`, `KIND_NODE_IMAGE`), the distributed
 * notebook's own kube-scheduler (`distributedNotebook.images.kubeScheduler` default), the manifest
 * schemas the guardrails validate against (kubernetes-models 4.5.1: the 1.33 OpenAPI schema) and
 * Helm's `--kube-version` when charts are rendered all follow it (tests keep them equal).
 * It lies inside every pinned add-on's supported range: cert-manager 1.21 supports 1.33 to 1.36
 * (cert-manager/website 776e5db content/docs/releases/README.md 24) and metrics-server 0.8 1.31+
 * (kubernetes-sigs/metrics-server v0.8.1 README.md 71-75).
 */
export const KUBERNETES_VERSION = "1.33.1";

/**
 * The kind release that publishes the node image of `KUBERNETES_VERSION` (its default node image:
 * kubernetes-sigs/kind v0.29.0 pkg/apis/config/defaults/image.go 21), and so the oldest kind the dev
 * cluster supports (a node image is supported "with the kind version they were released with").
 * It is above v0.24.0, from which kindnet enforces NetworkPolicies (kind v0.24.0
 * images/kindnetd/cmd/kindnetd/main.go 39, 220-240: kube-network-policies).
 */
export const KIND_VERSION = "0.29.0";

/** kind's node image for `KUBERNETES_VERSION`, pinned by the digest kind `KIND_VERSION` publishes. */
export const KIND_NODE_IMAGE = `kindest/node:v${KUBERNETES_VERSION}@sha256:050072256b9a903bd914c0b2866828150cb229cea0efe5892e2b644d5dd3b34f`;

/** How to reach the cluster, and what kind of cluster it is. */
export const kubernetesSchema = z.strictObject({
    /** kubeconfig context to use; the current context when unset. */
    context: z.string().min(1).optional(),
    /** Path to a kubeconfig file; `$KUBECONFIG` or `~/.kube/config` when unset. */
    kubeconfig: z.string().min(1).optional(),
    /** `kind` for a local kind cluster (MetalLB gives LoadBalancer addresses), `generic` for any other cluster. */
    distribution: z.enum(["kind", "generic"], { error: msg("must be \"kind\" or \"generic\"", "set kubernetes.distribution to kind for a local kind cluster, generic otherwise") }).default("generic"),
    /**
     * The cluster's Kubernetes version (e.g. "1.31"), which the offline plan renders the Helm charts
     * for (`helm template --kube-version`). Default: a kind cluster's node image version from
     * kind/cluster.yaml; otherwise the Kubernetes version of the schema checks.
     */
    version: z
        .string()
        .regex(/^v?\d+\.\d+(\.\d+)?$/, { error: msg("must be a Kubernetes version such as \"1.31\" or \"1.31.2\"", "set kubernetes.version to the cluster's version (kubectl version)") })
        .optional(),
    /** `dev` relaxes nothing that matters for safety but allows self-signed TLS and local logins; `prod` protects stateful resources. */
    environment: z.enum(["dev", "prod"], { error: msg("must be \"dev\" or \"prod\"", "set kubernetes.environment to dev or prod") }).optional(),
    /**
     * Where the Kubernetes API server listens, as NetworkPolicies see it (after the `kubernetes`
     * Service's DNAT: the control-plane node addresses). Default: kind's Docker network.
     */
    apiServerCidrs: z.array(cidr("kubernetes.apiServerCidrs")).min(1, { error: msg("is empty", "list the control-plane addresses, e.g. [\"10.0.0.0/24\"]") }).default(["172.18.0.0/16"]),
    /** The API server's ports as NetworkPolicies see them (the Service's 443 and the endpoint port, 6443 on kubeadm and kind). */
    apiServerPorts: z.array(z.number().int().min(1).max(65535)).min(1).default([443, 6443]),
    /** The nodes' addresses (kubelets, host-network pods such as the MetalLB speaker). Default: kind's Docker network. */
    nodeCidrs: z.array(cidr("kubernetes.nodeCidrs")).min(1, { error: msg("is empty", "list the node network, e.g. [\"10.0.0.0/16\"]") }).default(["172.18.0.0/16"]),
});

function cidr(key: string) {
    return z.union([z.cidrv4(), z.cidrv6()], { error: msg("must be a CIDR such as 10.0.0.0/16", `write each entry of ${key} as address/prefix-length`) });
}
export type KubernetesConfig = z.output<typeof kubernetesSchema>;

/** The environment a stack runs as: `kubernetes.environment`, else `dev` for the stack named dev and `prod` for any other (the safe default). */
export function resolveEnvironment(k: Pick<KubernetesConfig, "environment">): "dev" | "prod" {
    return k.environment ?? (pulumi.getStack() === "dev" ? "dev" : "prod");
}
