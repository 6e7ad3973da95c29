import { z } from "zod";
import { loadBalancerAvailable } from "./facts";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsLabel, dnsName, image, namespace, quantity, resources } from "./types";

/**
 * A participant name as it appears in project.yml. It becomes the Deployment and Service name, so
 * it must be a DNS-1035 label; it cannot be "sanitised" into another name because clients dial the
 * participant name and TLS checks it against the certificate the provisioning run issued.
 */
const participantName = z
    .string({ error: msg("is required", "set it to the participant's name in project.yml") })
    .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, {
        message: msg(
            "is not a valid Kubernetes Service name (lower-case letters, digits and '-', starting with a letter, ending alphanumeric; no dots). The Service must carry the participant name itself because clients dial it and TLS checks it against the name in the certificate",
            "provision the project with a participant name such as \"server1\" (not an FQDN like \"server1.example.org\") and use that same name here",
        ),
    })
    .max(63, { message: msg("is longer than 63 characters, the limit for a Service name", "provision the project with a shorter participant name and use it here") });

/** A TCP port read from project.yml; missing ports are an error because the builder's fallbacks (30002/30003) differ from the kit's (8002/8003). */
function participantPort(what: string) {
    const fix = `use a whole number from 1 to 65535: the ${what} in project.yml`;
    return z
        .number({
            error: (iss) =>
                iss.input === undefined
                    ? msg(`is required (the ${what} the startup kits were provisioned with; the upstream fallbacks disagree with each other)`, `set it to the ${what} in project.yml`)
                    : msg("must be a port number", fix),
        })
        .int({ message: msg("must be a whole number", fix) })
        .min(1, { message: msg("is not a valid port", fix) })
        .max(65535, { message: msg("is not a valid port", fix) });
}

const absolutePath = z.string().regex(/^\/[^\0]*$/, { message: msg("is not an absolute path", "use a path such as \"/srv/nvflare/prod_00\"") });

/**
 * What NVIDIA FLARE 2.4.0's provisioning accepts (`nvflare/apis/utils/format_check.py` 19-27 at tag 2.4.0,
 * checked by `Participant.__init__`, `nvflare/lighter/spec.py` 40-45): an org is letters, digits and
 * `_`; an admin is an email address. Checked only when the program provisions (`workspace.type: provision`).
 */
export const PROVISION_ORG = /^[A-Za-z0-9_]+$/;
export const PROVISION_ADMIN = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}$/;
/** The roles of the provisioned default authorization policy (`master_template.yml` 258-287 at tag 2.4.0). */
export const PROVISION_ADMIN_ROLES = ["project_admin", "org_admin", "lead", "member"] as const;
/** `prepare_project` refuses more servers (`nvflare/lighter/provision.py` 145-149 at tag 2.4.0). */
export const PROVISION_MAX_SERVERS = 2;

