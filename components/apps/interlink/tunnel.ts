import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { InterlinkConfig } from "../../../config/interlink";
import { appLabels, selectorLabels } from "../../k8s/labels";
import { ALLOW_REASON_ANNOTATION } from "../../k8s/networkPolicy";
import { policyException } from "../../k8s/policyException";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import type { VirtualKubelet } from "./virtualKubelet";

/** `app.kubernetes.io/name` of the forwarder. */
export const FORWARDER_APP = "interlink-ssh-forwarder";
/** Port the SSH forwarder listens on inside its pod (a literal: ssh-jhub-forwarder@v0.0.3 scripts/ssh-jhub-forwarder.py:18-24). */
export const SSH_PORT = 8022;
/** The hub container's API port in z2jh 3.1.0 (`templates/hub/deployment.yaml:212-213`), behind the `hub` Service. */
export const HUB_API_PORT = 8081;

/**
 * The labels z2jh 3.1.0 puts on its hub or proxy pods: `component`, `app` (the chart name;
 * the platform sets no nameOverride) and `release` (`templates/_helpers.tpl:88-144`,
 * `hub/deployment.yaml:17-24`, `proxy/deployment.yaml:19-25`); never `app.kubernetes.io/*`.
 */
export function hubChartPodLabels(cfg: InterlinkConfig, component: "hub" | "proxy"): Record<string, string> {
    return { component, app: "jupyterhub", release: cfg.hub.releaseName };
}

export interface InterlinkTunnelArgs {
    config: InterlinkConfig;
    provider: k8s.Provider;
    /** The VK component: the tunnel lives in its namespace (and waits only for that Namespace, not for the VK). */
    virtualKubelet: VirtualKubelet;
    /** Wait on these before creating a LoadBalancer Service. */
    loadBalancerReady: pulumi.Resource[];
}

/** The in-cluster URL of the hub API (z2jh's `hub` Service on 8081). */
export function hubInternalUrl(cfg: InterlinkConfig): string {
    return cfg.hub.internalUrl ?? `http://hub.${cfg.hub.namespace}.svc.cluster.local:${HUB_API_PORT}`;
}

/**
 * The return path from remote notebooks: an SSH forwarder (comp-dev-cms-ita/ssh-jhub-forwarder)
 * that accepts reverse tunnels (`ssh -R <port>`) authenticated with the user's own JupyterHub API
 * token, and opens the forwarded port on its pod. The hub's proxy reaches a remote notebook at
 * `<headless Service>:<port>` (KubeSpawner's `pod_connect_ip`). Unlike upstream it runs in its own
 * non-privileged pod, not in the hub pod, and needs no hub-side Service per user.
 */
export class InterlinkTunnel extends pulumi.ComponentResource {
    /** DNS name the hub's proxy connects to (`pod_connect_ip`). */
    readonly connectHost: string;
    /** Port remote notebooks dial on `publicHost`. */
    readonly publicPort: number;
    readonly publicService: k8s.core.v1.Service;

