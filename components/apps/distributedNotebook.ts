import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import type { Environment } from "../../config";
import {
    DistributedNotebookConfig,
    KERNEL_NAMESPACE,
    KUBE_SCHEDULER_PORT,
    SCHEDULER_EXTENDER_PORT,
    SCHEDULING_POLICIES,
    SchedulingPolicy,
    resourcePortCount,
} from "../../config/distributedNotebook";
import type { ClusterHandles } from "../cluster/handles";
import { appLabels } from "../k8s/labels";
import { policyException } from "../k8s/policyException";
import { podSecurityNamespace } from "../k8s/namespace";
import { Allow, Peer, apiServerAllow, isolateNamespace } from "../k8s/networkPolicy";
import { opaqueSecret } from "../k8s/secret";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/securityContext";

import Input = k8s.types.input.core.v1;

/** The names the images and the gateway's Go code hard-code: never change them. */
export const NAMES = {
    daemonConfigMap: "daemon-configmap",
    kernelEntrypointConfigMap: "kernel-entrypoint-configmap",
    schedulerExtenderConfigMap: "scheduler-extender-configuration",
    kubeSchedulerConfigMap: "kube-scheduler-config",
    gateway: "gateway",
    gatewayProvisioner: "gateway-provisioner",
    localDaemon: "local-daemon",
    localDaemonService: "local-daemon-network",
    daemonService: "daemon-network",
    notebook: "jupyter-notebook",
    workloadDriver: "workload-driver",
    schedulerServiceAccount: "scheduler-extender",
    localDaemonServiceAccount: "local-daemon-service-account",
    leaderElectionLease: "scheduler-extender",
} as const;

/** Where the config files are mounted (`common.config_file_dir` upstream; the gateway also writes kernel files there). */
const CONFIG_DIR = "/kernel-configmap";
const IPYTHON_CONFIG_PATH = "/home/jovyan/.ipython/profile_default/ipython_config.json";
const DEVICE_PLUGIN_PATH = "/var/lib/kubelet/device-plugins/";
const POD_RESOURCES_PATH = "/var/lib/kubelet/pod-resources/";
const WORKLOAD_DRIVER_PORT = 8000;
/** The extended resource the local daemons advertise as device plugins. */
export const VIRTUAL_GPU_RESOURCE = "ds2-lab.github.io/deflated-gpu";
/** The Jupyter images run as jovyan (uid 1000, gid 100). */
const JOVYAN = { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 };

/**
 * `daemon.yml`, read by the gateway and every local daemon: the keys exactly as the Go code reads
 * them (mixed dashes and underscores are upstream's).
 */
export interface DaemonYaml {
    "kernel-registry-port": number;
    port: number;
    "provisioner-port": number;
    "distributed-cluster-service-port": number;
    provisioner: string;
    "hb-port": number;
    "control-port": number;
    "shell-port": number;
    "stdin-port": number;
    "iopub-port": number;
    "iosub-port": number;
    "ack-port": number;
    "remote-storage-endpoint": string;
    debug: boolean;
    direct: boolean;
    "num-replicas": number;
    "max-subscribed-ratio": number;
    "local-daemon-service-name": string;
    "global-daemon-service-name": string;
    "local-daemon-service-port": number;
    "ipython-config-path": string;
    "smr-port": number;
    "kube-namespace": string;
    "starting-resource-port": number;
    "num-resource-ports": number;
    "use-stateful-set": boolean;
    "device-plugin-path": string;
    "notebook-image-name": string;
    "notebook-image-tag": string;
    "scheduler-http-port": number;
    "scheduling-policy": SchedulingPolicy;
    "subscribed-ratio-update-interval": number;
    "num-virtual-gpus-per-node": number;
    "scaling-factor": number;
    "scaling-interval": number;
    "scaling-limit": number;
    "scaling-in-limit": number;
    predictive_autoscaling: boolean;
    "scaling-buffer-size": number;
    min_cluster_nodes: number;
    max_cluster_nodes: number;
    "gpus-per-host": number;
    deployment_mode: "kubernetes";
    local_mode: boolean;
    "execution-time-sampling-window": number;
    "migration-time-sampling-window": number;
    prometheus_interval: number;
    prometheus_port: number;
    num_resend_attempts: number;
    acks_enabled: boolean;
    simulate_checkpointing_latency: boolean;
}

/** Split an image reference into name and tag (or digest) as the gateway wants them for kernels. */
export function splitImage(ref: string): { name: string; tag: string } {
    const at = ref.indexOf("@");
    if (at >= 0) return { name: ref.slice(0, at), tag: ref.slice(at + 1) };
    const colon = ref.lastIndexOf(":");
    return colon > ref.lastIndexOf("/") ? { name: ref.slice(0, colon), tag: ref.slice(colon + 1) } : { name: ref, tag: "latest" };
}

