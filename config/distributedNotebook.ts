import { z } from "zod";
import { loadBalancerAvailable } from "./facts";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsLabel, image, port, quantity, resources } from "./types";
import { KUBERNETES_VERSION } from "./kubernetes";

/** Workers in `kind/cluster.yaml`: the default number of local daemons (one per worker). A test keeps them equal. */
export const KIND_WORKER_COUNT = 4;

/** The scheduling policies the gateway knows; each but `default` has its own profile `<policy>-scheduler`. */
export const SCHEDULING_POLICIES = ["static", "dynamic-v3", "dynamic-v4", "default"] as const;
export type SchedulingPolicy = (typeof SCHEDULING_POLICIES)[number];

const count = (what: string, min: number) =>
    z
        .number({ error: msg(`must be a whole number (${what})`, `use a whole number of at least ${min}`) })
        .int({ message: msg("must be a whole number", `use a whole number of at least ${min}`) })
        .min(min, { message: msg(`must be at least ${min}`, `use a whole number of at least ${min}`) });

const portsSchema = z.strictObject({
    /** `kernel-registry-port` / `local-daemon-service-port` (the `tcp` port of gateway and daemons). */
    kernelRegistry: port.default(8075),
    /** Jupyter heartbeat, control, shell, stdin, IOPub (two) and ACK ports of the kernel protocol. */
    hb: port.default(9000),
    control: port.default(9001),
    shell: port.default(9002),
    stdin: port.default(9003),
    iopub1: port.default(9004),
    iopub2: port.default(9005),
    ack: port.default(9006),
    /** First of the resource ports (`res-port-0` ...); their count is `2 x gpusPerNode`. */
    startingResource: port.default(9007),
    /** The gateway's Jupyter gRPC port (`jupyter`), which the kernelspec in the notebook image dials. */
    gateway: port.default(8080),
    /** The gateway's provisioner port, which the local daemons dial. */
    provisioner: port.default(8081),
    /** The distributed-cluster service (dashboard). */
    distributedClusterService: port.default(8079),
    /** The gateway's scheduler HTTP port, called by the scheduler extender on 127.0.0.1. */
    schedulerHttp: port.default(8078),
    /** The local daemon's own gRPC port (`port` in daemon.yml). */
    localDaemon: port.default(8080),
    /** The SMR port of each kernel replica. */
    smr: port.default(8080),
    /** The Jupyter notebook server. */
    notebook: port.default(8888),
    /** Prometheus metrics port of the gateway and daemons (not exposed by any Service, as upstream). */
    prometheus: port.default(8089),
});
export type DistributedNotebookPorts = z.output<typeof portsSchema>;

