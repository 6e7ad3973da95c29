import { z } from "zod";
import { loadBalancerAvailable } from "./facts";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsLabel, image, port, quantity, resources } from "./types";
import { KUBERNETES_VERSION } from "./kubernetes";

/** Workers in `kind/cluster.yaml`: the default number of local daemons (one per worker). A test keeps them equal. */
export const KIND_WORKER_COUNT = 4;

/**
 * The scheduling policies the pinned gateway starts with in Kubernetes mode: `static` only. At
 * ds2-lab/NotebookOS 8862fac, `NewKubeClient` (gateway/daemon/kube_client.go:189-218, called at
 * start-up in Kubernetes mode, gateway_daemon.go:626-634) panics on `dynamic-v3` and `dynamic-v4`
 * ("The 'DYNAMIC' scheduling policy is not yet supported.") and on every name but `default` and
 * `static`; `default` is refused earlier by `GetSchedulingPolicy`
 * (common/scheduling/scheduler/policy.go:49-90), on which the gateway (gateway_daemon.go:575-578)
 * and every local daemon (local_daemon/daemon/local_daemon.go:496-499) panic. Each policy has the
 * scheduler profile `<policy>-scheduler`.
 */
export const SCHEDULING_POLICIES = ["static"] as const;
export type SchedulingPolicy = (typeof SCHEDULING_POLICIES)[number];
/** Policies the gateway names but refuses in Kubernetes mode (for the error message). */
const REFUSED_POLICIES = ["dynamic-v3", "dynamic-v4", "default"];

/**
 * Replicas of every kernel: the pinned gateway hard-codes 3 (gateway/daemon/kube_client.go:1100
 * `"replicas": 3` in each kernel CloneSet, 1492-1494 three SMR node slots; every policy's
 * `NumReplicas()` returns 3, e.g. common/scheduling/policy/static.go:72-74). No flag changes it.
 */
export const KERNEL_REPLICAS = 3;

/** Remote storage backends the kernels' checkpointer accepts (distributed_notebook/sync/checkpointing/checkpointer_factory.py:40-53 at 8862fac). */
export const REMOTE_STORAGES = ["local", "redis", "s3"] as const;
export type RemoteStorage = (typeof REMOTE_STORAGES)[number];
/**
 * What `remote-storage-endpoint` carries with `remoteStorage: local`, which does not use it: the
 * gateway (kube_client.go:113-115) and the daemon (local_daemon.go:529-531) panic on an empty one.
 */
export const UNUSED_REMOTE_STORAGE_ENDPOINT = "unused";

/** A port the pinned images fix: any other value is refused with the reason. */
const fixedPort = (value: number, why: string) =>
    port.default(value).refine((v) => v === value, { message: msg(`must be ${value}: ${why}`, `remove the key or set it to ${value}`) });

const count = (what: string, min: number) =>
    z
        .number({ error: msg(`must be a whole number (${what})`, `use a whole number of at least ${min}`) })
        .int({ message: msg("must be a whole number", `use a whole number of at least ${min}`) })
        .min(min, { message: msg(`must be at least ${min}`, `use a whole number of at least ${min}`) });

