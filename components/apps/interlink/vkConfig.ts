/** What the virtual kubelet reads: its InterLink config, its node's resources, and the API rights it needs. */
import type * as k8s from "@pulumi/kubernetes";
import type { InterlinkConfig } from "../../../config/interlink";

/** Where the refresher writes the access token the VK sends as `Authorization: Bearer`. */
export const TOKEN_DIR = "/opt/interlink";
export const TOKEN_PATH = `${TOKEN_DIR}/token`;
export const CONFIG_DIR = "/etc/interlink";

/** `InterLinkConfig.yaml` as the VK reads it (it uses only the InterLink URL and port; the rest keeps upstream's shape). */
export function vkInterlinkConfig(cfg: InterlinkConfig): Record<string, unknown> {
    return {
        InterlinkURL: cfg.interlinkUrl,
        InterlinkPort: String(cfg.interlinkPort),
        VKTokenFile: TOKEN_PATH,
        SidecarURL: "http://127.0.0.1",
        SidecarPort: "4000",
        ExportPodData: true,
        ServiceAccount: "interlink",
        Namespace: cfg.namespace,
        VerboseLogging: false,
        ErrorsOnlyLogging: false,
    };
}

/** The node resources JSON (`vk-cfg.json`): keyed by the node name, every value a string (the Go struct fields are strings). */
export function vkNodeResources(cfg: InterlinkConfig): Record<string, Record<string, string>> {
    return {
        [cfg.nodeName]: {
            cpu: cfg.node.cpu,
            memory: cfg.node.memory,
            pods: cfg.node.pods,
            "nvidia.com/gpu": cfg.node.gpus,
        },
    };
}

/** The ClusterRole rules the VK needs (upstream's `interlink-role`; the SA-token Secret it also shipped is dropped). */
export const VK_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    // Pod specs reference these; the VK ships their contents to the remote host.
    { apiGroups: [""], resources: ["configmaps", "secrets", "services", "serviceaccounts"], verbs: ["get", "list", "watch"] },
    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "patch", "delete"] },
    { apiGroups: [""], resources: ["pods/status"], verbs: ["update", "patch"] },
    // Registers its own node and keeps its status current.
    { apiGroups: [""], resources: ["nodes"], verbs: ["create", "get"] },
    { apiGroups: [""], resources: ["nodes/status"], verbs: ["update", "patch"] },
    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
];
