import { z } from "zod";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, SecretSpec } from "./spec";
import { dnsName, image, namespace, resources } from "./types";

/** The node name that stands for "every node not listed" in local-path-provisioner's `nodePathMap`. */
export const DEFAULT_NODE_PATH_KEY = "DEFAULT_PATH_FOR_NON_LISTED_NODES";

const absolutePath = z.string().regex(/^\/[^\s"\\]*$/, { message: msg("is not an absolute directory path", "use a path such as \"/mnt/k8s-shared/\"") });

const nodePath = z.strictObject({
    /** A node name, or `DEFAULT_PATH_FOR_NON_LISTED_NODES` for every other node. */
    node: z.string().min(1),
    /** Directories on that node where volumes are created. */
    paths: z.array(absolutePath).min(1, { message: msg("lists no directory", "give at least one path, e.g. [\"/opt/local-path-provisioner\"]") }),
});

/** The local-path provisioner itself (upstream v0.0.26 manifest, as raw resources). */
const provisionerSchema = z.strictObject({
    /** Install the provisioner. Off by default: kind ships its own under the same names. */
    install: z.boolean().default(false),
    namespace: namespace.default("local-path-storage"),
    image: image.default("rancher/local-path-provisioner:v0.0.26"),
    /** Image of the helper pods that create and delete volume directories (upstream uses an unpinned busybox). */
    helperImage: image.default("busybox:1.36.1"),
    /** Where volumes live on each node (`config.json` of `local-path-config`). */
    nodePathMap: z
        .array(nodePath)
        .min(1, { message: msg("is empty", `list at least the entry for node ${DEFAULT_NODE_PATH_KEY}`) })
        .default([{ node: DEFAULT_NODE_PATH_KEY, paths: ["/opt/local-path-provisioner"] }]),
    resources: resources.default({ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } }),
});

/** The `local-path` StorageClass and, optionally, the local-path provisioner itself. */
export const storageSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** StorageClass name; the distributed-notebook chart hard-codes `local-path`. */
        className: dnsName.default("local-path"),
        /** Mark the class as the cluster's default StorageClass. */
        isDefaultClass: z.boolean().default(false),
        reclaimPolicy: z.enum(["Delete", "Retain"], { error: msg("must be \"Delete\" or \"Retain\"", "set storage.reclaimPolicy to Delete or Retain") }).default("Delete"),
        provisioner: provisionerSchema.prefault({}),
    })
    .superRefine((s, ctx) => {
        const nodes = s.provisioner.nodePathMap.map((e) => e.node);
        nodes.forEach((n, i) => {
            if (nodes.indexOf(n) !== i) ctx.addIssue({ code: "custom", path: ["provisioner", "nodePathMap", i, "node"], message: msg(`lists node "${n}" twice`, "merge the entries into one with all its paths") });
        });
    });
export type StorageConfig = z.output<typeof storageSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { storage: StorageConfig; kubernetes: ClusterFacts };

export const storageSecrets: SecretSpec<Reads>[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const storageCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        if (cfg.storage.enabled && cfg.storage.provisioner.install && cfg.kubernetes.distribution === "kind") {
            report(
                ["storage", "provisioner", "install"],
                "would overwrite kind's own local-path-provisioner (same namespace, Deployment and ConfigMap names)",
                "set storage.provisioner.install to false on kind: the local-path class then uses kind's provisioner",
            );
        }
    },
];