const portsSchema = z.strictObject({
    /** `kernel-registry-port` / `local-daemon-service-port`: the local daemon's kernel registry, which kernels dial. */
    kernelRegistry: port.default(8075),
    /** Jupyter heartbeat, control, shell and stdin: the router sockets of gateway and daemons, and the kernels' sockets. */
    hb: port.default(9000),
    control: port.default(9001),
    shell: port.default(9002),
    stdin: port.default(9003),
    /** The kernels' IOPub socket (`iopub-port`); `iosub-port` and the ACK port (`ack-port`) are written to daemon.yml as upstream. */
    iopub1: port.default(9004),
    iopub2: port.default(9005),
    ack: port.default(9006),
    /**
     * The gateway's Jupyter gRPC port (`jupyter`). Fixed: the kernelspec in the notebook image dials
     * `gateway:8080` (distributed_notebook/kernel/install.py:13-20), and the gateway listens on
     * daemon.yml's `port`, which is the local daemon's port too (gateway_options.go:147, options.go:47).
     */
    gateway: fixedPort(8080, "the Jupyter image's kernelspec dials gateway:8080, and the gateway listens on daemon.yml's one `port` key, shared with the local daemon"),
    /** The gateway's provisioner port, which the local daemons dial. */
    provisioner: port.default(8081),
    /** The distributed-cluster service (dashboard gRPC; no dashboard is deployed). */
    distributedClusterService: port.default(8079),
    /** The gateway's scheduler HTTP port, called by the scheduler extender on 127.0.0.1. */
    schedulerHttp: port.default(8078),
    /** The local daemon's own gRPC port (`port` in daemon.yml), which kernels dial; also the gateway's Jupyter port: fixed. */
    localDaemon: fixedPort(8080, "daemon.yml's one `port` key is both the local daemon's gRPC port and the gateway's Jupyter port, which the Jupyter image's kernelspec dials at 8080"),
    /** The SMR port of each kernel replica. */
    smr: port.default(8080),
    /** The Jupyter notebook server. */
    notebook: port.default(8888),
    /**
     * Prometheus metrics port. Fixed: only the gateway reads `prometheus_port`; the local daemon
     * serves on a hard-coded 8089 (local_daemon.go:767) and the kernels on 8089 (kernel.py:680-697).
     */
    prometheus: fixedPort(8089, "only the gateway reads prometheus_port; the local daemons and kernels serve metrics on a hard-coded 8089"),
});
export type DistributedNotebookPorts = z.output<typeof portsSchema>;

const imagesSchema = z.strictObject({
    gateway: image.default("docker.io/scusemua/gateway:latest"),
    localDaemon: image.default("docker.io/scusemua/daemon:latest"),
    /**
     * The Jupyter front end; also the kernel image the gateway starts, which it builds as
     * `<notebook-image-name>:<notebook-image-tag>` (kube_client.go:1144): a tag, never a digest.
     */
    notebook: image.default("docker.io/scusemua/jupyter-gpu:latest").refine((ref) => !ref.includes("@"), {
        message: msg(
            "is a digest reference, but the gateway starts kernels from \"<notebook-image-name>:<notebook-image-tag>\", so a digest would become the invalid image \"<name>:sha256:...\"",
            "give the notebook image by tag, e.g. \"registry.example.org/notebookos/jupyter-gpu:8862fac\"",
        ),
    }),
    schedulerExtender: image.default("docker.io/scusemua/scheduler_extender:latest"),
    workloadDriver: image.default("docker.io/scusemua/workload-driver:latest"),
    /** The gateway's second kube-scheduler: keep its minor version equal to the cluster's (default: KUBERNETES_VERSION, the kind node's). */
    kubeScheduler: image.default(`registry.k8s.io/kube-scheduler:v${KUBERNETES_VERSION}`),
});

const small = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } };
const resourcesSchema = z.strictObject({
    gateway: resources.default({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } }),
    kubeScheduler: resources.default(small),
    schedulerExtender: resources.default(small),
    localDaemon: resources.default({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } }),
    notebook: resources.default({ requests: { cpu: "250m", memory: "1Gi" }, limits: { cpu: "2", memory: "4Gi" } }),
    workloadDriver: resources.default({ requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "2Gi" } }),
});

