import { z } from "zod";
import { resolveEnvironment } from "./kubernetes";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsLabel, dnsName, httpUrl, image, namespace, port, quantity } from "./types";

/**
 * The InterLink URL as the virtual kubelet uses it: it calls `InterlinkURL + ":" + InterlinkPort +
 * "/<route>"` (Bianco95/interLink@a5198b2 pkg/common/func.go:133, pkg/virtualkubelet/execute.go:30,63,101,152,197),
 * so anything after the host (a port, a path, even a trailing slash) makes every URL malformed.
 */
const bareOrigin = z.string().refine((s) => /^https?:\/\/[^\s/:?#@]+$/.test(s) && URL.canParse(s), {
    message: msg("must be scheme://host only, with no port, path or trailing slash (the virtual kubelet appends \":<interlinkPort>/<route>\")", "write e.g. \"https://gpu-host.example.org\" and put the port in interlink.interlinkPort"),
});

/**
 * The hub's in-cluster origin as the SSH forwarder uses it: it checks logins at
 * `"{}/hub/api/users/{}".format(JHUB_URL, user)` (comp-dev-cms-ita/ssh-jhub-forwarder@v0.0.3
 * ssh_jhub_forwarder/server.py:86-88), so a trailing slash or a path breaks every login.
 */
const hubOrigin = z.string().refine((s) => /^https?:\/\/[^\s/?#@]+$/.test(s) && URL.canParse(s), {
    message: msg("must be the hub's origin, scheme://host[:port], with no path or trailing slash (the forwarder appends /hub/api/users/<user>)", "write e.g. \"http://hub.jupyterhub.svc.cluster.local:8081\""),
});

/**
 * A notebook's memory for KubeSpawner: a Kubernetes binary quantity (Ki, Mi, Gi, Ti), which the
 * profile builder hands to KubeSpawner as K, M, G, T (the same bytes). KubeSpawner's `mem_limit`
 * and `mem_guarantee` are JupyterHub `ByteSpecification`s: an int, or a number with one of the
 * suffixes K, M, G, T in units of 1024, anything else is a TraitError at spawn time
 * (jupyterhub 4.0.2 jupyterhub/traitlets.py:48-96). Decimal units ("16G" = 16e9 bytes for
 * Kubernetes, 16 GiB for KubeSpawner) are refused rather than guessed.
 */
const notebookMemory = z
    .string({ error: msg("must be a memory string such as \"16Gi\"", "quote the value in the stack file, e.g. memory: \"16Gi\"") })
    .regex(/^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)$/, { message: msg("is not a memory size in binary units (KubeSpawner refuses Kubernetes' other suffixes)", "use a number with Ki, Mi, Gi or Ti, e.g. \"16Gi\" or \"512Mi\"") });

/** A label value (`accelerator=<value>`): up to 63 characters, alphanumeric at both ends. */
const labelValue = z
    .string()
    .regex(/^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, { message: msg("is not a valid label value", "use letters, digits, '-', '_' or '.', e.g. \"T4\" or \"none\"") })
    .max(63, { message: msg("is longer than 63 characters", "shorten it") });

/** A hub profile that places a notebook on the virtual node. */
const profileSchema = z.strictObject({
    /** Shown in the spawn form. */
    displayName: z.string().min(1),
    description: z.string().default("Runs on a remote host through InterLink; no persistent home directory."),
    /** Notebook image; it must open the SSH reverse tunnel (see docs/interlink.md). */
    image: image.default("ghcr.io/dodas-ts/htc-dask-wn:v1.0.6-ml-infn-ssh-v5"),
    cpu: quantity.default("4"),
    /** Binary units only (Ki, Mi, Gi, Ti): passed to KubeSpawner as K, M, G, T. */
    memory: notebookMemory.default("16Gi"),
    /** Whole GPUs (`nvidia.com/gpu`) requested and limited; 0 for a CPU-only remote notebook. */
    gpus: z.number({ error: msg("must be a whole number of GPUs", "use 0, 1, 2, ...") }).int().min(0).default(1),
});
export type InterlinkProfile = z.output<typeof profileSchema>;