    constructor(name: string, args: InterlinkTunnelArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:InterlinkTunnel", name, args, opts);
        const cfg = args.config;
        const child = { parent: this, provider: args.provider };
        const inNs = { ...child, dependsOn: [args.virtualKubelet.namespaceResource] };
        const ns = cfg.namespace;
        const app = FORWARDER_APP;
        const labels = appLabels(app, { component: "tunnel" });
        const selector = selectorLabels(app);
        const { from, to } = cfg.tunnel.portRange;
        this.connectHost = `ssh-forwarder.${ns}.svc.cluster.local`;
        this.publicPort = cfg.tunnel.exposure === "NodePort" ? cfg.tunnel.nodePort! : SSH_PORT;

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: {
                    name: "ssh-forwarder",
                    namespace: ns,
                    labels,
                    annotations: policyException("prod-replicas", "the remote host holds one SSH session whose remote forwards bind the tunnel ports in one pod; a second forwarder would have no session"),
                },
                spec: {
                    replicas: 1,
                    // Tunnels are per pod: a second replica would split them.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selector },
                    template: forwarderPod(cfg, labels),
                },
            },
            inNs,
        );

        // Headless: its name resolves to the forwarder pod, so the proxy can reach any tunnel port.
        new k8s.core.v1.Service(
            `${name}-headless`,
            { metadata: { name: "ssh-forwarder", namespace: ns, labels }, spec: { clusterIP: "None", selector, ports: [{ name: "ssh", port: SSH_PORT, targetPort: SSH_PORT }] } },
            { ...child, dependsOn: [deployment] },
        );

        const nodePort = cfg.tunnel.exposure === "NodePort";
        this.publicService = new k8s.core.v1.Service(
            `${name}-public`,
            {
                metadata: { name: "ssh-forwarder-public", namespace: ns, labels },
                spec: {
                    type: cfg.tunnel.exposure,
                    selector,
                    ports: [{ name: "ssh", port: nodePort ? SSH_PORT : this.publicPort, targetPort: SSH_PORT, protocol: "TCP", ...(nodePort ? { nodePort: cfg.tunnel.nodePort } : {}) }],
                },
            },
            { ...child, dependsOn: [deployment, ...(nodePort ? [] : args.loadBalancerReady)] },
        );

        // SSH from anywhere (the remote host). The tunnel ports from the hub, which waits for the
        // server at http://<pod_connect_ip>:<port> before routing it (jupyterhub 4.0.2
        // jupyterhub/user.py:914-930, kubespawner 6.1.0 kubespawner/spawner.py:1901-1936), and from
        // the proxy, which then routes /user/<name>/ there (jupyterhub/proxy.py:327-346).
        const hubNs = { matchLabels: { "kubernetes.io/metadata.name": cfg.hub.namespace } };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol`,
            {
                metadata: { name: "ssh-forwarder", namespace: ns, labels },
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Ingress"],
                    ingress: [
                        { ports: [{ protocol: "TCP", port: SSH_PORT }] },
                        {
                            from: [
                                { namespaceSelector: hubNs, podSelector: { matchLabels: hubChartPodLabels(cfg, "hub") } },
                                { namespaceSelector: hubNs, podSelector: { matchLabels: hubChartPodLabels(cfg, "proxy") } },
                            ],
                            ports: [{ protocol: "TCP", port: from, endPort: to }],
                        },
                    ],
                },
            },
            inNs,
        );

        // The forwarder checks each SSH login against the hub API (GET {JHUB_URL}/hub/api/users/<user>,
        // ssh-jhub-forwarder@v0.0.3 ssh_jhub_forwarder/server.py:76-94); the namespace's default-deny
        // covers egress, so open exactly that (the hub's own policy admits the forwarder: hubValues).
        new k8s.networking.v1.NetworkPolicy(
            `${name}-hub-api`,
            {
                metadata: {
                    name: "allow-forwarder-hub-api",
                    namespace: ns,
                    labels,
                    annotations: { [ALLOW_REASON_ANNOTATION]: "the SSH forwarder checks each tunnel login's token with GET /hub/api/users/<user> on the hub (interlink.hub.internalUrl)" },
                },
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ namespaceSelector: hubNs, podSelector: { matchLabels: hubChartPodLabels(cfg, "hub") } }], ports: [{ protocol: "TCP", port: HUB_API_PORT }] }],
                },
            },
            inNs,
        );

        this.registerOutputs({ connectHost: this.connectHost, publicPort: this.publicPort });
    }
}

/** The forwarder's pod: a host key made as a non-root user, the forwarder, and its Redis on localhost. */
function forwarderPod(cfg: InterlinkConfig, labels: Record<string, string>): k8s.types.input.core.v1.PodTemplateSpec {
    const keyPath = "/home/forwarder/.ssh/id_rsa";
    return {
        metadata: { labels },
        spec: {
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            // Upstream's entrypoint runs ssh-keygen into /root (needs root): make the host key with asyncssh instead.
            initContainers: [
                {
                    name: "host-key",
                    image: cfg.images.sshForwarder,
                    command: ["python3", "-c", `import asyncssh, os; os.makedirs("/home/forwarder/.ssh", exist_ok=True); asyncssh.generate_private_key("ssh-rsa", key_size=3072).write_private_key("${keyPath}")`],
                    volumeMounts: [{ name: "home", mountPath: "/home/forwarder" }],
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "128Mi" } },
                    securityContext: restrictedContainerSecurityContext(),
                },
            ],
            containers: [
                {
                    name: "ssh-forwarder",
                    image: cfg.images.sshForwarder,
                    command: ["ssh-jhub-forwarder.py"],
                    env: [
                        { name: "HOME", value: "/home/forwarder" },
                        { name: "JHUB_URL", value: hubInternalUrl(cfg) },
                    ],
                    ports: [{ name: "ssh", containerPort: SSH_PORT }],
                    volumeMounts: [{ name: "home", mountPath: "/home/forwarder" }, { name: "tmp", mountPath: "/tmp" }],
                    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } },
                    readinessProbe: { tcpSocket: { port: SSH_PORT }, periodSeconds: 10 },
                    livenessProbe: { tcpSocket: { port: SSH_PORT }, initialDelaySeconds: 15, periodSeconds: 20 },
                    securityContext: restrictedContainerSecurityContext(),
                },
                {
                    name: "redis",
                    image: cfg.images.redis,
                    args: ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                    ports: [{ name: "redis", containerPort: 6379 }],
                    volumeMounts: [{ name: "redis", mountPath: "/data" }],
                    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                    readinessProbe: { exec: { command: ["redis-cli", "ping"] }, periodSeconds: 10 },
                    livenessProbe: { exec: { command: ["redis-cli", "ping"] }, initialDelaySeconds: 10, periodSeconds: 20 },
                    securityContext: restrictedContainerSecurityContext(),
                },
            ],
            volumes: [
                { name: "home", emptyDir: { sizeLimit: "1Mi" } },
                { name: "tmp", emptyDir: { sizeLimit: "64Mi" } },
                { name: "redis", emptyDir: { sizeLimit: "64Mi" } },
            ],
        },
    };
}