/** Where the provisioned startup kits live. */
const workspaceSchema = z.discriminatedUnion(
    "type",
    [
        /** The provisioned `prod_NN` folder on the node, as seed 002 (`--set workspace=$(pwd)`). Single node; needs Pod Security "privileged". */
        z.strictObject({ type: z.literal("hostPath"), path: absolutePath }),
        /** An existing PVC holding the provisioned `prod_NN` folder (one sub-folder per participant). */
        z.strictObject({ type: z.literal("persistentVolumeClaim"), claimName: dnsLabel }),
        /**
         * One Secret per participant holding its `startup/` files (`<secretPrefix><name>`), and, for servers
         * and clients, one ConfigMap holding its `local/` files (`<localConfigMapPrefix><name>`, required).
         * The workspace itself is an emptyDir.
         */
        z.strictObject({
            type: z.literal("secret"),
            secretPrefix: z.string().regex(/^[a-z0-9]([-a-z0-9]*)$/).default("nvflare-startup-"),
            localConfigMapPrefix: z.string().regex(/^[a-z0-9]([-a-z0-9]*)$/).default("nvflare-local-"),
        }),
        /**
         * The program provisions the federation in the cluster: a Job runs the image's `nvflare provision`
         * on a project file made from this config and writes the kits to a claim it creates, which every
         * participant mounts (its own folder only).
         */
        z.strictObject({
            type: z.literal("provision"),
            /** project.yml `name`: the provisioning folder and the root CA's subject. */
            project: z
                .string()
                .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, { message: msg("is not a project name (letters, digits, '_' and '-', at most 63)", "use a name such as \"research_platform\"") })
                .default("research_platform"),
            /** The admin consoles to provision (at least one, or nobody can submit a job). */
            admins: z
                .array(
                    z.strictObject({
                        name: z
                            .string({ error: msg("is required", "set it to the admin's email address, e.g. admin@example.org") })
                            .regex(PROVISION_ADMIN, { message: msg("is not an email address, which nvflare provision requires of an admin", "use the admin's email address, e.g. admin@example.org") }),
                        org: z
                            .string({ error: msg("is required", "set it to the admin's organisation") })
                            .regex(PROVISION_ORG, { message: msg("is not an org nvflare provision accepts (letters, digits and '_' only)", "use e.g. \"nvidia\" or \"hospital_b\"") }),
                        role: z
                            .enum(PROVISION_ADMIN_ROLES, { error: msg(`must be one of ${PROVISION_ADMIN_ROLES.join(", ")}`, "use project_admin for the person who runs the federation") })
                            .default("project_admin"),
                    }),
                )
                .default([]),
            /** The claim the Job writes the kits to, and the servers keep their job and snapshot store on (`persist: {type: workspace}`). */
            claimName: dnsLabel.default("nvflare-state"),
            size: quantity.default("1Gi"),
            /** Default: the platform's storage class (`storage.className`), else the cluster's default class. */
            storageClassName: dnsName.optional(),
        }),
    ],
    {
        error: msg(
            "must have type \"hostPath\", \"persistentVolumeClaim\", \"secret\" or \"provision\"",
            "set nvflare.workspace to e.g. {type: provision, admins: [{name: admin@example.org, org: example}]} or {type: secret}",
        ),
    },
);

/** The servers' `/tmp/nvflare` (snapshot and job storage). HA failover needs it shared by every server. */
const persistSchema = z.discriminatedUnion(
    "type",
    [
        /** A folder on the node, created beforehand and owned by runAsUser (the volume has type Directory). */
        z.strictObject({ type: z.literal("hostPath"), path: absolutePath.default("/tmp/nvflare") }),
        z.strictObject({ type: z.literal("persistentVolumeClaim"), claimName: dnsLabel }),
        z.strictObject({ type: z.literal("emptyDir"), sizeLimit: quantity.optional() }),
        /** The folder `persist/` of the provisioning claim (`workspace.type: provision`): one volume for kits and state. */
        z.strictObject({ type: z.literal("workspace") }),
    ],
    {
        error: msg(
            "must have type \"workspace\", \"hostPath\", \"persistentVolumeClaim\" or \"emptyDir\"",
            "set nvflare.persist to e.g. {type: workspace} (with workspace.type provision) or {type: persistentVolumeClaim, claimName: nvflare-persist}",
        ),
    },
);

export const NVFLARE_EXPOSURES = ["loadBalancer", "ingressTcp", "nodePort", "none"] as const;
export type NvflareExposure = (typeof NVFLARE_EXPOSURES)[number];

/** The default Kubernetes Service NodePort range (kube-apiserver `--service-node-port-range`). */
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

const defaultResources = {
    overseer: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
    server: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
    client: { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } },
};