/** The InterLink virtual kubelet that offloads notebooks to a remote GPU host (seed 001). */
export const interlinkSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** Namespace of the virtual kubelet and the tunnel forwarder. */
        namespace: namespace.default("interlink"),
        /** Name of the virtual node the VK registers (also the key of the node resources JSON). */
        nodeName: dnsLabel.default("interlink-vk"),
        /** Origin (scheme://host, no port or path) of the target host's oauth2-proxy in front of the InterLink API (https in prod). */
        interlinkUrl: bareOrigin.optional(),
        /** The port the VK dials on the target host (oauth2-proxy's HTTPS port); the VK's egress allows it. */
        interlinkPort: port.default(443),
        /** The IAM (OIDC) server that issues the VK's tokens and the hub's logins. */
        iam: z
            .strictObject({
                server: httpUrl.default("https://iam.cloud.infn.it/"),
                /** OIDC client of the VK token refresher and the target host's oauth2-proxy. */
                clientId: z.string().min(1).optional(),
                /** Audience of the VK's access tokens, checked by oauth2-proxy. */
                audience: z.string().min(1).default("users"),
            })
            .prefault({}),
        /** What the virtual node advertises (strings: Kubernetes quantities). */
        node: z
            .strictObject({
                cpu: quantity.default("24"),
                memory: quantity.default("32Gi"),
                /** Must be "1" until the Docker sidecar names containers per pod (see the check below). */
                pods: quantity.default("1"),
                /** At least 1: the Docker sidecar needs the NVIDIA driver (see the check below). */
                gpus: quantity.default("1"),
                /** Value of the `accelerator` label the hub selects on, e.g. `T4`. */
                accelerator: labelValue.default("none"),
            })
            .prefault({}),
        /** Pinned images. The VK and refresher images are built from Bianco95/interLink@a5198b2 (no upstream tag exists). */
        images: z
            .strictObject({
                virtualKubelet: image.optional(),
                tokenRefresher: image.optional(),
                init: image.default("docker.io/library/alpine:3.20.3"),
                sshForwarder: image.default("ghcr.io/comp-dev-cms-ita/ssh-forwarder:v0.0.3"),
                redis: image.default("docker.io/library/redis:6.2.5"),
            })
            .prefault({}),
        /**
         * Refused when true: the VK at a5198b2 exports no traces (its `initProvider()`, the OTLP
         * exporter, is commented out: main.go:189-199), so a collector would receive nothing.
         */
        tracing: z.boolean().default(false),
        /** The JupyterHub that offloads to this node. */
        hub: z
            .strictObject({
                /** Namespace of the JupyterHub release (its proxy pods reach the tunnel forwarder). */
                namespace: namespace.default("jupyterhub"),
                /** Helm release name of the hub: z2jh labels its hub and proxy pods `release: <name>` (the tunnel's NetworkPolicy selects them). */
                releaseName: dnsLabel.default("jupyterhub"),
                /** Public URL of the hub, reachable from the remote host (https in prod). */
                publicUrl: httpUrl.optional(),
                /** In-cluster origin of the hub API the forwarder checks tokens against (no path, no trailing slash). */
                internalUrl: hubOrigin.optional(),
                /** Log users in with the IAM server (GenericOAuthenticator). */
                oidcLogin: z.boolean().default(true),
                /** OIDC client of the hub login; its secret is the hub's own (see docs/interlink.md). */
                oidcClientId: z.string().min(1).optional(),
                /** IAM groups allowed to log in; empty allows every IAM user. */
                allowedGroups: z.array(z.string().min(1)).default([]),
            })
            .prefault({}),
        /** Profiles added to the hub's spawn form. */
        profiles: z.array(profileSchema).default([{ displayName: "Remote GPU notebook (InterLink)", description: "4 CPU, 16 GiB, 1 GPU on the remote host; no persistent home directory.", image: "ghcr.io/dodas-ts/htc-dask-wn:v1.0.6-ml-infn-ssh-v5", cpu: "4", memory: "16Gi", gpus: 1 }]),
        /** How remote notebooks reach back to the hub's proxy: an SSH reverse tunnel to a forwarder in the cluster. */
        tunnel: z
            .strictObject({
                /** How the forwarder's SSH port is published: a LoadBalancer, or a NodePort (only when asked). */
                exposure: z.enum(["LoadBalancer", "NodePort"], { error: msg("must be \"LoadBalancer\" or \"NodePort\"", "set interlink.tunnel.exposure to LoadBalancer, or NodePort with interlink.tunnel.nodePort") }).default("LoadBalancer"),
                /** The NodePort (30000-32767) when `exposure` is NodePort. */
                nodePort: port.optional(),
                /** Host name or address remote notebooks dial for the tunnel. */
                publicHost: dnsName.optional(),
                /** Ports the forwarder opens for notebooks, one per running remote server. */
                portRange: z.strictObject({ from: port, to: port }).default({ from: 40000, to: 40999 }),
            })
            .prefault({}),
    })
    .superRefine((c, ctx) => {
        if (!c.enabled) return;
        const need = (path: PropertyKey[], what: string, example: string) =>
            ctx.addIssue({ code: "custom", path, message: msg(`is required when interlink is enabled (${what})`, `set interlink.${path.join(".")}, e.g. ${example}`) });
        if (!c.interlinkUrl) need(["interlinkUrl"], "the target host's oauth2-proxy", "\"https://gpu-host.example.org\"");
        if (!c.iam.clientId) need(["iam", "clientId"], "the IAM client of the VK", "\"interlink-vk\"");
        if (!c.images.virtualKubelet) need(["images", "virtualKubelet"], "built from Bianco95/interLink@a5198b2 and pushed to your registry", "\"registry.example.org/interlink/vkgpu:a5198b2\"");
        if (!c.images.tokenRefresher) need(["images", "tokenRefresher"], "built from Bianco95/interLink@a5198b2 and pushed to your registry", "\"registry.example.org/interlink/refresh-token:a5198b2\"");
        if (!c.hub.publicUrl) need(["hub", "publicUrl"], "remote notebooks call the hub API there", "\"https://hub.example.org\"");
        if (!c.tunnel.publicHost) need(["tunnel", "publicHost"], "remote notebooks open their SSH tunnel to it", "\"hub.example.org\"");
        if (c.hub.oidcLogin && !c.hub.oidcClientId) need(["hub", "oidcClientId"], "the IAM client of the hub login", "\"jupyterhub\"");
        if (c.tunnel.exposure === "NodePort" && c.tunnel.nodePort === undefined) need(["tunnel", "nodePort"], "NodePort exposure was asked for", "31022");
        if (c.tunnel.nodePort !== undefined && c.tunnel.exposure !== "NodePort")
            ctx.addIssue({ code: "custom", path: ["tunnel", "nodePort"], message: msg("is set but interlink.tunnel.exposure is not NodePort", "set interlink.tunnel.exposure: NodePort to publish the forwarder on a node port, or remove nodePort") });
        if (c.tunnel.nodePort !== undefined && (c.tunnel.nodePort < 30000 || c.tunnel.nodePort > 32767))
            ctx.addIssue({ code: "custom", path: ["tunnel", "nodePort"], message: msg("is outside the NodePort range", "use a port from 30000 to 32767, e.g. 31022") });
        const { from, to } = c.tunnel.portRange;
        if (from > to || to - from > 4999)
            ctx.addIssue({ code: "custom", path: ["tunnel", "portRange"], message: msg(`is not a range of 1 to 5000 ports (${from}-${to})`, "set from <= to, e.g. { from: 40000, to: 40999 }") });
        // The forwarder binds each tunnel port in its own pod, as a non-root user without capabilities,
        // next to its SSH server (8022) and its Redis (127.0.0.1:6379): ssh-jhub-forwarder@v0.0.3
        // ssh_jhub_forwarder/server.py:28-49, scripts/ssh-jhub-forwarder.py:18-24, dbcache.py:19-74.
        if (from < 1024)
            ctx.addIssue({ code: "custom", path: ["tunnel", "portRange"], message: msg(`starts below 1024 (${from}): the forwarder runs as a non-root user and cannot bind those ports`, "use unprivileged ports, e.g. { from: 40000, to: 40999 }") });
        for (const [taken, what] of [[8022, "the forwarder's SSH port 8022"], [6379, "Redis' port 6379 in the forwarder pod"]] as const) {
            if (from <= taken && taken <= to)
                ctx.addIssue({ code: "custom", path: ["tunnel", "portRange"], message: msg(`contains ${what}`, "use a range that avoids it, e.g. { from: 40000, to: 40999 }") });
        }
        // The Docker sidecar names each container after the pod's container name (`docker run --name
        // <container.Name>`, Bianco95/interLink@a5198b2 pkg/sidecars/docker/Create.go:143) and takes a
        // name conflict for success (Create.go:197-205); KubeSpawner names every notebook container
        // "notebook" (kubespawner 6.1.0 kubespawner/objects.py:531-532). A second offloaded notebook
        // would show the first one's container, and deleting either stops the other.
        if (c.node.pods !== "1")
            ctx.addIssue({ code: "custom", path: ["node", "pods"], message: msg(`is "${c.node.pods}", but the Docker sidecar at a5198b2 runs every offloaded notebook in one container named "notebook" (a second one would reuse the first one's)`, "set interlink.node.pods: \"1\" (one offloaded notebook at a time) until the sidecar names containers per pod") });
        // docker-sd initialises NVML at start and exits without the NVIDIA driver
        // (cmd/sidecars/docker/main.go:36-55, gpustrategies/NvidiaHandler.go:48-56).
        const nodeGpus = Number(c.node.gpus);
        if (nodeGpus === 0)
            ctx.addIssue({ code: "custom", path: ["node", "gpus"], message: msg("is 0, but the Docker sidecar at a5198b2 exits at start-up on a host without the NVIDIA driver (it initialises NVML), so a CPU-only target host cannot run it", "use a target host with an NVIDIA GPU, its driver and the NVIDIA Container Toolkit, and set interlink.node.gpus to its GPU count, e.g. \"1\" (CPU-only profiles still run there with gpus: 0)") });
        if (c.tracing)
            ctx.addIssue({ code: "custom", path: ["tracing"], message: msg("is true, but the virtual kubelet at a5198b2 exports no traces (its OTLP exporter set-up is commented out), so a collector would receive nothing", "remove interlink.tracing (or set it to false)") });
        c.profiles.forEach((p, i) => {
            if (Number.isFinite(nodeGpus) && p.gpus > nodeGpus)
                ctx.addIssue({ code: "custom", path: ["profiles", i, "gpus"], message: msg(`asks for ${p.gpus} GPUs but the node advertises ${c.node.gpus}`, "lower the profile's gpus or raise interlink.node.gpus") });
        });
        if (c.profiles.length === 0)
            ctx.addIssue({ code: "custom", path: ["profiles"], message: msg("is empty, so no notebook can be placed on the virtual node", "add a profile, e.g. [{ displayName: \"Remote GPU\", gpus: 1 }]") });
    });