/** The typed content of `daemon.yml`; constants are upstream's rendered defaults. */
export function daemonYaml(c: DistributedNotebookConfig): DaemonYaml {
    const p = c.ports;
    const notebook = splitImage(c.images.notebook);
    return {
        "kernel-registry-port": p.kernelRegistry,
        port: p.localDaemon,
        "provisioner-port": p.provisioner,
        "distributed-cluster-service-port": p.distributedClusterService,
        // Short name: resolves in every namespace through the `gateway` alias Services.
        provisioner: `${NAMES.gateway}:${p.provisioner}`,
        "hb-port": p.hb,
        "control-port": p.control,
        "shell-port": p.shell,
        "stdin-port": p.stdin,
        "iopub-port": p.iopub1,
        "iosub-port": p.iopub2,
        "ack-port": p.ack,
        "remote-storage-endpoint": c.remoteStorageEndpoint,
        debug: c.debug,
        direct: false,
        "num-replicas": c.smrReplicas,
        "max-subscribed-ratio": 7.0,
        "local-daemon-service-name": NAMES.localDaemonService,
        "global-daemon-service-name": NAMES.daemonService,
        "local-daemon-service-port": p.kernelRegistry,
        "ipython-config-path": IPYTHON_CONFIG_PATH,
        "smr-port": p.smr,
        "kube-namespace": KERNEL_NAMESPACE,
        "starting-resource-port": p.startingResource,
        "num-resource-ports": resourcePortCount(c.gpusPerNode),
        "use-stateful-set": false,
        "device-plugin-path": DEVICE_PLUGIN_PATH,
        "notebook-image-name": notebook.name,
        "notebook-image-tag": notebook.tag,
        "scheduler-http-port": p.schedulerHttp,
        "scheduling-policy": c.schedulingPolicy,
        "subscribed-ratio-update-interval": 1.0,
        "num-virtual-gpus-per-node": c.virtualGpusPerNode,
        "scaling-factor": 1.05,
        "scaling-interval": 30,
        "scaling-limit": 1.1,
        "scaling-in-limit": 2.0,
        predictive_autoscaling: true,
        "scaling-buffer-size": 3,
        min_cluster_nodes: c.minNodes,
        max_cluster_nodes: c.maxNodes,
        "gpus-per-host": c.gpusPerNode,
        deployment_mode: "kubernetes",
        local_mode: false,
        "execution-time-sampling-window": 10,
        "migration-time-sampling-window": 10,
        prometheus_interval: 15,
        prometheus_port: p.prometheus,
        num_resend_attempts: 1,
        acks_enabled: true,
        simulate_checkpointing_latency: true,
    };
}

/** Profile name for a policy, as the gateway sets `schedulerName` on kernel CloneSets. */
export function schedulerName(policy: SchedulingPolicy): string {
    return `${policy}-scheduler`;
}

/** Share of nodes each profile scores (upstream: 100, 100, 25). */
const PERCENTAGE_OF_NODES_TO_SCORE: Record<Exclude<SchedulingPolicy, "default">, number> = { static: 100, "dynamic-v3": 100, "dynamic-v4": 25 };

/** The second kube-scheduler's configuration: one profile per policy the gateway may name, and the extender. */
export function kubeSchedulerConfiguration(namespace: string): Record<string, unknown> {
    const policies = SCHEDULING_POLICIES.filter((p): p is Exclude<SchedulingPolicy, "default"> => p !== "default");
    return {
        apiVersion: "kubescheduler.config.k8s.io/v1",
        kind: "KubeSchedulerConfiguration",
        profiles: policies.map((p) => ({ schedulerName: schedulerName(p), percentageOfNodesToScore: PERCENTAGE_OF_NODES_TO_SCORE[p] })),
        extenders: [
            {
                urlPrefix: `http://localhost:${SCHEDULER_EXTENDER_PORT}/`,
                filterVerb: "filter",
                prioritizeVerb: "",
                preemptVerb: "",
                bindVerb: "",
                weight: 1,
                enableHTTPS: false,
                nodeCacheCapable: false,
                tlsConfig: { insecure: true },
            },
        ],
        leaderElection: { leaderElect: true, resourceName: NAMES.leaderElectionLease, resourceNamespace: namespace },
    };
}

/** The scheduler extender's own `config.yaml`. */
export function schedulerExtenderConfig(c: DistributedNotebookConfig): Record<string, unknown> {
    return { port: SCHEDULER_EXTENDER_PORT, "cluster-gateway-port": c.ports.schedulerHttp };
}

/** The kernel entrypoint: put the replica's SMR id into the IPython config, then start the kernel. */
export const KERNEL_ENTRYPOINT = [
    "#!/bin/sh",
    "# Written by research-platform (distributed-notebook). The 7th dash-separated field of the pod name is the replica id.",
    `sed "s/-987654321/$(echo $POD_NAME | cut -d - -f 7)/" ${CONFIG_DIR}/ipython_config.json >> $IPYTHON_CONFIG_PATH`,
    "/opt/conda/bin/python3 -m distributed_notebook.kernel -f $CONNECTION_FILE_PATH --debug --IPKernelApp.outstream_class=distributed_notebook.kernel.iostream.OutStream",
    "sleep 9999",
    "",
].join("\n");

const toYaml = (doc: unknown): string => stringify(doc, { lineWidth: 0 });

/** Kubernetes minor version of an image tag such as `v1.29.2` (undefined for digests or other tags). */
export function kubeMinor(ref: string): number | undefined {
    const m = /:v1\.(\d+)(\.\d+)?/.exec(ref);
    return m ? Number(m[1]) : undefined;
}

interface NamedPort {
    name: string;
    port: number;
}

/** The Jupyter ports with upstream's names: `tcp` (kernel registry), the kernel sockets and the ACK port. */
function jupyterPorts(c: DistributedNotebookConfig, style: "gateway" | "daemon" | "notebook"): NamedPort[] {
    const p = c.ports;
    const suffix = style === "gateway" ? "-port" : "";
    return [
        { name: "tcp", port: p.kernelRegistry },
        { name: `hb${suffix}`, port: p.hb },
        { name: `control${suffix}`, port: p.control },
        { name: `shell${suffix}`, port: p.shell },
        { name: `stdin${suffix}`, port: p.stdin },
        { name: style === "gateway" ? "iopub-port1" : "iopub1", port: p.iopub1 },
        { name: style === "gateway" ? "iopub-port2" : "iopub2", port: p.iopub2 },
        { name: style === "gateway" ? "ack-port" : "ack", port: p.ack },
    ];
}

