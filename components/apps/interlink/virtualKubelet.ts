import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { policyException } from "../../k8s/policyException";
import { toYaml } from "../../k8s/yaml";
import type { InterlinkConfig } from "../../../config/interlink";
import { appLabels, selectorLabels } from "../../k8s/labels";
import { podSecurityNamespace } from "../../k8s/namespace";
import { ClusterNetwork, apiServerAllow, isolateNamespace } from "../../k8s/networkPolicy";
import { opaqueSecret } from "../../k8s/secret";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import { TOKEN_PATH, VK_RULES, vkInterlinkConfig, vkNodeResources } from "./vkConfig";
import { KUBELET_PORT, tokenMount, vkContainers } from "./vkPod";

export interface VirtualKubeletArgs {
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
    config: InterlinkConfig;
    provider: k8s.Provider;
    /** Secret of the IAM client (`interlinkIamClientSecret`). */
    iamClientSecret: pulumi.Input<string>;
    /** Refresh token of the IAM client (`interlinkIamRefreshToken`), the refresher's only grant. */
    iamRefreshToken: pulumi.Input<string>;
}

export { KUBELET_PORT } from "./vkPod";

/** The taint the virtual kubelet puts on its node; offloaded pods must tolerate it. */
export const VIRTUAL_NODE_TAINT = "virtual-node.interlink/no-schedule";

/**
 * The InterLink virtual kubelet: a Deployment that registers the virtual node `nodeName` and
 * forwards the pods scheduled on it, over HTTPS with an IAM bearer token, to the InterLink API on
 * the remote host. A token refresher keeps the token file current with the refresh-token grant
 * (the IAM client's id, secret and refresh token).
 */
export class VirtualKubelet extends pulumi.ComponentResource {
    /** The virtual node's name. */
    readonly nodeName: string;
    /** The namespace of the VK. */
    readonly namespace: string;
    /** The Namespace object (shared with the tunnel): wait on it before creating objects in it. */
    readonly namespaceResource: k8s.core.v1.Namespace;
    /** The Deployment; wait on it before placing pods on the node. */
    readonly deployment: k8s.apps.v1.Deployment;
    /** The `accelerator` label patch on the node. */
    readonly nodeLabel: k8s.core.v1.NodePatch;