export type InterlinkConfig = z.output<typeof interlinkSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { interlink: InterlinkConfig; jupyterhub: Enabled & { namespace: string; releaseName: string; auth: { type: string } }; kubernetes: ClusterFacts };

export const interlinkSecrets: SecretSpec<Reads>[] = [
    {
        key: "interlinkIamClientSecret",
        description: "secret of the IAM client the InterLink virtual kubelet and the target host's oauth2-proxy use",
        requiredWhen: (cfg) => cfg.interlink?.enabled === true,
    },
    {
        // The pinned refresher only makes the refresh-token grant (Bianco95/interLink@a5198b2
        // docker/scripts/refresh.py:17-27,40-52): without one, no access token is ever written.
        key: "interlinkIamRefreshToken",
        description: "refresh token of the IAM client interlink.iam.clientId (obtained with scope offline_access), which the virtual kubelet's token refresher exchanges for access tokens",
        requiredWhen: (cfg) => cfg.interlink?.enabled === true,
    },
];

/** Checks against other components' settings (run after every schema passes). */
export const interlinkCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        const il = cfg.interlink;
        const hub = cfg.jupyterhub;
        if (!il.enabled || !hub.enabled) return;
        if (il.hub.namespace !== hub.namespace)
            report(["interlink", "hub", "namespace"], `is "${il.hub.namespace}" but the platform's JupyterHub runs in "${hub.namespace}"`, `set interlink.hub.namespace to "${hub.namespace}"`);
        if (il.hub.releaseName !== hub.releaseName)
            report(["interlink", "hub", "releaseName"], `is "${il.hub.releaseName}" but the platform's JupyterHub release is "${hub.releaseName}" (its hub and proxy pods carry release: ${hub.releaseName}, which the tunnel's NetworkPolicy selects)`, `set interlink.hub.releaseName to "${hub.releaseName}"`);
        if (il.hub.oidcLogin && hub.auth.type !== "generic-oauth")
            report(["interlink", "hub", "oidcLogin"], `needs the hub's client secret, but jupyterhub.auth.type is "${hub.auth.type}"`, "set jupyterhub.auth.type to generic-oauth (and jupyterhubOauthClientSecret), or set interlink.hub.oidcLogin: false and let the hub's own login stand");
    },
    (cfg, report) => {
        const il = cfg.interlink;
        if (!il.enabled) return;
        if (resolveEnvironment(cfg.kubernetes) !== "prod") return;
        const urls: [PropertyKey[], string | undefined][] = [
            [["interlink", "interlinkUrl"], il.interlinkUrl],
            [["interlink", "iam", "server"], il.iam.server],
            [["interlink", "hub", "publicUrl"], il.hub.publicUrl],
        ];
        for (const [path, url] of urls) {
            if (url !== undefined && !url.startsWith("https://"))
                report(path, "is not an https URL in prod (tokens would travel in clear)", `use an https:// URL for ${path.join(".")}`);
        }
    },
];