/** NVIDIA FLARE overseer, servers and clients (seed 002). */
export const nvflareSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** The image every participant runs (`docker_image` of HelmChartBuilder); needs `/usr/local/bin/python3` and `nvflare`. */
        image: image.optional(),
        namespace: namespace.default("nvflare"),
        /** The HA overseer (NVFlare <= 2.5). Its Service carries the participant name, which servers and clients dial. */
        overseer: z
            .strictObject({
                name: participantName,
                port: participantPort("overseer port"),
                /** Only for `workspace.type: provision` (the overseer's certificate); default: the first server's org. */
                org: z.string().min(1).optional(),
                resources: resources.optional(),
            })
            .optional(),
        servers: z
            .array(
                z.strictObject({
                    name: participantName,
                    org: z.string({ error: msg("is required", "set it to the server's org in project.yml") }).min(1),
                    flPort: participantPort("fed_learn_port"),
                    adminPort: participantPort("admin_port"),
                    resources: resources.optional(),
                }),
            )
            .default([]),
        /** Clients run in the cluster as Deployments (NVFlare's Kubernetes docs); they need no Service. */
        clients: z
            .array(
                z.strictObject({
                    name: participantName,
                    org: z.string({ error: msg("is required", "set it to the client's org in project.yml") }).min(1),
                    resources: resources.optional(),
                }),
            )
            .default([]),
        workspace: workspaceSchema.optional(),
        persist: persistSchema.default({ type: "emptyDir" }),
        exposure: z
            .enum(NVFLARE_EXPOSURES, { error: msg(`must be one of ${NVFLARE_EXPOSURES.join(", ")}`, "set nvflare.exposure to loadBalancer (default), ingressTcp, nodePort or none") })
            .default("loadBalancer"),
        /**
         * With `exposure: nodePort`, the address participants outside the cluster use for a node, in
         * the `nvflareEndpoints` and `nvflareHostsLines` outputs (dev on kind: 127.0.0.1, where
         * kind/cluster.yaml maps each node port to the host). Unset: `<node-address>`, any node's.
         */
        nodeAddress: z.union([z.ipv4(), z.ipv6(), z.hostname()], { error: msg("is not an IP address or host name", "set nvflare.nodeAddress to the address of a node as clients reach it, e.g. 127.0.0.1 on kind") }).optional(),
        /**
         * The UID/GID the pods (and the provisioning Job) run as (default 65532, the platform's non-root user).
         * With a hostPath or PVC workspace each participant's folder must be readable and writable by it (the
         * servers and clients write log.txt, audit.log and job folders there): chown the
         * kits, or set the owner's UID here.
         */
        runAsUser: z.number({ error: msg("must be a UID", "use a whole number above 0") }).int().min(1, { message: msg("must not be 0 (root)", "use the UID that owns the startup kits, e.g. 65532") }).optional(),
        runAsGroup: z.number({ error: msg("must be a GID", "use a whole number above 0") }).int().min(1, { message: msg("must not be 0 (root)", "use the GID that owns the startup kits") }).optional(),
        /** Default requests and limits per role; a participant's own `resources` wins. */
        resources: z
            .strictObject({ overseer: resources.optional(), server: resources.optional(), client: resources.optional() })
            .default({})
            .transform((r) => ({ overseer: r.overseer ?? defaultResources.overseer, server: r.server ?? defaultResources.server, client: r.client ?? defaultResources.client })),
    })
    .superRefine((cfg, ctx) => {
        if (cfg.nodeAddress !== undefined && cfg.exposure !== "nodePort") {
            ctx.addIssue({ code: "custom", path: ["nodeAddress"], message: msg(`is set but exposure is ${cfg.exposure}`, "remove nvflare.nodeAddress or set nvflare.exposure to nodePort") });
        }
        if (!cfg.enabled) return;
        if (!cfg.image) ctx.addIssue({ code: "custom", path: ["image"], message: msg("is required when nvflare is enabled", "set nvflare.image to the image the kits were built for, e.g. \"nvflare/nvflare:2.4.0\"") });
        if (!cfg.workspace) {
            ctx.addIssue({ code: "custom", path: ["workspace"], message: msg("is required when nvflare is enabled (where the provisioned startup kits are)", "set nvflare.workspace to {type: hostPath, path: <prod_NN folder>}, {type: persistentVolumeClaim, claimName: <claim>} or {type: secret}") });
        }
        if (cfg.servers.length === 0) ctx.addIssue({ code: "custom", path: ["servers"], message: msg("lists no server", "add at least one server {name, org, flPort, adminPort} from project.yml") });
        if (cfg.servers.length > 1 && cfg.persist.type === "emptyDir") {
            ctx.addIssue({
                code: "custom",
                path: ["persist"],
                message: msg(
                    "is an emptyDir but there are several (HA) servers, and failover needs every server to see the same snapshot and job storage",
                    "set nvflare.persist to {type: workspace} (with workspace.type provision), a shared {type: persistentVolumeClaim, claimName: <ReadWriteMany claim>} or {type: hostPath, path: <folder owned by runAsUser>} (the servers then share one node)",
                ),
            });
        }
        if (cfg.persist.type === "workspace" && cfg.workspace && cfg.workspace.type !== "provision") {
            ctx.addIssue({
                code: "custom",
                path: ["persist"],
                message: msg(`is {type: workspace}, which is the provisioning claim's persist/ folder, but workspace.type is ${cfg.workspace.type}`, "set nvflare.workspace.type to provision, or give persist a claim of its own: {type: persistentVolumeClaim, claimName: <claim>}"),
            });
        }
        if (cfg.workspace?.type === "provision") provisionChecks(cfg, cfg.workspace, ctx);
        if (cfg.servers.length > 1 && !cfg.overseer) {
            ctx.addIssue({ code: "custom", path: ["overseer"], message: msg("is missing but there are several servers (HA needs the overseer)", "add the overseer {name, port} from project.yml, or keep a single server") });
        }

        // Names and ports in one pass each (Map lookups), so hundreds of participants cost nothing.
        const names = new Map<string, string>();
        const checkName = (name: string, path: (string | number)[]) => {
            const first = names.get(name);
            if (first !== undefined) ctx.addIssue({ code: "custom", path: [...path, "name"], message: msg(`repeats the participant name "${name}" of nvflare.${first}`, "give every participant its own name, as in project.yml (names share one namespace)") });
            else names.set(name, path.join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]"));
        };
        const ports = new Map<number, string>();
        const checkPort = (port: number, path: (string | number)[]) => {
            const where = path.join(".").replace(/\.(\d+)(?=\.|$)/g, "[$1]");
            const first = ports.get(port);
            if (first !== undefined) ctx.addIssue({ code: "custom", path, message: msg(`repeats port ${port} of nvflare.${first}`, "give every overseer, FL and admin port its own number, as in project.yml (they share one address with ingressTcp and nodePort)") });
            else ports.set(port, where);
            if (cfg.exposure === "nodePort" && (port < NODE_PORT_RANGE.min || port > NODE_PORT_RANGE.max)) {
                ctx.addIssue({
                    code: "custom",
                    path,
                    message: msg(
                        `is ${port}, outside the NodePort range ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max}; with exposure nodePort the node port must equal the port baked into the startup kits`,
                        `provision the project with ports in ${NODE_PORT_RANGE.min}-${NODE_PORT_RANGE.max} (e.g. fed_learn_port 30002, admin_port 30003), or choose exposure loadBalancer or ingressTcp`,
                    ),
                });
            }
        };
        if (cfg.overseer) {
            checkName(cfg.overseer.name, ["overseer"]);
            checkPort(cfg.overseer.port, ["overseer", "port"]);
        }
        cfg.servers.forEach((s, i) => {
            checkName(s.name, ["servers", i]);
            if (s.adminPort === s.flPort) {
                ctx.addIssue({
                    code: "custom",
                    path: ["servers", i, "adminPort"],
                    message: msg(`equals flPort (${s.flPort}): a Service cannot list one port twice`, "provision the project with a distinct admin_port (e.g. fed_learn_port 8002, admin_port 8003) and use both here"),
                });
                checkPort(s.flPort, ["servers", i, "flPort"]);
            } else {
                checkPort(s.flPort, ["servers", i, "flPort"]);
                checkPort(s.adminPort, ["servers", i, "adminPort"]);
            }
        });
        cfg.clients.forEach((c, i) => checkName(c.name, ["clients", i]));
        if (cfg.workspace?.type === "secret") {
            const longest = Math.max(cfg.workspace.secretPrefix.length, cfg.workspace.localConfigMapPrefix.length);
            for (const [name, where] of names) {
                if (longest + name.length > 253) ctx.addIssue({ code: "custom", path: ["workspace"], message: msg(`gives nvflare.${where} a Secret or ConfigMap name longer than 253 characters`, "shorten secretPrefix/localConfigMapPrefix") });
            }
        }
    });