/** The distributed-notebook system (seed 000): gateway, scheduler, local daemons, Jupyter front end. */
export const distributedNotebookSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** Namespace of the gateway, its scheduler and the Jupyter front end (Pod Security "restricted"). */
        namespace: dnsLabel.default("distributed-notebook"),
        /** Namespace of the local daemons only: Pod Security "privileged" (device-plugin host paths). */
        daemonNamespace: dnsLabel.default("distributed-notebook-daemons"),
        /**
         * Local daemons (StatefulSet replicas), one per schedulable worker: default one per kind worker.
         * At least 3 (each kernel's 3 replicas need 3 nodes); the gateway labels every worker for each
         * kernel, so a worker without a daemon gets kernel replicas that cannot register.
         */
        localDaemons: count("local daemons", 1).default(KIND_WORKER_COUNT),
        /** Replicas per kernel: the pinned gateway always creates 3, so only 3 is accepted. */
        smrReplicas: count("replicas per kernel", 1).default(KERNEL_REPLICAS),
        /** The gateway's scheduling policy: `static`, the only one the pinned gateway starts with in Kubernetes mode. */
        schedulingPolicy: z
            .enum(SCHEDULING_POLICIES, {
                error: msg(
                    `must be ${SCHEDULING_POLICIES.join(", ")}: the pinned NotebookOS gateway (8862fac) supports only the static policy in Kubernetes mode (${REFUSED_POLICIES.join(", ")} make the gateway panic at start-up)`,
                    "set distributedNotebook.schedulingPolicy to static",
                ),
            })
            .default("static"),
        /** Actual GPUs per node (`gpus-per-host`). */
        gpusPerNode: count("GPUs per node", 1).default(8),
        /** Virtual GPUs each local daemon advertises as `ds2-lab.github.io/deflated-gpu` (upstream: 8 GPUs x 3 oversubscription x 3 replicas). */
        virtualGpusPerNode: count("virtual GPUs per node", 1).default(72),
        /** Autoscaler bounds of the gateway's cluster model (`min_cluster_nodes` / `max_cluster_nodes`); `minNodes` at least 3. */
        minNodes: count("nodes", 1).default(4),
        maxNodes: count("nodes", 1).default(32),
        /**
         * Where kernels checkpoint (`remote-storage`): `local` (each replica's own disk), `redis` or `s3`.
         * HDFS is gone from the pinned kernel; anything else makes every kernel fail at start-up.
         */
        remoteStorage: z
            .enum(REMOTE_STORAGES, { error: msg(`must be one of ${REMOTE_STORAGES.join(", ")} (the backends the pinned kernel's checkpointer accepts; HDFS is no longer supported)`, "set distributedNotebook.remoteStorage to local, redis or s3") })
            .default("local"),
        /**
         * `remote-storage-endpoint`: with `redis` the Redis host (no port: kernels use 6379), with
         * `s3` the bucket name; not set with `local`.
         */
        remoteStorageEndpoint: z.string().optional(),
        ports: portsSchema.prefault({}),
        images: imagesSchema.prefault({}),
        resources: resourcesSchema.prefault({}),
        /** Size of each local daemon's `node-local` claim. */
        nodeLocalStorage: quantity.default("128Mi"),
        /**
         * Type of the `jupyter-notebook` Service (LoadBalancer needs MetalLB on kind; NodePort with
         * `nodePort`, which kind/cluster.yaml maps to the host in dev); the gateway is always ClusterIP.
         */
        serviceType: z.enum(["LoadBalancer", "ClusterIP", "NodePort"], { error: msg("must be LoadBalancer, ClusterIP or NodePort", "set distributedNotebook.serviceType to LoadBalancer, ClusterIP or NodePort") }).default("LoadBalancer"),
        /** The Jupyter server's node port with `serviceType: NodePort` (30000-32767). */
        nodePort: z.number().int().min(30000, { error: msg("is below the NodePort range 30000-32767", "pick a port in 30000-32767") }).max(32767, { error: msg("is above the NodePort range 30000-32767", "pick a port in 30000-32767") }).optional(),
        /**
         * The front end's URL as users reach it (the `distributedNotebookUrl` output). Default: with
         * NodePort, `http://localhost:<nodePort>/` (kind's port mapping); otherwise the Service's
         * load-balancer address, or its cluster DNS name.
         */
        url: z.url({ protocol: /^https?$/, error: msg("is not an http(s) URL", "set distributedNotebook.url to the URL users open, e.g. http://localhost:30888/") }).optional(),
        /** The optional workload driver (a benchmark client). */
        workloadDriver: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
        /** `debug: true` in daemon.yml and `-debug` on the binaries. */
        debug: z.boolean().default(true),
    })
    .superRefine((c, ctx) => {
        if (c.serviceType === "NodePort" && c.nodePort === undefined) {
            ctx.addIssue({ code: "custom", path: ["nodePort"], message: msg("is required with serviceType NodePort", "set distributedNotebook.nodePort to a port in 30000-32767 (in dev, one kind/cluster.yaml maps to the host)") });
        }
        if (c.serviceType !== "NodePort" && c.nodePort !== undefined) {
            ctx.addIssue({ code: "custom", path: ["nodePort"], message: msg(`is set but serviceType is ${c.serviceType}`, "remove distributedNotebook.nodePort or set distributedNotebook.serviceType to NodePort") });
        }
        if (c.smrReplicas !== KERNEL_REPLICAS) {
            ctx.addIssue({
                code: "custom",
                path: ["smrReplicas"],
                message: msg(
                    `is ${c.smrReplicas}, but the pinned NotebookOS gateway (8862fac) always creates ${KERNEL_REPLICAS} replicas per kernel, so no other value takes effect`,
                    `remove distributedNotebook.smrReplicas or set it to ${KERNEL_REPLICAS}`,
                ),
            });
        }
        if (c.localDaemons < KERNEL_REPLICAS) {
            ctx.addIssue({
                code: "custom",
                path: ["localDaemons"],
                message: msg(
                    `is ${c.localDaemons}, but each kernel's ${KERNEL_REPLICAS} replicas need ${KERNEL_REPLICAS} different nodes, each with a local daemon`,
                    `set localDaemons to at least ${KERNEL_REPLICAS} (one per worker node; on kind, the workers of kind/cluster.yaml)`,
                ),
            });
        }
        if (c.minNodes < KERNEL_REPLICAS) {
            ctx.addIssue({
                code: "custom",
                path: ["minNodes"],
                message: msg(`is ${c.minNodes}, but the gateway's static policy panics at start-up below ${KERNEL_REPLICAS} nodes (the replicas of one kernel)`, `set minNodes to at least ${KERNEL_REPLICAS}`),
            });
        }
        if (c.remoteStorage === "local" && c.remoteStorageEndpoint !== undefined) {
            ctx.addIssue({
                code: "custom",
                path: ["remoteStorageEndpoint"],
                message: msg(`is set, but remoteStorage is local, which uses no endpoint`, "remove distributedNotebook.remoteStorageEndpoint, or set remoteStorage to redis or s3"),
            });
        }
        if (c.remoteStorage === "redis" && !(c.remoteStorageEndpoint !== undefined && HOST.test(c.remoteStorageEndpoint))) {
            ctx.addIssue({
                code: "custom",
                path: ["remoteStorageEndpoint"],
                message: msg(
                    c.remoteStorageEndpoint === undefined
                        ? "is required with remoteStorage redis: it is the Redis host the kernels checkpoint to"
                        : `is "${c.remoteStorageEndpoint}", not a host name or IPv4 address: the kernels take it as the Redis host and connect on port 6379`,
                    "set distributedNotebook.remoteStorageEndpoint to the Redis server's host, without a port, e.g. \"redis.example.org\"",
                ),
            });
        }
        if (c.remoteStorage === "s3" && !(c.remoteStorageEndpoint !== undefined && S3_BUCKET.test(c.remoteStorageEndpoint))) {
            ctx.addIssue({
                code: "custom",
                path: ["remoteStorageEndpoint"],
                message: msg(
                    c.remoteStorageEndpoint === undefined
                        ? "is required with remoteStorage s3: it is the bucket the kernels checkpoint to"
                        : `is "${c.remoteStorageEndpoint}", not an S3 bucket name (the kernels take it as the bucket)`,
                    "set distributedNotebook.remoteStorageEndpoint to the bucket's name: 3-63 lower-case letters, digits, dots and hyphens, e.g. \"notebook-checkpoints\"",
                ),
            });
        }
        if (c.virtualGpusPerNode < c.gpusPerNode) {
            ctx.addIssue({ code: "custom", path: ["virtualGpusPerNode"], message: msg(`is ${c.virtualGpusPerNode}, fewer than gpusPerNode (${c.gpusPerNode})`, `set it to at least ${c.gpusPerNode} (upstream: gpusPerNode x 3 oversubscription x 3 replicas)`) });
        }
        if (c.minNodes > c.localDaemons) {
            ctx.addIssue({
                code: "custom",
                path: ["minNodes"],
                message: msg(`is ${c.minNodes}, but only ${c.localDaemons} local daemons (hosts) run`, `lower minNodes to at most ${c.localDaemons} or raise localDaemons`),
            });
        }
        if (c.minNodes > c.maxNodes) {
            ctx.addIssue({ code: "custom", path: ["minNodes"], message: msg(`is ${c.minNodes}, more than maxNodes (${c.maxNodes})`, "set minNodes <= maxNodes") });
        }
        if (c.namespace === c.daemonNamespace) {
            ctx.addIssue({
                code: "custom",
                path: ["daemonNamespace"],
                message: msg("is the same as namespace, but the local daemons need a privileged namespace of their own", "give daemonNamespace another name, e.g. \"distributed-notebook-daemons\""),
            });
        }
        for (const key of ["namespace", "daemonNamespace"] as const) {
            if (c[key] === KERNEL_NAMESPACE) {
                ctx.addIssue({
                    code: "custom",
                    path: [key],
                    message: msg(`is "${KERNEL_NAMESPACE}", where the gateway creates the kernels at run time`, "use a namespace of its own, e.g. \"distributed-notebook\""),
                });
            }
        }
        for (const problem of portCollisions(c.ports)) {
            ctx.addIssue({ code: "custom", path: ["ports", problem.key], message: msg(problem.problem, problem.fix) });
        }
    });