const imagesSchema = z.strictObject({
    gateway: image.default("docker.io/scusemua/gateway:latest"),
    localDaemon: image.default("docker.io/scusemua/daemon:latest"),
    /** The Jupyter front end; also the kernel image the gateway starts. */
    notebook: image.default("docker.io/scusemua/jupyter-gpu:latest"),
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
        /** Local daemons (StatefulSet replicas), at most one per node: default one per kind worker. */
        localDaemons: count("local daemons", 1).default(KIND_WORKER_COUNT),
        /** SMR replicas per kernel (`num-replicas`); each on its own node, so at most `localDaemons`. */
        smrReplicas: count("replicas per kernel", 1).default(3),
        /** `static`, `dynamic-v3`, `dynamic-v4` (the gateway's own scheduler profiles) or `default` (the cluster's scheduler). */
        schedulingPolicy: z
            .enum(SCHEDULING_POLICIES, { error: msg(`must be one of ${SCHEDULING_POLICIES.join(", ")}`, "set distributedNotebook.schedulingPolicy to static, dynamic-v3, dynamic-v4 or default") })
            .default("static"),
        /** Actual GPUs per node (`gpus-per-host`); the resource ports are twice this many. */
        gpusPerNode: count("GPUs per node", 1).default(8),
        /** Virtual GPUs each local daemon advertises as `ds2-lab.github.io/deflated-gpu` (upstream: 8 GPUs x 3 oversubscription x 3 replicas). */
        virtualGpusPerNode: count("virtual GPUs per node", 1).default(72),
        /** Autoscaler bounds of the gateway's cluster model (`min_cluster_nodes` / `max_cluster_nodes`). */
        minNodes: count("nodes", 1).default(4),
        maxNodes: count("nodes", 1).default(32),
        /** `host:port` of the remote storage (HDFS) the kernels checkpoint to; upstream: the docker0 host. */
        remoteStorageEndpoint: z
            .string()
            .regex(/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:[0-9]{1,5}$/, { message: msg("is not a host:port address", "use e.g. \"172.17.0.1:9000\" or \"hdfs.example.org:9000\"") })
            .default("172.17.0.1:9000"),
        ports: portsSchema.prefault({}),
        images: imagesSchema.prefault({}),
        resources: resourcesSchema.prefault({}),
        /** Size of each local daemon's `node-local` claim. */
        nodeLocalStorage: quantity.default("128Mi"),
        /** Type of the `gateway`, `gateway-provisioner` and `jupyter-notebook` Services (LoadBalancer needs MetalLB on kind). */
        serviceType: z.enum(["LoadBalancer", "ClusterIP"], { error: msg("must be LoadBalancer or ClusterIP", "set distributedNotebook.serviceType to LoadBalancer or ClusterIP") }).default("LoadBalancer"),
        /** The optional workload driver (a benchmark client). */
        workloadDriver: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
        /** `debug: true` in daemon.yml and `-debug` on the binaries. */
        debug: z.boolean().default(true),
    })
    .superRefine((c, ctx) => {
        if (c.localDaemons < c.smrReplicas) {
            ctx.addIssue({
                code: "custom",
                path: ["smrReplicas"],
                message: msg(
                    `is ${c.smrReplicas} but only ${c.localDaemons} local daemons run, and each replica of a kernel needs its own node`,
                    `lower smrReplicas or raise localDaemons (and the kind workers) to at least ${c.smrReplicas}`,
                ),
            });
        }
        if (c.virtualGpusPerNode < c.gpusPerNode) {
            ctx.addIssue({ code: "custom", path: ["virtualGpusPerNode"], message: msg(`is ${c.virtualGpusPerNode}, fewer than gpusPerNode (${c.gpusPerNode})`, `set it to at least ${c.gpusPerNode} (upstream: gpusPerNode x 3 x smrReplicas)`) });
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
        for (const problem of portCollisions(c.ports, c.gpusPerNode)) {
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

/** Number of `res-port-N` ports: `max_actual_gpu_per_node / granularity x 2`, as upstream. */
export function resourcePortCount(gpusPerNode: number): number {
    return gpusPerNode * 2;
}

/**
 * Ports that would collide inside one pod: the gateway pod (every Jupyter port, its own ports, the
 * extender's 80 and the scheduler's 10259), a local daemon pod, and a kernel replica pod. Ports in
 * different pods may repeat (upstream uses 8080 for the gateway, the daemons and the SMR port).
 */
export function portCollisions(p: DistributedNotebookPorts, gpusPerNode: number): { key: string; problem: string; fix: string }[] {
    const first = p.startingResource;
    const last = first + resourcePortCount(gpusPerNode) - 1;
    const jupyter = ["kernelRegistry", "hb", "control", "shell", "stdin", "iopub1", "iopub2", "ack"] as const;
    const pods: { pod: string; keys: readonly (keyof DistributedNotebookPorts)[]; fixed: Record<string, number>; range: boolean }[] = [
        {
            pod: "gateway",
            keys: [...jupyter, "gateway", "provisioner", "distributedClusterService", "schedulerHttp", "prometheus"],
            fixed: { "scheduler extender (80)": SCHEDULER_EXTENDER_PORT, "kube-scheduler (10259)": KUBE_SCHEDULER_PORT },
            range: true,
        },
        { pod: "local daemon", keys: [...jupyter, "localDaemon", "prometheus"], fixed: {}, range: true },
        { pod: "kernel replica", keys: ["hb", "control", "shell", "stdin", "iopub1", "iopub2", "ack", "smr", "notebook"], fixed: { "kernel debug port (8464)": KERNEL_DEBUG_PORT }, range: false },
    ];
    const out: { key: string; problem: string; fix: string }[] = [];
    const seen = new Set<string>();
    const report = (key: string, problem: string, fix: string) => {
        if (seen.has(key + problem)) return;
        seen.add(key + problem);
        out.push({ key, problem, fix });
    };
    if (last > 65535) report("startingResource", `starts a range of ${resourcePortCount(gpusPerNode)} resource ports that ends past 65535 (at ${last})`, "lower ports.startingResource");
    for (const pod of pods) {
        const owner = new Map<number, string>();
        for (const [name, value] of Object.entries(pod.fixed)) owner.set(value, name);
        for (const key of pod.keys) {
            const value = p[key];
            const taken = owner.get(value);
            if (taken !== undefined) {
                report(key, `is ${value}, which the ${pod.pod} pod already uses for ${taken}`, `give ports.${key} a port of its own`);
            } else if (pod.range && value >= first && value <= last) {
                report(key, `is ${value}, inside the resource port range ${first}-${last} of the ${pod.pod} pod`, `move ports.${key} or ports.startingResource so they do not overlap`);
            } else {
                owner.set(value, `ports.${key}`);
            }
        }
        if (pod.range) {
            for (const [value, name] of owner) {
                if (!name.startsWith("ports.") && value >= first && value <= last) {
                    report("startingResource", `puts the resource port range ${first}-${last} over the ${name} in the ${pod.pod} pod`, "move ports.startingResource");
                }
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
        if (dn.serviceType === "LoadBalancer" && !loadBalancerAvailable(cfg)) {
            report(
                ["distributedNotebook", "serviceType"],
                "is LoadBalancer on a kind cluster, but MetalLB is off, so the gateway and Jupyter Services would never get an address",
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