export function resourcePorts(c: DistributedNotebookConfig): NamedPort[] {
    return Array.from({ length: resourcePortCount(c.gpusPerNode) }, (_, i) => ({ name: `res-port-${i}`, port: c.ports.startingResource + i }));
}

/** Ports of the gateway container and the `gateway` Service (upstream's list). */
export function gatewayPorts(c: DistributedNotebookConfig): NamedPort[] {
    return [
        { name: "dst-clstr-srvc", port: c.ports.distributedClusterService },
        { name: "jupyter", port: c.ports.gateway },
        { name: "provisioner", port: c.ports.provisioner },
        ...jupyterPorts(c, "gateway"),
        ...resourcePorts(c),
    ];
}

/** Ports of a local daemon and of both daemon Services (upstream left ACK out of `daemon-network`; it is added here). */
export function daemonPorts(c: DistributedNotebookConfig): NamedPort[] {
    return [...jupyterPorts(c, "daemon"), ...resourcePorts(c)];
}

const containerPorts = (ports: NamedPort[]): Input.ContainerPort[] => ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" }));
const servicePorts = (ports: NamedPort[]): Input.ServicePort[] => ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" }));
const pullPolicy = (ref: string): string => (/:latest$/.test(ref) ? "Always" : "IfNotPresent");
const fieldEnv = (name: string, fieldPath: string): Input.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

export interface DistributedNotebookArgs {
    /** `distributedNotebook` from the validated config. */
    config: DistributedNotebookConfig;
    /** The platform's Kubernetes provider. */
    provider: k8s.Provider;
    /** `prod` protects the local daemons' StatefulSet, namespace and claims. */
    environment: Environment;
    /** What the add-ons hand over: OpenKruise then metrics-server, the storage class, the MetalLB pools. */
    handles: Pick<ClusterHandles, "notebookPrerequisites" | "storageClassName" | "storageReady" | "loadBalancerReady" | "network">;
}

/**
 * Everything the distributed-notebook (NotebookOS) Helm chart deploys, as typed objects: RBAC with
 * least privilege, the four ConfigMaps, the gateway (gateway, second kube-scheduler, scheduler
 * extender), the local daemons, the Jupyter front end and the optional workload driver. Every
 * child waits on OpenKruise then metrics-server (`handles.notebookPrerequisites`).
 */
export class DistributedNotebook extends pulumi.ComponentResource {
    /** Jupyter front-end URL. */
    readonly notebookUrl: pulumi.Output<string>;
    /** The gateway's Jupyter gRPC address (`host:port`). */
    readonly gatewayAddress: pulumi.Output<string>;
    /** The Jupyter token (secret). */
    readonly notebookToken: pulumi.Output<string>;

    constructor(name: string, args: DistributedNotebookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:DistributedNotebook", name, args, opts);
        const c = args.config;
        const h = args.handles;
        const prod = args.environment === "prod";
        const base = [...h.notebookPrerequisites];
        const lbReady = c.serviceType === "LoadBalancer" ? h.loadBalancerReady : [];
        const child = (dependsOn: pulumi.Resource[] = [], extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
            parent: this,
            provider: args.provider,
            ...extra,
            dependsOn: [...base, ...dependsOn],
        });
        const labels = (app: string, component: string) => ({ ...appLabels("distributed-notebook", { component, instance: name }), app });
        const selector = (app: string) => ({ app, "app.kubernetes.io/instance": name });

        // Namespaces: the gateway and front end meet "restricted"; the local daemons cannot.
        const ns = podSecurityNamespace(`${name}-ns`, { name: c.namespace, podSecurity: "restricted" }, child());
        const daemonNs = podSecurityNamespace(
            `${name}-daemon-ns`,
            {
                name: c.daemonNamespace,
                podSecurity: "privileged",
                reason:
                    "the distributed-notebook local daemon is a kubelet device plugin: it mounts the host paths /var/lib/kubelet/device-plugins/ (to register its socket) and /var/lib/kubelet/pod-resources/ (to read GPU assignments), which only the privileged level allows; nothing else runs here",
            },
            child([], { protect: prod, retainOnDelete: prod }),
        );
        const namespace = ns.metadata.name;
        const daemonNamespace = daemonNs.metadata.name;

        // Isolation of both namespaces, from the wiring: the gateway, front end and driver talk freely
        // among themselves, the daemons among themselves; the gateway side reaches the daemons on the
        // daemon ports and the daemons reach the gateway on its ports; both reach the kernels (in
        // `default`, created by the gateway at run time) and take kernel traffic on those ports; the
        // gateway and daemons use the API server; LoadBalancer Services open the gateway's and front
        // end's ports to everyone.
        const ports = (list: NamedPort[]) => list.map((p) => ({ port: p.port }));
        const kernels: Peer = { namespace: KERNEL_NAMESPACE };
        const publicly = c.serviceType === "LoadBalancer";
        const gatewaySideAllows: Allow[] = [
            { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "gateway, scheduler, front end and workload driver call each other" },
            { name: "gateway", pods: selector(NAMES.gateway), from: [{ namespace: c.daemonNamespace }, kernels, ...(publicly ? [{ anywhere: true } as Peer] : [])], ports: ports(gatewayPorts(c)), reason: "daemons and kernels register with the gateway" + (publicly ? "; its LoadBalancer Service takes clients" : "") },
            ...(publicly ? [{ name: "notebook", pods: selector(NAMES.notebook), from: [{ anywhere: true } as Peer], ports: ports([{ name: "nb-server", port: c.ports.notebook }, ...jupyterPorts(c, "notebook")]), reason: "the Jupyter front end's LoadBalancer Service" }] : []),
            { name: "to-daemons", to: [{ namespace: c.daemonNamespace }], ports: ports(daemonPorts(c)), reason: "the gateway drives the local daemons" },
            { name: "to-kernels", to: [kernels], reason: "the gateway and front end talk to kernel replicas on their per-kernel ports" },
            apiServerAllow(h.network, selector(NAMES.gateway), "the gateway creates kernels (CloneSets) and runs the second kube-scheduler"),
        ];
        isolateNamespace(`${name}-netpol`, { namespace: c.namespace, app: "distributed-notebook", network: h.network, allows: gatewaySideAllows }, child([ns]));
        const daemonAllows: Allow[] = [
            { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "local daemons exchange replica state" },
            { name: "daemons", from: [{ namespace: c.namespace }, kernels], ports: ports(daemonPorts(c)), reason: "the gateway and kernels call the local daemon on the node" },
            { name: "to-gateway", to: [{ namespace: c.namespace }], ports: ports(gatewayPorts(c)), reason: "daemons register with the gateway" },
            { name: "to-kernels", to: [kernels], reason: "daemons drive the kernel replicas on their node" },
            apiServerAllow(h.network, undefined, "the local daemon reads its node's pods"),
        ];
        isolateNamespace(`${name}-daemon-netpol`, { namespace: c.daemonNamespace, app: "distributed-notebook", network: h.network, allows: daemonAllows }, child([daemonNs]));