    constructor(name: string, args: VirtualKubeletArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:VirtualKubelet", name, args, opts);
        const cfg = args.config;
        const child = { parent: this, provider: args.provider };
        const app = "interlink-vk";
        const labels = appLabels(app, { component: "virtual-kubelet", instance: cfg.nodeName });
        const selector = selectorLabels(app, { instance: cfg.nodeName });
        this.nodeName = cfg.nodeName;
        this.namespace = cfg.namespace;

        // The namespace (shared with the SSH forwarder) and its isolation.
        const ns = podSecurityNamespace(`${name}-ns`, { name: cfg.namespace, podSecurity: "restricted" }, child);
        this.namespaceResource = ns;
        const inNs = { ...child, dependsOn: [ns] };

        isolation(name, cfg, args.network, selector, inNs);

        // RBAC: what the VK needs of the API to run its node (upstream's interlink-role).
        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: { name: "interlink", namespace: cfg.namespace, labels } }, inNs);
        const role = new k8s.rbac.v1.ClusterRole(`${name}-role`, { metadata: { name: `interlink-${cfg.nodeName}`, labels }, rules: VK_RULES }, child);
        const binding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-binding`,
            {
                metadata: { name: `interlink-${cfg.nodeName}`, labels },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: sa.metadata.name, namespace: cfg.namespace }],
            },
            child,
        );

        // Its config files, and the IAM client secret and refresh token the token refresher uses.
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: "vk-config", namespace: cfg.namespace, labels },
                data: {
                    "InterLinkConfig.yaml": toYaml(vkInterlinkConfig(cfg)),
                    "vk-cfg.json": JSON.stringify(vkNodeResources(cfg), null, 2),
                },
            },
            inNs,
        );
        const secret = opaqueSecret(
            `${name}-iam`,
            { name: "interlink-iam", namespace: cfg.namespace, app, data: { "client-secret": args.iamClientSecret, "refresh-token": args.iamRefreshToken } },
            inNs,
        );

        // The Deployment: one VK per node name, its containers in vkPod.ts.
        const containers = vkContainers(cfg, { name: secret.metadata.name, clientSecretKey: "client-secret", refreshTokenKey: "refresh-token" });

        this.deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: {
                    name: cfg.nodeName,
                    namespace: cfg.namespace,
                    labels,
                    annotations: {
                        ...policyException("automount-service-account-token", "the virtual kubelet registers its node and manages the pods scheduled on it through the API"),
                        ...policyException("prod-replicas", "one virtual kubelet per node name: two would fight over the node's status and pods (strategy Recreate)"),
                    },
                },
                spec: {
                    replicas: 1,
                    // One VK per node name: never run two during a rollout.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels, annotations: { "research-platform.io/config-hash": config.data.apply((d) => hash(JSON.stringify(d))) } },
                        spec: {
                            serviceAccountName: sa.metadata.name,
                            // The VK talks to the API server (node registration, pod status).
                            automountServiceAccountToken: true,
                            securityContext: restrictedPodSecurityContext(),
                            initContainers: [
                                {
                                    name: "settoken",
                                    image: cfg.images.init,
                                    command: ["touch", TOKEN_PATH],
                                    volumeMounts: [tokenMount],
                                    resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
                                    securityContext: restrictedContainerSecurityContext(),
                                },
                            ],
                            containers,
                            volumes: [
                                { name: "config", configMap: { name: config.metadata.name } },
                                { name: "token", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                            ],
                        },
                    },
                },
            },
            { ...child, dependsOn: [binding, secret, config] },
        );

        // The VK registers the node itself; the label the hub's profiles select on is applied
        // server-side once the VK runs (a field manager of its own, so the VK's updates keep it).
        this.nodeLabel = new k8s.core.v1.NodePatch(
            `${name}-node-label`,
            {
                metadata: {
                    name: cfg.nodeName,
                    labels: { accelerator: cfg.node.accelerator },
                    annotations: { "pulumi.com/patchForce": "true", "pulumi.com/patchFieldManager": "research-platform-interlink" },
                },
            },
            { ...child, dependsOn: [this.deployment] },
        );

        this.registerOutputs({ nodeName: this.nodeName, namespace: this.namespace });
    }
}

/** A short, stable hash (rolls the Deployment when its config changes). */
function hash(s: string): string {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    return h.toString(16);
}

/**
 * Isolation: the virtual kubelet and the SSH forwarder share the namespace but never call each
 * other (the VK dials interlinkUrl directly), so nothing opens flows inside the namespace: the
 * forwarder would otherwise reach the VK's unauthenticated kubelet API. The API server calls the
 * kubelet port (logs); the VK reaches the API server and, over HTTPS, the remote host's
 * oauth2-proxy on `interlinkPort` and the IAM token endpoint. The forwarder adds its own allows
 * (SSH, tunnel ports, the hub API).
 */
function isolation(name: string, cfg: InterlinkConfig, network: ClusterNetwork, selector: Record<string, string>, opts: pulumi.CustomResourceOptions): void {
    const app = "interlink-vk";
    const urlPort = (u: string) => {
        const url = new URL(u);
        return Number(url.port || (url.protocol === "http:" ? 80 : 443));
    };
    // The VK dials InterlinkURL + ":" + InterlinkPort (Bianco95/interLink@a5198b2 pkg/common/func.go:133,
    // pkg/virtualkubelet/execute.go:30-197); the refresher posts to the IAM token endpoint.
    const remotePorts = [...new Set([cfg.interlinkPort, urlPort(cfg.iam.server)])];
    isolateNamespace(
        `${name}-netpol`,
        {
            namespace: cfg.namespace,
            app,
            network,
            allows: [
                { name: "kubelet", pods: selector, from: [{ apiServer: true }], ports: [{ port: KUBELET_PORT }], reason: "the API server calls the virtual kubelet's kubelet API (logs of offloaded pods) on the node's advertised port, where the VK listens" },
                { name: "remote", pods: selector, to: [{ anywhere: true }], ports: remotePorts.map((port) => ({ port })), reason: "the remote host's oauth2-proxy (interlinkUrl on interlinkPort) and the IAM token endpoint (iam.server)" },
                apiServerAllow(network, selector, "the virtual kubelet registers its node and syncs pods"),
            ],
        },
        opts,
    );
}