export type DistributedNotebookConfig = z.output<typeof distributedNotebookSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { distributedNotebook: DistributedNotebookConfig; kruise: Enabled; metallb: Enabled; kubernetes: ClusterFacts };

/** Where the gateway creates each kernel's CloneSet, Service and ConfigMap: hard-coded in its Go code. */
export const KERNEL_NAMESPACE = "default";
/** The scheduler extender listens on port 80 (hard-coded in its image's config handling and the scheduler's urlPrefix). */
export const SCHEDULER_EXTENDER_PORT = 80;
/** kube-scheduler's secure port (health probes). */
export const KUBE_SCHEDULER_PORT = 10259;
/** Each kernel replica's debug port (hard-coded in the gateway). */
export const KERNEL_DEBUG_PORT = 8464;
/** The kernels' Prometheus port (PROMETHEUS_METRICS_PORT unset: 8089, kernel.py:680-697). */
export const KERNEL_PROMETHEUS_PORT = 8089;
/**
 * Where ports bound on port 0 land: the default `net.ipv4.ip_local_port_range` of a pod's network
 * namespace. The local daemon's per-kernel IOPub forwarder (common/scheduling/client/kernel.go:1118-1125)
 * and the gateway's per-kernel shell and IOPub sockets (client/distributed.go:199-203) are bound there.
 */