export type NvflareConfig = z.output<typeof nvflareSchema>;
export type NvflareProvision = Extract<NonNullable<NvflareConfig["workspace"]>, { type: "provision" }>;

/** What `nvflare provision` 2.4.0 refuses of the participants the program would give it: refused here, before anything runs. */
function provisionChecks(cfg: Omit<NvflareConfig, "workspace">, ws: NvflareProvision, ctx: z.RefinementCtx): void {
    const fixOrg = "use letters, digits and '_' only (e.g. hospital_b for hospital-b): nvflare provision refuses other orgs";
    const org = (value: string | undefined, path: (string | number)[]) => {
        if (value !== undefined && !PROVISION_ORG.test(value)) ctx.addIssue({ code: "custom", path, message: msg(`is "${value}", which nvflare provision 2.4.0 refuses as an org`, fixOrg) });
    };
    if (cfg.servers.length > PROVISION_MAX_SERVERS) {
        ctx.addIssue({
            code: "custom",
            path: ["servers"],
            message: msg(`lists ${cfg.servers.length} servers, but nvflare provision 2.4.0 provisions at most ${PROVISION_MAX_SERVERS} (one, or an HA pair)`, "keep one or two servers, or provision outside the cluster and use workspace.type secret"),
        });
    }
    org(cfg.overseer?.org, ["overseer", "org"]);
    cfg.servers.forEach((s, i) => org(s.org, ["servers", i, "org"]));
    cfg.clients.forEach((c, i) => org(c.org, ["clients", i, "org"]));
    if (ws.admins.length === 0) {
        ctx.addIssue({ code: "custom", path: ["workspace", "admins"], message: msg("lists no admin, so nobody could submit a job to the federation", "add one, e.g. admins: [{name: admin@example.org, org: example, role: project_admin}]") });
    }
    const seen = new Set<string>();
    ws.admins.forEach((a, i) => {
        if (seen.has(a.name)) ctx.addIssue({ code: "custom", path: ["workspace", "admins", i, "name"], message: msg(`repeats the admin ${a.name}`, "give every admin its own email address (nvflare provision refuses duplicate names)") });
        seen.add(a.name);
    });
}
export type NvflareServer = NvflareConfig["servers"][number];

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { nvflare: NvflareConfig; ingress: Enabled & { tcpPorts: readonly { port: number }[] }; metallb: Enabled; kubernetes: ClusterFacts };