        // ---- RBAC (replaces upstream's cluster-admin binding) ----
        const gatewaySa = new k8s.core.v1.ServiceAccount(
            `${name}-scheduler-extender-sa`,
            { metadata: { name: NAMES.schedulerServiceAccount, namespace, labels: labels(NAMES.gateway, "gateway") }, automountServiceAccountToken: true },
            child(),
        );
        const gatewaySubject = [{ kind: "ServiceAccount", name: NAMES.schedulerServiceAccount, namespace: c.namespace }];
        const gatewayClusterRole = new k8s.rbac.v1.ClusterRole(
            `${name}-gateway-clusterrole`,
            {
                metadata: { name: `${c.namespace}-gateway`, labels: labels(NAMES.gateway, "gateway") },
                rules: [
                    // The gateway labels every worker node `<kernelId>: "true"` for the kernel's node affinity.
                    { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "patch", "update"] },
                    { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
                ],
            },
            child(),
        );
        const gatewayRole = new k8s.rbac.v1.Role(
            `${name}-gateway-kernels-role`,
            {
                metadata: { name: `${c.namespace}-gateway-kernels`, namespace: KERNEL_NAMESPACE, labels: labels(NAMES.gateway, "gateway") },
                rules: [
                    // Per-kernel ConfigMap, headless Service and CloneSet, and the kernel pods it watches, labels and migrates.
                    { apiGroups: [""], resources: ["pods", "services", "configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                    { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch", "create", "patch"] },
                    { apiGroups: ["apps.kruise.io"], resources: ["clonesets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                ],
            },
            child(),
        );
        const leaderRole = new k8s.rbac.v1.Role(
            `${name}-scheduler-leader-role`,
            {
                metadata: { name: "scheduler-extender-leader-election", namespace, labels: labels(NAMES.gateway, "kube-scheduler") },
                rules: [
                    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
                    { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [NAMES.leaderElectionLease], verbs: ["get", "update", "patch"] },
                ],
            },
            child(),
        );
        const bindings: pulumi.Resource[] = [
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-gateway-crb`,
                {
                    metadata: { name: `${c.namespace}-gateway`, labels: labels(NAMES.gateway, "gateway") },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: gatewayClusterRole.metadata.name },
                    subjects: gatewaySubject,
                },
                child(),
            ),
            new k8s.rbac.v1.RoleBinding(
                `${name}-gateway-kernels-rb`,
                {
                    metadata: { name: `${c.namespace}-gateway-kernels`, namespace: KERNEL_NAMESPACE, labels: labels(NAMES.gateway, "gateway") },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: gatewayRole.metadata.name },
                    subjects: gatewaySubject,
                },
                child(),
            ),
            // The second kube-scheduler: the built-in roles of the default scheduler, its lease, and the
            // authentication config it reads for delegated authn on its health port.
            ...(["system:kube-scheduler", "system:volume-scheduler"] as const).map(
                (role) =>
                    new k8s.rbac.v1.ClusterRoleBinding(
                        `${name}-${role.replace(":", "-")}-crb`,
                        {
                            metadata: { name: `${c.namespace}-${role.replace("system:", "")}`, labels: labels(NAMES.gateway, "kube-scheduler") },
                            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
                            subjects: gatewaySubject,
                        },
                        child(),
                    ),
            ),
            new k8s.rbac.v1.RoleBinding(
                `${name}-scheduler-leader-rb`,
                {
                    metadata: { name: "scheduler-extender-leader-election", namespace, labels: labels(NAMES.gateway, "kube-scheduler") },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderRole.metadata.name },
                    subjects: gatewaySubject,
                },
                child(),
            ),
            new k8s.rbac.v1.RoleBinding(
                `${name}-scheduler-auth-reader-rb`,
                {
                    metadata: { name: `${c.namespace}-scheduler-auth-reader`, namespace: "kube-system", labels: labels(NAMES.gateway, "kube-scheduler") },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" },
                    subjects: gatewaySubject,
                },
                child(),
            ),
        ];

        const daemonSa = new k8s.core.v1.ServiceAccount(
            `${name}-local-daemon-sa`,
            { metadata: { name: NAMES.localDaemonServiceAccount, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "local-daemon") }, automountServiceAccountToken: true },
            child(),
        );
        const daemonClusterRole = new k8s.rbac.v1.ClusterRole(
            `${name}-local-daemon-clusterrole`,
            {
                metadata: { name: `${c.daemonNamespace}-local-daemon`, labels: labels(NAMES.localDaemon, "local-daemon") },
                rules: [
                    // Upstream's `pod-access-role` granted every verb; the daemon reads pods and records events.
                    { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
                    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
                ],
            },
            child(),
        );
        const daemonBinding = new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-local-daemon-crb`,
            {
                metadata: { name: `${c.daemonNamespace}-local-daemon`, labels: labels(NAMES.localDaemon, "local-daemon") },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: daemonClusterRole.metadata.name },
                subjects: [{ kind: "ServiceAccount", name: NAMES.localDaemonServiceAccount, namespace: c.daemonNamespace }],
            },
            child(),
        );

        // ---- ConfigMaps ----
        const daemonYml = toYaml(daemonYaml(c));
        const gatewayDaemonCm = new k8s.core.v1.ConfigMap(
            `${name}-daemon-configmap`,
            { metadata: { name: NAMES.daemonConfigMap, namespace, labels: labels(NAMES.gateway, "config") }, data: { "daemon.yml": daemonYml } },
            child(),
        );
        const localDaemonCm = new k8s.core.v1.ConfigMap(
            `${name}-daemon-configmap-daemons`,
            { metadata: { name: NAMES.daemonConfigMap, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "config") }, data: { "daemon.yml": daemonYml } },
            child(),
        );
        new k8s.core.v1.ConfigMap(
            `${name}-kernel-entrypoint-configmap`,
            {
                metadata: { name: NAMES.kernelEntrypointConfigMap, namespace: KERNEL_NAMESPACE, labels: labels("kernel", "config") },
                data: { "kernel-entrypoint.sh": KERNEL_ENTRYPOINT },
            },
            child(),
        );
        const extenderCm = new k8s.core.v1.ConfigMap(
            `${name}-scheduler-extender-configuration`,
            { metadata: { name: NAMES.schedulerExtenderConfigMap, namespace, labels: labels(NAMES.gateway, "config") }, data: { "config.yaml": toYaml(schedulerExtenderConfig(c)) } },
            child(),
        );
        const schedulerCm = new k8s.core.v1.ConfigMap(
            `${name}-kube-scheduler-config`,
            { metadata: { name: NAMES.kubeSchedulerConfigMap, namespace, labels: labels(NAMES.gateway, "config") }, data: { "config.yaml": toYaml(kubeSchedulerConfiguration(c.namespace)) } },
            child(),
        );

        // ---- Alias Services: the images dial short names (`gateway:8081`, `local-daemon-network`), so
        // each short name resolves in every namespace that uses it, including the kernels' `default`.
        const alias = (service: string, targetNs: string, inNs: string, dependsOn: pulumi.Resource[]) =>
            new k8s.core.v1.Service(
                `${name}-alias-${inNs}-${service}`,
                {
                    metadata: { name: service, namespace: inNs, labels: labels(service, "alias") },
                    spec: { type: "ExternalName", externalName: `${service}.${targetNs}.svc.cluster.local` },
                },
                child(dependsOn),
            );
        const aliases: pulumi.Resource[] = [
            alias(NAMES.gateway, c.namespace, c.daemonNamespace, [daemonNs]),
            alias(NAMES.gateway, c.namespace, KERNEL_NAMESPACE, []),
            alias(NAMES.localDaemonService, c.daemonNamespace, c.namespace, [ns]),
            alias(NAMES.localDaemonService, c.daemonNamespace, KERNEL_NAMESPACE, []),
            alias(NAMES.daemonService, c.daemonNamespace, c.namespace, [ns]),
            alias(NAMES.daemonService, c.daemonNamespace, KERNEL_NAMESPACE, []),
        ];

        // ---- Gateway: gateway, second kube-scheduler, scheduler extender ----
        const schedulerArgs = ["--config=/scheduler-extender/config.yaml", "--bind-address=0.0.0.0", "--leader-elect=true", "-v=4"];
        const minor = kubeMinor(c.images.kubeScheduler);
        // StatefulSetStartOrdinal is GA (and locked on) from 1.31: upstream passed the gate; keep it only where accepted.
        if (minor !== undefined && minor < 31) schedulerArgs.splice(2, 0, "--feature-gates=StatefulSetStartOrdinal=true");
        const tmp = (mountPath = "/tmp"): Input.VolumeMount => ({ name: "tmp", mountPath });
        const gatewayLabels = { ...labels(NAMES.gateway, "gateway"), component: "kube-scheduler" };
        new k8s.apps.v1.Deployment(
            `${name}-gateway`,
            {
                metadata: {
                    name: NAMES.gateway,
                    namespace,
                    labels: gatewayLabels,
                    annotations: {
                        ...policyException("automount-service-account-token", "the gateway creates kernel CloneSets, Services and ConfigMaps, and its scheduler binds pods"),
                        ...policyException("prod-replicas", "one gateway owns the cluster state and the scheduler's leader lease; it runs once, with strategy Recreate"),
                    },
                },
                spec: {
                    replicas: 1,
                    // One gateway owns the cluster state and the scheduler lease: never two at once.
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: selector(NAMES.gateway) },
                    template: {
                        metadata: { labels: gatewayLabels },
                        spec: {
                            serviceAccountName: NAMES.schedulerServiceAccount,
                            automountServiceAccountToken: true,
                            securityContext: {
                                ...restrictedPodSecurityContext(),
                                // The extender listens on port 80 as a non-root user: a "safe" sysctl allowed by "restricted".
                                sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
                            },
                            containers: [
                                {
                                    name: "gateway",
                                    image: c.images.gateway,
                                    imagePullPolicy: pullPolicy(c.images.gateway),
                                    command: ["./gateway", "-yaml", `${CONFIG_DIR}/daemon.yml`, ...(c.debug ? ["-debug"] : [])],
                                    ports: containerPorts(gatewayPorts(c)),
                                    env: [
                                        { name: "SHARED_CONFIG_DIR", value: CONFIG_DIR },
                                        { name: "IPYTHON_CONFIG_PATH", value: IPYTHON_CONFIG_PATH },
                                        // Upstream's name: it carries the pod name.
                                        fieldEnv("NODE_NAME", "metadata.name"),
                                    ],
                                    volumeMounts: [
                                        // The gateway writes kernel files next to daemon.yml: a writable directory with the file mounted inside.
                                        { name: "shared-config", mountPath: CONFIG_DIR },
                                        { name: "gateway-config-file", mountPath: `${CONFIG_DIR}/daemon.yml`, subPath: "daemon.yml", readOnly: true },
                                        tmp(),
                                    ],
                                    resources: c.resources.gateway,
                                    startupProbe: { tcpSocket: { port: c.ports.provisioner }, periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { tcpSocket: { port: c.ports.provisioner }, periodSeconds: 10 },
                                    livenessProbe: { tcpSocket: { port: c.ports.provisioner }, periodSeconds: 20, failureThreshold: 3 },
                                    securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                                },
                                {
                                    name: "scheduler-ctr",
                                    image: c.images.kubeScheduler,
                                    imagePullPolicy: pullPolicy(c.images.kubeScheduler),
                                    command: ["kube-scheduler"],
                                    args: schedulerArgs,
                                    volumeMounts: [{ name: NAMES.kubeSchedulerConfigMap, mountPath: "/scheduler-extender", readOnly: true }],
                                    resources: c.resources.kubeScheduler,
                                    readinessProbe: { httpGet: { path: "/healthz", port: KUBE_SCHEDULER_PORT, scheme: "HTTPS" }, periodSeconds: 10 },
                                    livenessProbe: { httpGet: { path: "/healthz", port: KUBE_SCHEDULER_PORT, scheme: "HTTPS" }, initialDelaySeconds: 15, periodSeconds: 20 },
                                    securityContext: restrictedContainerSecurityContext(),
                                },
                                {
                                    name: "scheduler-extender-ctr",
                                    image: c.images.schedulerExtender,
                                    imagePullPolicy: pullPolicy(c.images.schedulerExtender),
                                    command: ["./scheduler_extender", "-yaml", "/scheduler-extender-configuration/config.yaml", ...(c.debug ? ["-debug"] : [])],
                                    ports: [{ name: "http", containerPort: SCHEDULER_EXTENDER_PORT, protocol: "TCP" }],
                                    volumeMounts: [
                                        { name: NAMES.schedulerExtenderConfigMap, mountPath: "/scheduler-extender-configuration/config.yaml", subPath: "config.yaml", readOnly: true },
                                        tmp(),
                                    ],
                                    resources: c.resources.schedulerExtender,
                                    readinessProbe: { httpGet: { path: "/version", port: SCHEDULER_EXTENDER_PORT }, periodSeconds: 10 },
                                    livenessProbe: { httpGet: { path: "/version", port: SCHEDULER_EXTENDER_PORT }, initialDelaySeconds: 10, periodSeconds: 20 },
                                    securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                                },
                            ],
                            volumes: [
                                // Upstream 0600; 0440 so the non-root user reads it through the pod's group.
                                { name: "gateway-config-file", configMap: { name: NAMES.daemonConfigMap, defaultMode: 0o440 } },
                                { name: NAMES.kubeSchedulerConfigMap, configMap: { name: NAMES.kubeSchedulerConfigMap } },
                                { name: NAMES.schedulerExtenderConfigMap, configMap: { name: NAMES.schedulerExtenderConfigMap } },
                                { name: "shared-config", emptyDir: {} },
                                { name: "tmp", emptyDir: {} },
                            ],
                        },
                    },
                },
            },
            child([gatewayDaemonCm, schedulerCm, extenderCm, gatewaySa, ...bindings]),
        );

        const gatewayService = new k8s.core.v1.Service(
            `${name}-gateway-svc`,
            {
                metadata: { name: NAMES.gateway, namespace, labels: labels(NAMES.gateway, "gateway") },
                spec: { type: c.serviceType, selector: selector(NAMES.gateway), ports: servicePorts(gatewayPorts(c)) },
            },
            child(lbReady),
        );
        new k8s.core.v1.Service(
            `${name}-gateway-provisioner-svc`,
            {
                metadata: { name: NAMES.gatewayProvisioner, namespace, labels: labels(NAMES.gateway, "gateway") },
                // Upstream numbered this `provisioner` port 8080 (the Jupyter port): it is the provisioner port here.
                spec: { type: c.serviceType, selector: selector(NAMES.gateway), ports: servicePorts([{ name: "provisioner", port: c.ports.provisioner }]) },
            },
            child(lbReady),
        );

        // ---- Local daemons ----
        const daemonSelector = selector(NAMES.localDaemon);
        new k8s.core.v1.Service(
            `${name}-local-daemon-network-svc`,
            {
                metadata: { name: NAMES.localDaemonService, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "local-daemon") },
                // A kernel reaches the daemon on its own node.
                spec: { type: "ClusterIP", internalTrafficPolicy: "Local", selector: daemonSelector, ports: servicePorts(daemonPorts(c)) },
            },
            child(),
        );
        const daemonService = new k8s.core.v1.Service(
            `${name}-daemon-network-svc`,
            {
                metadata: { name: NAMES.daemonService, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "local-daemon") },
                spec: { type: "ClusterIP", selector: daemonSelector, ports: servicePorts(daemonPorts(c)) },
            },
            child(),
        );
        const notebookImage = c.images.notebook;
        const daemonLabels = labels(NAMES.localDaemon, "local-daemon");
        new k8s.apps.v1.StatefulSet(
            `${name}-local-daemon`,
            {
                metadata: {
                    name: NAMES.localDaemon,
                    namespace: daemonNamespace,
                    labels: daemonLabels,
                    annotations: policyException("automount-service-account-token", "the local daemon reads its node's pods from the API to report kernel replicas"),
                },
                spec: {
                    replicas: c.localDaemons,
                    serviceName: NAMES.daemonService,
                    podManagementPolicy: "Parallel",
                    updateStrategy: { type: "RollingUpdate" },
                    persistentVolumeClaimRetentionPolicy: prod ? { whenDeleted: "Retain", whenScaled: "Retain" } : { whenDeleted: "Delete", whenScaled: "Retain" },
                    selector: { matchLabels: daemonSelector },
                    template: {
                        metadata: { labels: daemonLabels },
                        spec: {
                            serviceAccountName: NAMES.localDaemonServiceAccount,
                            automountServiceAccountToken: true,
                            // Root, to own its device-plugin socket next to the kubelet's; no capabilities, no escalation.
                            securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
                            affinity: {
                                podAntiAffinity: {
                                    requiredDuringSchedulingIgnoredDuringExecution: [
                                        { labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [NAMES.localDaemon] }] }, topologyKey: "kubernetes.io/hostname" },
                                    ],
                                },
                            },
                            containers: [
                                {
                                    name: "local-daemon",
                                    image: c.images.localDaemon,
                                    imagePullPolicy: pullPolicy(c.images.localDaemon),
                                    command: ["./local_daemon", "-yaml", `${CONFIG_DIR}/daemon.yml`, ...(c.debug ? ["-debug", "-v"] : [])],
                                    ports: containerPorts(daemonPorts(c)),
                                    env: [
                                        // Upstream: GPUs / granularity, without the x2 of `num-resource-ports`.
                                        { name: "NUM_RESOURCE_PORTS", value: String(c.gpusPerNode) },
                                        fieldEnv("POD_NAME", "metadata.name"),
                                        fieldEnv("NODE_NAME", "spec.nodeName"),
                                        fieldEnv("POD_IP", "status.podIP"),
                                        fieldEnv("ORDINAL_NUMBER", "metadata.labels['apps.kubernetes.io/pod-index']"),
                                        { name: "HOST_MOUNT_DIR", value: "/data" },
                                        { name: "KERNEL_IMAGE", value: notebookImage },
                                        { name: "KERNEL_TEMP_BASE_IN_CONTAINER", value: "/data" },
                                        { name: "SHARED_CONFIG_DIR", value: CONFIG_DIR },
                                    ],
                                    volumeMounts: [
                                        { name: "node-local", mountPath: "/node_local" },
                                        { name: "daemon-config-file", mountPath: `${CONFIG_DIR}/daemon.yml`, subPath: "daemon.yml", readOnly: true },
                                        { name: "device-plugin", mountPath: DEVICE_PLUGIN_PATH },
                                        { name: "pod-resources", mountPath: POD_RESOURCES_PATH },
                                    ],
                                    resources: c.resources.localDaemon,
                                    // The daemon registers with the gateway before it serves kernels: allow a slow start.
                                    startupProbe: { tcpSocket: { port: c.ports.kernelRegistry }, periodSeconds: 10, failureThreshold: 60 },
                                    readinessProbe: { tcpSocket: { port: c.ports.kernelRegistry }, periodSeconds: 10 },
                                    livenessProbe: { tcpSocket: { port: c.ports.kernelRegistry }, periodSeconds: 20, failureThreshold: 3 },
                                    securityContext: { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ["ALL"] } },
                                },
                            ],
                            volumes: [
                                { name: "daemon-config-file", configMap: { name: NAMES.daemonConfigMap, defaultMode: 0o600 } },
                                { name: "device-plugin", hostPath: { path: DEVICE_PLUGIN_PATH, type: "Directory" } },
                                { name: "pod-resources", hostPath: { path: POD_RESOURCES_PATH, type: "Directory" } },
                            ],
                        },
                    },
                    volumeClaimTemplates: [
                        {
                            metadata: { name: "node-local" },
                            spec: {
                                accessModes: ["ReadWriteOnce"],
                                storageClassName: h.storageClassName ?? "local-path",
                                resources: { requests: { storage: c.nodeLocalStorage } },
                            },
                        },
                    ],
                },
            },
            child([localDaemonCm, daemonSa, daemonBinding, daemonService, ...aliases, ...h.storageReady], { protect: prod, retainOnDelete: prod }),
        );
        // A drain takes one daemon at a time (the others keep their nodes' kernels); a single daemon gets no budget.
        if (c.localDaemons >= 2) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-local-daemon-pdb`,
                {
                    metadata: { name: NAMES.localDaemon, namespace: daemonNamespace, labels: daemonLabels },
                    spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: daemonSelector } },
                },
                child([daemonNs]),
            );
        }

        // ---- Jupyter front end ----
        const token = new random.RandomPassword(`${name}-jupyter-token`, { length: 48, special: false }, { parent: this, dependsOn: base });
        const tokenSecret = opaqueSecret(`${name}-jupyter-token`, { name: "jupyter-notebook-token", namespace, app: NAMES.notebook, data: { token: token.result } }, child());
        const notebookLabels = labels(NAMES.notebook, "notebook");
        const notebookPortList: NamedPort[] = [{ name: "nb-server", port: c.ports.notebook }, ...jupyterPorts(c, "notebook")];
        new k8s.apps.v1.Deployment(
            `${name}-jupyter-notebook`,
            {
                metadata: {
                    name: NAMES.notebook,
                    namespace,
                    labels: notebookLabels,
                    annotations: policyException("prod-replicas", "a Jupyter server keeps its sessions and kernel connections in memory: a second replica behind the Service would split them"),
                },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector(NAMES.notebook) },
                    template: {
                        metadata: { labels: notebookLabels },
                        spec: {
                            automountServiceAccountToken: false,
                            securityContext: restrictedPodSecurityContext(JOVYAN),
                            containers: [
                                {
                                    name: "jupyter-notebook",
                                    image: notebookImage,
                                    imagePullPolicy: pullPolicy(notebookImage),
                                    // Upstream disabled the token (`--NotebookApp.token=`); here it comes from a Secret.
                                    args: ["start-notebook.sh", "--log-level=DEBUG"],
                                    ports: containerPorts([...notebookPortList, { name: "jupyter", port: c.ports.gateway }, { name: "provisioner", port: c.ports.provisioner }]),
                                    env: [{ name: "JUPYTER_TOKEN", valueFrom: { secretKeyRef: { name: tokenSecret.metadata.name, key: "token" } } }],
                                    // Upstream mounted the host path /home/core-dump here; an emptyDir keeps the pod "restricted".
                                    volumeMounts: [{ name: "core-dumps", mountPath: "/tmp/cores" }],
                                    resources: c.resources.notebook,
                                    startupProbe: { httpGet: { path: "/api", port: c.ports.notebook }, periodSeconds: 5, failureThreshold: 60 },
                                    readinessProbe: { httpGet: { path: "/api", port: c.ports.notebook }, periodSeconds: 10 },
                                    livenessProbe: { httpGet: { path: "/api", port: c.ports.notebook }, periodSeconds: 20, failureThreshold: 3 },
                                    securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                                },
                            ],
                            volumes: [{ name: "core-dumps", emptyDir: {} }],
                        },
                    },
                },
            },
            child([gatewayService, tokenSecret, ...aliases]),
        );
        const notebookService = new k8s.core.v1.Service(
            `${name}-jupyter-notebook-svc`,
            {
                metadata: { name: NAMES.notebook, namespace, labels: notebookLabels },
                spec: { type: c.serviceType, selector: selector(NAMES.notebook), ports: servicePorts(notebookPortList) },
            },
            child(lbReady),
        );

        // ---- Optional workload driver ----
        if (c.workloadDriver.enabled) {
            const driverLabels = labels(NAMES.workloadDriver, "workload-driver");
            new k8s.apps.v1.Deployment(
                `${name}-workload-driver`,
                {
                    metadata: {
                        name: NAMES.workloadDriver,
                        namespace,
                        labels: driverLabels,
                        annotations: policyException("prod-replicas", "the workload driver replays one workload trace; two would submit it twice"),
                    },
                    spec: {
                        replicas: 1,
                        selector: { matchLabels: selector(NAMES.workloadDriver) },
                        template: {
                            metadata: { labels: driverLabels },
                            spec: {
                                automountServiceAccountToken: false,
                                securityContext: restrictedPodSecurityContext(),
                                containers: [
                                    {
                                        name: "workload-driver",
                                        image: c.images.workloadDriver,
                                        imagePullPolicy: pullPolicy(c.images.workloadDriver),
                                        command: ["go", "run", "cmd/driver/main.go"],
                                        env: [
                                            { name: "HOME", value: "/tmp" },
                                            { name: "GOCACHE", value: "/tmp/go-cache" },
                                        ],
                                        ports: [{ name: "tcp", containerPort: WORKLOAD_DRIVER_PORT, protocol: "TCP" }],
                                        volumeMounts: [tmp()],
                                        resources: c.resources.workloadDriver,
                                        // `go run` compiles first: allow ten minutes.
                                        startupProbe: { tcpSocket: { port: WORKLOAD_DRIVER_PORT }, periodSeconds: 10, failureThreshold: 60 },
                                        readinessProbe: { tcpSocket: { port: WORKLOAD_DRIVER_PORT }, periodSeconds: 10 },
                                        livenessProbe: { tcpSocket: { port: WORKLOAD_DRIVER_PORT }, periodSeconds: 20, failureThreshold: 3 },
                                        securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                                    },
                                ],
                                volumes: [{ name: "tmp", emptyDir: {} }],
                            },
                        },
                    },
                },
                child([gatewayService]),
            );
            new k8s.core.v1.Service(
                `${name}-workload-driver-svc`,
                {
                    metadata: { name: NAMES.workloadDriver, namespace, labels: driverLabels },
                    spec: { type: "ClusterIP", selector: selector(NAMES.workloadDriver), ports: servicePorts([{ name: "tcp", port: WORKLOAD_DRIVER_PORT }]) },
                },
                child(),
            );
        }

        const address = (svc: k8s.core.v1.Service, port: number) =>
            pulumi.all([svc.status, svc.metadata]).apply(([status, meta]) => {
                const ingress = status?.loadBalancer?.ingress?.[0];
                const host = ingress?.ip || ingress?.hostname || `${meta.name}.${meta.namespace}.svc.cluster.local`;
                return `${host}:${port}`;
            });
        this.notebookUrl = address(notebookService, c.ports.notebook).apply((a) => `http://${a}/`);
        this.gatewayAddress = address(gatewayService, c.ports.gateway);
        this.notebookToken = pulumi.secret(token.result);

        this.registerOutputs({ notebookUrl: this.notebookUrl, gatewayAddress: this.gatewayAddress, notebookToken: this.notebookToken });
    }
}
