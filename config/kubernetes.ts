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
     * Service's DNAT: the control-plane node addresses). Required on a generic cluster; on kind,
     * kind's default Docker network when unset (`npm run kind:up` writes the network it created
     * into the local stack, see `scripts/local-stack.mjs`).
     */
    apiServerCidrs: z.array(cidr("kubernetes.apiServerCidrs")).min(1, { error: msg("is empty", "list the control-plane addresses, e.g. [\"10.0.0.0/24\"]") }).optional(),
    /** The API server's ports as NetworkPolicies see them (the Service's 443 and the endpoint port, 6443 on kubeadm and kind). */
    apiServerPorts: z.array(z.number().int().min(1).max(65535)).min(1).default([443, 6443]),
    /** The nodes' addresses (kubelets, host-network pods such as the MetalLB speaker). Required on a generic cluster; on kind, kind's default Docker network when unset. */
    nodeCidrs: z.array(cidr("kubernetes.nodeCidrs")).min(1, { error: msg("is empty", "list the node network, e.g. [\"10.0.0.0/16\"]") }).optional(),
})
    // Unset on kind: kind's default network. Unset on a generic cluster: [] here, which the
    // `kubernetesCrossChecks` refuse as soon as a component is on (a given list is never empty).
    .transform((k) => ({
        ...k,
        apiServerCidrs: k.apiServerCidrs ?? (k.distribution === "kind" ? [KIND_DEFAULT_NETWORK] : []),
        nodeCidrs: k.nodeCidrs ?? (k.distribution === "kind" ? [KIND_DEFAULT_NETWORK] : []),
    }));

/**
 * The usual IPv4 subnet of the Docker network `kind`. kind does not choose it: it creates the
 * network with only an IPv6 subnet of its own and lets Docker pick the IPv4 one (kubernetes-sigs/kind
 * v0.29.0, 200b3aa, `pkg/cluster/internal/providers/docker/network.go` lines 50-70 and 149-160), so
 * it is 172.18.0.0/16 on most hosts and e.g. 172.19.0.0/16 where that is taken.
 */
export const KIND_DEFAULT_NETWORK = "172.18.0.0/16";

/** Where to read each network on a real cluster, for the problem's fix. */
const HOW_TO_FIND: Record<"apiServerCidrs" | "nodeCidrs", string> = {
    apiServerCidrs:
        "list the API server's endpoint addresses as CIDRs: `kubectl get endpoints kubernetes -n default -o jsonpath='{.subsets[*].addresses[*].ip}'` prints them (write each as a.b.c.d/32, or their common network), e.g. `pulumi config set --path 'kubernetes.apiServerCidrs[0]' 10.0.0.10/32`",
    nodeCidrs:
        "list the network(s) of the nodes' InternalIPs: `kubectl get nodes -o jsonpath='{.items[*].status.addresses[?(@.type==\"InternalIP\")].address}'` prints them, e.g. `pulumi config set --path 'kubernetes.nodeCidrs[0]' 10.0.0.0/16`",
};

/**
 * On a generic cluster the NetworkPolicies need the real API server and node networks: kind's
 * default (172.18.0.0/16) would let the wrong peers in and keep the right ones out. Required as
 * soon as any component is on (an empty configuration deploys nothing).
 */
// Typed by hand rather than with spec.ts's CrossCheck: spec.ts imports this module's types.
export const kubernetesCrossChecks: readonly ((cfg: { kubernetes: KubernetesConfig } & Record<string, unknown>, report: (path: PropertyKey[], problem: string, fix: string) => void) => void)[] = [
    (cfg, report) => {
        if (cfg.kubernetes.distribution !== "generic") return;
        const on = Object.entries(cfg).filter(([key, value]) => key !== "kubernetes" && (value as { enabled?: unknown } | undefined)?.enabled === true);
        if (on.length === 0) return;
        for (const key of ["apiServerCidrs", "nodeCidrs"] as const) {
            if (cfg.kubernetes[key].length > 0) continue;
            report(["kubernetes", key], `is required on a generic cluster (kubernetes.distribution: generic, with ${on.map(([k]) => k).join(", ")} on): the NetworkPolicies allow the ${key === "apiServerCidrs" ? "API server" : "nodes"} by address, and kind's default ${KIND_DEFAULT_NETWORK} is not your cluster's`, HOW_TO_FIND[key]);
        }
    },
];

function cidr(key: string) {
    return z.union([z.cidrv4(), z.cidrv6()], { error: msg("must be a CIDR such as 10.0.0.0/16", `write each entry of ${key} as address/prefix-length`) });
}
export type KubernetesConfig = z.output<typeof kubernetesSchema>;

/** The environment a stack runs as: `kubernetes.environment`, else `dev` for the stack named dev and `prod` for any other (the safe default). */
export function resolveEnvironment(k: Pick<KubernetesConfig, "environment">): "dev" | "prod" {
    return k.environment ?? (pulumi.getStack() === "dev" ? "dev" : "prod");
}