export const nvflareSecrets: SecretSpec<Reads>[] = [];

/** Every port NVFlare exposes (overseer, then each server's FL and admin port), in config order. */
export function nvflarePorts(cfg: Pick<NvflareConfig, "overseer" | "servers">): { participant: string; port: number; role: "overseer" | "fl" | "admin" }[] {
    const out: { participant: string; port: number; role: "overseer" | "fl" | "admin" }[] = [];
    if (cfg.overseer) out.push({ participant: cfg.overseer.name, port: cfg.overseer.port, role: "overseer" });
    for (const s of cfg.servers) {
        out.push({ participant: s.name, port: s.flPort, role: "fl" });
        out.push({ participant: s.name, port: s.adminPort, role: "admin" });
    }
    return out;
}

/** The Traefik entrypoint name suggested for an NVFlare port (short: Service port names are limited to 15 characters). */
export function nvflareEntryPointName(port: number): string {
    return `nvflare-${port}`;
}

/** Checks against other components' settings (run after every schema passes). */
export const nvflareCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        const nv = cfg.nvflare;
        if (!nv.enabled) return;
        if (nv.exposure === "loadBalancer" && !loadBalancerAvailable(cfg)) {
            report(["nvflare", "exposure"], "is loadBalancer on a kind cluster, where LoadBalancer Services get no address without MetalLB", "enable MetalLB (metallb.enabled: true), or choose nvflare.exposure ingressTcp, nodePort or none");
        }
        if (nv.exposure !== "ingressTcp") return;
        if (!cfg.ingress.enabled) {
            report(["nvflare", "exposure"], "is ingressTcp but the ingress controller is not enabled", "enable it (ingress.enabled: true) with TCP entrypoints for the NVFlare ports, or choose nvflare.exposure loadBalancer");
        }
        const listed = new Set(cfg.ingress.tcpPorts.map((p) => p.port));
        const missing = nvflarePorts(nv).filter((p) => !listed.has(p.port));
        if (missing.length > 0) {
            const entries = missing.map((p) => `{name: ${nvflareEntryPointName(p.port)}, port: ${p.port}}`).join(", ");
            report(
                ["ingress", "tcpPorts"],
                `lacks ${missing.length === 1 ? "a TCP entrypoint" : "TCP entrypoints"} for NVFlare port${missing.length === 1 ? "" : "s"} ${missing.map((p) => `${p.port} (${p.participant})`).join(", ")}, which nvflare.exposure ingressTcp routes`,
                `add to ingress.tcpPorts: ${entries}`,
            );
        }
    },
];
