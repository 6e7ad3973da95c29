import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NvflareConfig } from "../../config/nvflare";
import { nvflareEntryPointName } from "../../config/nvflare";
import type { Resources } from "../../config/types";
import { appLabels } from "../k8s/labels";
import { podSecurityNamespace } from "../k8s/namespace";
import { policyException } from "../k8s/policyException";
import { Allow, ClusterNetwork, Peer, isolateNamespace } from "../k8s/networkPolicy";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/securityContext";

type Container = k8s.types.input.core.v1.Container;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Probe = k8s.types.input.core.v1.Probe;

export interface NvflareArgs {
    /** The validated `nvflare` config slice. */
    config: NvflareConfig;
    provider: k8s.Provider;
    /** Protect the namespace (it holds the participants' Deployments and, in secret mode, their startup kits). */
    protect: boolean;
    /** Whether LoadBalancer Services get an address on this cluster (exposure `loadBalancer`). */
    loadBalancerAvailable: boolean;
    /** Wait on these before creating LoadBalancer Services (exposure `loadBalancer`). */
    loadBalancerReady: pulumi.Resource[];
    /** Traefik TCP entrypoints by port (exposure `ingressTcp`); every NVFlare port must have one. */
    ingressTcp?: { entryPoints: Record<number, string> };
    /** Wait on these before creating IngressRouteTCPs (the Traefik release with its CRDs). */
    ingressReady: pulumi.Resource[];
    /** The cluster's addresses and the ingress namespace, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/** What a stack output shows for an address Kubernetes has not assigned (yet). */
export const PENDING = "<pending>";
/** Placeholder in `ingressTcp` outputs: the ingress controller's external address (its Service's EXTERNAL-IP). */
export const INGRESS_ADDRESS = "<ingress-address>";
/** Placeholder in `nodePort` outputs: the address of any node. */
export const NODE_ADDRESS = "<node-address>";

/** Where NVFlare's builder puts things inside the pods. */
const WORKSPACE = "/workspace";
const PERSIST = "/tmp/nvflare";
const PYTHON = "/usr/local/bin/python3";

interface ExposedPort {
    /** Container and Service port name (<= 15 characters). */
    name: string;
    port: number;
    role: "overseer" | "fl" | "admin";
}

/** One participant, described the same way whatever its role: the only per-role code is the table in `participants()`. */
interface Participant {
    name: string;
    role: "overseer" | "server" | "client";
    command: string[];
    args?: string[];
    ports: ExposedPort[];
    usesPersist: boolean;
    resources: Resources;
    readinessProbe: Probe;
    livenessProbe: Probe;
}

function tcpProbe(port: string, liveness: boolean): Probe {
    return liveness
        ? { tcpSocket: { port }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 }
        : { tcpSocket: { port }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
}

/** The participants in config order, with the exact commands and args HelmChartBuilder generates (each server with its own org). */
export function participants(cfg: NvflareConfig): Participant[] {
    const out: Participant[] = [];
    if (cfg.overseer) {
        const o = cfg.overseer;
        out.push({
            name: o.name,
            role: "overseer",
            // start.sh runs gunicorn in the foreground (mutual TLS, bind 0.0.0.0:<port>).
            command: [`${WORKSPACE}/${o.name}/startup/start.sh`],
            ports: [{ name: "overseer-port", port: o.port, role: "overseer" }],
            usesPersist: false,
            resources: o.resources ?? cfg.resources.overseer,
            readinessProbe: tcpProbe("overseer-port", false),
            livenessProbe: tcpProbe("overseer-port", true),
        });
    }
    for (const s of cfg.servers) {
        out.push({
            name: s.name,
            role: "server",
            command: [PYTHON],
            args: ["-u", "-m", "nvflare.private.fed.app.server.server_train", "-m", `${WORKSPACE}/${s.name}`, "-s", "fed_server.json", "--set", "secure_train=true", "config_folder=config", `org=${s.org}`],
            ports: [
                { name: "fl-port", port: s.flPort, role: "fl" },
                { name: "admin-port", port: s.adminPort, role: "admin" },
            ],
            usesPersist: true,
            resources: s.resources ?? cfg.resources.server,
            readinessProbe: tcpProbe("fl-port", false),
            livenessProbe: tcpProbe("admin-port", true),
        });
    }
    for (const c of cfg.clients) {
        out.push({
            name: c.name,
            role: "client",
            command: [PYTHON],
            args: ["-u", "-m", "nvflare.private.fed.app.client.client_train", "-m", `${WORKSPACE}/${c.name}`, "-s", "fed_client.json", "--set", "secure_train=true", `uid=${c.name}`, "config_folder=config", `org=${c.org}`],
            ports: [],
            usesPersist: false,
            resources: c.resources ?? cfg.resources.client,
            // Clients listen on nothing: ready once the startup kit is readable (wrong UID or a missing Secret show here), alive while client_train is PID 1.
            readinessProbe: { exec: { command: ["/bin/sh", "-c", `test -r ${WORKSPACE}/${c.name}/startup/fed_client.json`] }, periodSeconds: 10, timeoutSeconds: 5 },
            livenessProbe: { exec: { command: ["/bin/sh", "-c", "grep -q client_train /proc/1/cmdline"] }, initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        });
    }
    return out;
}

/** Whether the config puts any hostPath volume in the pods (then the namespace needs Pod Security "privileged"). */
export function usesHostPath(cfg: NvflareConfig): boolean {
    return cfg.workspace?.type === "hostPath" || (cfg.persist.type === "hostPath" && cfg.servers.length > 0);
}

/** Volumes and mounts of one participant: the workspace at /workspace with the startup kit read-only, /tmp/nvflare for servers, a scratch /tmp. */
function storage(cfg: NvflareConfig, p: Participant): { volumes: Volume[]; mounts: VolumeMount[] } {
    const ws = cfg.workspace!;
    const startup = `${WORKSPACE}/${p.name}/startup`;
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [{ name: "workspace", mountPath: WORKSPACE }];
    switch (ws.type) {
        case "hostPath":
            volumes.push({ name: "workspace", hostPath: { path: ws.path, type: "Directory" } });
            mounts.push({ name: "workspace", mountPath: startup, subPath: `${p.name}/startup`, readOnly: true });
            break;
        case "persistentVolumeClaim":
            volumes.push({ name: "workspace", persistentVolumeClaim: { claimName: ws.claimName } });
            mounts.push({ name: "workspace", mountPath: startup, subPath: `${p.name}/startup`, readOnly: true });
            break;
        case "secret":
            volumes.push(
                { name: "workspace", emptyDir: {} },
                // 0550: start.sh must stay executable; fsGroup makes the files readable by the pod's group only.
                { name: "startup", secret: { secretName: `${ws.secretPrefix}${p.name}`, defaultMode: 0o550 } },
                { name: "local", configMap: { name: `${ws.localConfigMapPrefix}${p.name}`, optional: true, defaultMode: 0o440 } },
            );
            mounts.push({ name: "startup", mountPath: startup, readOnly: true }, { name: "local", mountPath: `${WORKSPACE}/${p.name}/local`, readOnly: true });
            break;
    }
    volumes.push({ name: "tmp", emptyDir: {} });
    mounts.push({ name: "tmp", mountPath: "/tmp" });
    if (p.usesPersist) {
        const ps = cfg.persist;
        if (ps.type === "hostPath") volumes.push({ name: "persist", hostPath: { path: ps.path, type: "DirectoryOrCreate" } });
        else if (ps.type === "persistentVolumeClaim") volumes.push({ name: "persist", persistentVolumeClaim: { claimName: ps.claimName } });
        else volumes.push({ name: "persist", emptyDir: ps.sizeLimit ? { sizeLimit: ps.sizeLimit } : {} });
        mounts.push({ name: "persist", mountPath: PERSIST });
    }
    return { volumes, mounts };
}

/**
 * NVIDIA FLARE as HelmChartBuilder (seed 002) generates it, from typed config: per participant a
 * Deployment (strategy Recreate) and, for the overseer and servers, a Service named after the
 * participant with named ports, exposed as configured (LoadBalancer, Traefik TCP routes, NodePort or
 * in-cluster only). The clients' Deployments go through one ConfigGroup. Startup kits are mounted
 * read-only; TLS ends inside the pods.
 */
export class Nvflare extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    /** Participant -> `host:port` list (overseer and servers; clients take no inbound traffic). */
    readonly endpoints: pulumi.Output<Record<string, string[]>>;
    /** `/etc/hosts` lines that let clients and admins outside the cluster dial the participant names. */
    readonly hostsLines: pulumi.Output<string[]>;

    constructor(name: string, args: NvflareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:Nvflare", name, args, opts);
        const cfg = args.config;
        const child = { parent: this, provider: args.provider };
        const hostPath = usesHostPath(cfg);
        const everyone = participants(cfg);
        if (cfg.exposure === "loadBalancer" && !args.loadBalancerAvailable) {
            pulumi.log.warn("nvflare.exposure is loadBalancer but the cluster reports no load balancer: the Services will wait for an address that never comes. Enable MetalLB or choose exposure ingressTcp, nodePort or none.", this);
        }

        const ns = podSecurityNamespace(
            `${name}-ns`,
            hostPath
                ? {
                      name: cfg.namespace,
                      // Pod Security "baseline" forbids hostPath volumes too: only "privileged" admits them.
                      podSecurity: "privileged",
                      reason: "nvflare.workspace or nvflare.persist is a hostPath volume (seed 002's single-node layout with the provisioned prod_NN folder on the node); use a persistentVolumeClaim or secret workspace for restricted",
                  }
                : { name: cfg.namespace, podSecurity: "restricted" },
            { ...child, protect: args.protect },
        );
        this.namespace = ns.metadata.name;

        // Isolation: participants reach each other on the NVFlare ports in the namespace; the overseer
        // and servers take clients on their ports from where the exposure brings them (anywhere for a
        // LoadBalancer or NodePort, Traefik's namespace for ingressTcp, nobody else for none); every
        // participant may dial those ports anywhere (servers and clients at other sites, public addresses).
        const nvflarePods = { "app.kubernetes.io/name": "nvflare" };
        const allPorts = everyone.flatMap((p) => p.ports.map((x) => ({ port: x.port })));
        const outside: Peer[] =
            cfg.exposure === "loadBalancer" || cfg.exposure === "nodePort"
                ? [{ anywhere: true }]
                : cfg.exposure === "ingressTcp" && args.network.ingressNamespace
                  ? [{ namespace: args.network.ingressNamespace }]
                  : [];
        const allows: Allow[] = [];
        for (const p of everyone.filter((x) => x.ports.length > 0)) {
            allows.push({
                name: `to-${p.name}`,
                pods: { system: p.name },
                from: [{ pods: nvflarePods }, ...outside],
                ports: p.ports.map((x) => ({ port: x.port })),
                reason: `${p.role} ${p.name} takes participants${outside.length > 0 ? ` and clients through exposure ${cfg.exposure}` : ""} on ${p.ports.map((x) => x.port).join(", ")}`,
            });
        }
        if (allPorts.length > 0) {
            allows.push({ name: "participants", pods: nvflarePods, to: [{ pods: nvflarePods }, { anywhere: true }], ports: allPorts, reason: "participants dial the overseer and servers, here or at other sites" });
        }
        isolateNamespace(`${name}-netpol`, { namespace: cfg.namespace, app: "nvflare", network: args.network, allows }, { ...child, dependsOn: [ns] });

        const addresses: pulumi.Output<[string, string[]]>[] = [];
        const clientDeployments: k8s.types.input.apps.v1.Deployment[] = [];
        for (const p of everyone) {
            const labels = { ...appLabels("nvflare", { component: p.role, instance: p.name, version: imageTag(cfg.image!) }), system: p.name };
            const selector = { system: p.name };
            const { volumes, mounts } = storage(cfg, p);
            const container: Container = {
                name: p.name,
                image: cfg.image!,
                imagePullPolicy: "IfNotPresent",
                command: p.command,
                args: p.args,
                ports: p.ports.length > 0 ? p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: "TCP" })) : undefined,
                env: [{ name: "HOME", value: "/tmp" }],
                volumeMounts: mounts,
                resources: p.resources,
                readinessProbe: p.readinessProbe,
                livenessProbe: p.livenessProbe,
                securityContext: restrictedContainerSecurityContext(),
            };
            const deployment = (namespace: pulumi.Input<string>): k8s.types.input.apps.v1.Deployment => ({
                metadata: {
                    name: p.name,
                    namespace,
                    labels,
                    annotations: policyException("prod-replicas", `NVFlare ${p.role} ${p.name} is one identity of the federation (its startup kit); two processes must never share its workspace, so it runs once with strategy Recreate`),
                },
                spec: {
                    replicas: 1,
                    // Two server processes must never share a workspace (the default RollingUpdate would overlap them).
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels },
                        spec: {
                            automountServiceAccountToken: false,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurityContext({ runAsUser: cfg.runAsUser, runAsGroup: cfg.runAsGroup }),
                            // Secret workspace: /workspace is an emptyDir, and the runtime would create the mount
                            // point /workspace/<name> root-owned; create it first, as the pod's user, so logs can be written.
                            initContainers:
                                cfg.workspace!.type === "secret"
                                    ? [
                                          {
                                              name: "workspace-dir",
                                              image: cfg.image!,
                                              imagePullPolicy: "IfNotPresent",
                                              command: ["/bin/sh", "-c", `mkdir -p ${WORKSPACE}/${p.name}`],
                                              volumeMounts: [{ name: "workspace", mountPath: WORKSPACE }],
                                              resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                                              securityContext: restrictedContainerSecurityContext(),
                                          },
                                      ]
                                    : undefined,
                            containers: [container],
                            volumes,
                        },
                    },
                },
            });
            if (p.role === "client") {
                clientDeployments.push({ apiVersion: "apps/v1", kind: "Deployment", ...deployment(cfg.namespace) });
                continue;
            }
            new k8s.apps.v1.Deployment(`${name}-${p.name}`, deployment(this.namespace), child);
            if (p.ports.length === 0) continue;

            const type = cfg.exposure === "loadBalancer" ? "LoadBalancer" : cfg.exposure === "nodePort" ? "NodePort" : "ClusterIP";
            const svc = new k8s.core.v1.Service(
                `${name}-${p.name}`,
                {
                    metadata: { name: p.name, namespace: this.namespace, labels },
                    spec: {
                        type,
                        selector,
                        ports: p.ports.map((x) => ({ name: x.name, port: x.port, targetPort: x.port, protocol: "TCP", nodePort: type === "NodePort" ? x.port : undefined })),
                    },
                },
                { ...child, dependsOn: type === "LoadBalancer" ? args.loadBalancerReady : [] },
            );

            if (cfg.exposure === "ingressTcp") {
                for (const x of p.ports) {
                    const entryPoint = args.ingressTcp?.entryPoints[x.port];
                    if (!entryPoint) throw new Error(`nvflare: no Traefik TCP entrypoint for port ${x.port} (${p.name}); the ingress add-on must provide ${nvflareEntryPointName(x.port)}`);
                    new k8s.apiextensions.CustomResource(
                        `${name}-${p.name}-${x.port}`,
                        {
                            apiVersion: "traefik.io/v1alpha1",
                            kind: "IngressRouteTCP",
                            metadata: { name: `${p.name}-${x.role}`, namespace: this.namespace, labels },
                            spec: {
                                entryPoints: [entryPoint],
                                // One entrypoint per port, so nothing to route on: a catch-all non-TLS router forwards the
                                // bytes untouched (TLS ends in the pod) whether or not the client sends SNI.
                                routes: [{ match: "HostSNI(`*`)", services: [{ name: svc.metadata.name, port: x.port }] }],
                            },
                        },
                        { ...child, dependsOn: args.ingressReady },
                    );
                }
            }

            const host: pulumi.Output<string> =
                cfg.exposure === "loadBalancer"
                    ? svc.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip || s?.loadBalancer?.ingress?.[0]?.hostname || PENDING)
                    : pulumi.output(cfg.exposure === "ingressTcp" ? INGRESS_ADDRESS : cfg.exposure === "nodePort" ? NODE_ADDRESS : p.name);
            addresses.push(host.apply((h) => [h, p.ports.map((x) => `${h}:${x.port}`)] as [string, string[]]));
        }

        // Clients take no traffic and nothing reads their outputs, and a federation can have
        // thousands: they are one ConfigGroup, whose Deployments the provider creates (children
        // `<name>-clients:<namespace>/<client>`), rather than one program resource each, which
        // costs the program about 1.5 ms per client in the SDK alone. JSON is YAML.
        if (clientDeployments.length > 0) {
            new k8s.yaml.v2.ConfigGroup(`${name}-clients`, { yaml: clientDeployments.map((d) => JSON.stringify(d)).join("\n---\n") }, { ...child, dependsOn: [ns] });
        }

        const resolved = pulumi.all(addresses);
        const names = everyone.filter((p) => p.ports.length > 0).map((p) => p.name);
        this.endpoints = resolved.apply((rs) => Object.fromEntries(rs.map(([, eps], i) => [names[i], eps])));
        this.hostsLines = resolved.apply((rs) => (cfg.exposure === "none" ? [] : rs.map(([h], i) => `${h} ${names[i]}`)));

        this.registerOutputs({ namespace: this.namespace, endpoints: this.endpoints, hostsLines: this.hostsLines });
    }
}

/** The tag of an image reference (for the version label), or the digest's first 12 hex digits. */
function imageTag(ref: string): string {
    const at = ref.indexOf("@sha256:");
    if (at >= 0) return ref.slice(at + 8, at + 20);
    const tag = ref.slice(ref.lastIndexOf("/") + 1).split(":")[1] ?? "";
    return tag.slice(0, 63).replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
