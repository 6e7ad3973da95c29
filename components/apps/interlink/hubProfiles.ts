/**
 * What the InterLink offload adds to the JupyterHub: profiles that place notebooks on the virtual
 * node, hub config for the return path through the SSH forwarder, and the optional OIDC login.
 */
import type { InterlinkConfig } from "../../../config/interlink";
import { selectorLabels } from "../../k8s/labels";
import type { HubOffload } from "../hubOffload";
import { FORWARDER_APP, InterlinkTunnel } from "./tunnel";
import { VIRTUAL_NODE_TAINT } from "./virtualKubelet";

/** KubeSpawner profile entries that place notebooks on the virtual node. */
export function offloadProfiles(cfg: InterlinkConfig, connectHost: string): Record<string, unknown>[] {
    return cfg.profiles.map((p) => {
        const gpu = p.gpus > 0 ? { "nvidia.com/gpu": String(p.gpus) } : undefined;
        return {
            display_name: p.displayName,
            description: p.description,
            slug: `interlink-${slug(p.displayName)}`,
            kubespawner_override: {
                image: p.image,
                node_selector: { "kubernetes.io/hostname": cfg.nodeName, accelerator: cfg.node.accelerator },
                tolerations: [{ key: VIRTUAL_NODE_TAINT, operator: "Exists", effect: "NoSchedule" }],
                cpu_guarantee: cpuCores(p.cpu),
                cpu_limit: cpuCores(p.cpu),
                mem_guarantee: kubespawnerBytes(p.memory),
                mem_limit: kubespawnerBytes(p.memory),
                ...(gpu ? { extra_resource_guarantees: gpu, extra_resource_limits: gpu } : {}),
                // The remote host cannot mount the hub's volumes or run its init containers.
                volumes: [],
                volume_mounts: [],
                init_containers: [],
                storage_pvc_ensure: false,
                // The notebook calls the hub through its public URL; the proxy reaches it through the tunnel.
                hub_connect_url: cfg.hub.publicUrl,
                pod_connect_ip: connectHost,
                extra_labels: { "interlink.research-platform.io/offloaded": "true" },
            },
        };
    });
}

/**
 * A Kubernetes binary quantity (`16Gi`; the schema admits only Ki, Mi, Gi, Ti) as KubeSpawner's
 * byte specification (`16G`): JupyterHub's ByteSpecification knows only K, M, G, T, each a power
 * of 1024 (jupyterhub 4.0.2 jupyterhub/traitlets.py:48-96), so the bytes are the same.
 */
export function kubespawnerBytes(q: string): string {
    const m = /^([0-9]+(?:\.[0-9]+)?)(K|M|G|T)i$/.exec(q);
    if (!m) throw new Error(`not a binary memory quantity: ${q}`);
    return `${m[1]}${m[2]}`;
}

/** KubeSpawner takes CPU as a float of cores. */
function cpuCores(q: string): number {
    return q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

function slug(s: string): string {
    return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
}

/**
 * Hub code (z2jh `hub.extraConfig`) that gives each offloaded server its own tunnel port (from
 * the spawner's database id, stable across hub restarts) and tells the notebook where to tunnel
 * to. It subclasses KubeSpawner only to run after the profile's overrides are applied.
 */
export function offloadHubConfig(cfg: InterlinkConfig, publicPort: number): string {
    const settings = JSON.stringify({ portFrom: cfg.tunnel.portRange.from, portTo: cfg.tunnel.portRange.to, sshHost: cfg.tunnel.publicHost, sshPort: publicPort });
    return [
        "# InterLink offload: per-server tunnel port and tunnel settings for notebooks on the virtual node.",
        "import json",
        "from kubespawner import KubeSpawner",
        `_INTERLINK = json.loads('${settings}')`,
        "",
        "class InterlinkKubeSpawner(KubeSpawner):",
        "    async def load_user_options(self):",
        "        await super().load_user_options()",
        "        if self.extra_labels.get('interlink.research-platform.io/offloaded') != 'true':",
        "            return",
        "        width = _INTERLINK['portTo'] - _INTERLINK['portFrom'] + 1",
        "        self.port = _INTERLINK['portFrom'] + self.orm_spawner.id % width",
        "        self.environment = {",
        "            **self.environment,",
        "            'FWD_PORT': str(self.port),",
        "            'JHUB_HOST': _INTERLINK['sshHost'],",
        "            'SSH_PORT': str(_INTERLINK['sshPort']),",
        "        }",
        "",
        "c.JupyterHub.spawner_class = InterlinkKubeSpawner",
        "",
    ].join("\n");
}

/** The z2jh values that log users in with the IAM server (its client secret is the hub's own: `hub.config.GenericOAuthenticator.client_secret`). */
export function oidcLoginValues(cfg: InterlinkConfig): Record<string, unknown> {
    const iam = cfg.iam.server.replace(/\/$/, "");
    return {
        JupyterHub: { authenticator_class: "generic-oauth" },
        GenericOAuthenticator: {
            client_id: cfg.hub.oidcClientId,
            oauth_callback_url: `${cfg.hub.publicUrl!.replace(/\/$/, "")}/hub/oauth_callback`,
            authorize_url: `${iam}/authorize`,
            token_url: `${iam}/token`,
            userdata_url: `${iam}/userinfo`,
            login_service: "IAM",
            username_claim: "preferred_username",
            scope: ["openid", "profile", "email", "groups"],
            ...(cfg.hub.allowedGroups.length > 0
                ? { allowed_groups: cfg.hub.allowedGroups, claim_groups_key: "groups" }
                : { allow_all: true }),
        },
    };
}

/**
 * Build what the JupyterHub component merges in: profiles and hub values. The hub does not wait on
 * the virtual kubelet: the profiles carry only names, and an offloaded pod waits Pending until the
 * node and its `accelerator` label exist, so a VK that is slow to become ready (or a refresher
 * without a token) never holds up the hub's install.
 */
export function buildHubOffload(cfg: InterlinkConfig, tunnel: InterlinkTunnel): HubOffload {
    return {
        profiles: offloadProfiles(cfg, tunnel.connectHost),
        hubValues: {
            hub: {
                ...(cfg.hub.oidcLogin ? { config: oidcLoginValues(cfg) } : {}),
                extraConfig: { "zz-interlink-offload": offloadHubConfig(cfg, tunnel.publicPort) },
                // z2jh's hub NetworkPolicy admits only labelled pods of its own namespace: let the forwarder check tokens.
                networkPolicy: {
                    ingress: [
                        {
                            from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": cfg.namespace } }, podSelector: { matchLabels: selectorLabels(FORWARDER_APP) } }],
                            ports: [{ protocol: "TCP", port: 8081 }],
                        },
                    ],
                },
            },
        },
        dependsOn: [],
    };
}