export const EPHEMERAL_PORTS = { from: 32768, to: 60999 } as const;

/** A host name or IPv4 address without a port. */
const HOST = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** An S3 bucket name. */
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Ports that would collide inside one pod: the gateway pod (its listeners, the extender's 80 and the
 * scheduler's 10259), a local daemon pod, and a kernel replica pod. Ports in different pods may
 * repeat (upstream uses 8080 for the gateway, the daemons and the SMR port).
 */
export function portCollisions(p: DistributedNotebookPorts): { key: string; problem: string; fix: string }[] {
    const jupyter = ["kernelRegistry", "hb", "control", "shell", "stdin", "iopub1", "iopub2", "ack"] as const;
    const pods: { pod: string; keys: readonly (keyof DistributedNotebookPorts)[]; fixed: Record<string, number> }[] = [
        {
            pod: "gateway",
            keys: [...jupyter, "gateway", "provisioner", "distributedClusterService", "schedulerHttp", "prometheus"],
            fixed: { "scheduler extender (80)": SCHEDULER_EXTENDER_PORT, "kube-scheduler (10259)": KUBE_SCHEDULER_PORT },
        },
        { pod: "local daemon", keys: [...jupyter, "localDaemon", "prometheus"], fixed: {} },
        {
            pod: "kernel replica",
            keys: ["hb", "control", "shell", "stdin", "iopub1", "iopub2", "ack", "smr", "notebook"],
            fixed: { "kernel debug port (8464)": KERNEL_DEBUG_PORT, "kernel Prometheus (8089)": KERNEL_PROMETHEUS_PORT },
        },
    ];
    const out: { key: string; problem: string; fix: string }[] = [];
    const seen = new Set<string>();
    for (const pod of pods) {
        const owner = new Map<number, string>();
        for (const [name, value] of Object.entries(pod.fixed)) owner.set(value, name);
        for (const key of pod.keys) {
            const value = p[key];
            const taken = owner.get(value);
            if (taken !== undefined) {
                const problem = `is ${value}, which the ${pod.pod} pod already uses for ${taken}`;
                if (!seen.has(key + problem)) out.push({ key, problem, fix: `give ports.${key} a port of its own` });
                seen.add(key + problem);
            } else {
                owner.set(value, `ports.${key}`);
            }
        }
    }
    return out;
}

export const distributedNotebookSecrets: SecretSpec<Reads>[] = [];

/** Checks against other components' settings (run after every schema passes). */
export const distributedNotebookCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        const dn = cfg.distributedNotebook;
        if (!dn.enabled) return;
        if (!cfg.kruise.enabled) {
            report(
                ["kruise", "enabled"],
                "is false, but the distributed-notebook gateway creates OpenKruise CloneSets for every kernel",
                "set kruise.enabled to true (`pulumi config set --path kruise.enabled true`) or disable distributedNotebook",
            );
        }
        if (cfg.kubernetes.distribution === "kind" && dn.localDaemons !== KIND_WORKER_COUNT) {
            report(
                ["distributedNotebook", "localDaemons"],
                `is ${dn.localDaemons}, but kind/cluster.yaml has ${KIND_WORKER_COUNT} workers: the gateway places kernel replicas on every worker, and a replica on a worker without a local daemon cannot register (a daemon beyond the workers stays Pending)`,
                `set localDaemons to ${KIND_WORKER_COUNT}, or change the workers of kind/cluster.yaml and KIND_WORKER_COUNT together`,
            );
        }
        if (dn.serviceType === "LoadBalancer" && !loadBalancerAvailable(cfg)) {
            report(
                ["distributedNotebook", "serviceType"],
                "is LoadBalancer on a kind cluster, but MetalLB is off, so the Jupyter Service would never get an address",
                "set metallb.enabled to true, or distributedNotebook.serviceType to ClusterIP and use `kubectl port-forward`",
            );
        }
        if (cfg.kubernetes.environment === "prod") {
            for (const [key, ref] of Object.entries(dn.images)) {
                if (/:latest$/.test(ref)) {
                    report(["distributedNotebook", "images", key], `is "${ref}": the "latest" tag is not allowed in prod`, "pin a version tag or digest of an image your site built or mirrored, e.g. \"registry.example.org/notebookos/gateway:8862fac\"");
                }
            }
        }
    },
];
