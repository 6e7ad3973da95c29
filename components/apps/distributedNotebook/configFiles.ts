/**
 * The config files: `daemon.yml` (read by the gateway and every local daemon, one ConfigMap in each
 * namespace) and the kernels' entrypoint script.
 */
import * as k8s from "@pulumi/kubernetes";
import { DistributedNotebookConfig, KERNEL_NAMESPACE, RemoteStorage, SchedulingPolicy, UNUSED_REMOTE_STORAGE_ENDPOINT } from "../../../config/distributedNotebook";
import type { NotebookContext } from "./context";
import { CONFIG_DIR, DEVICE_PLUGIN_PATH, NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { toYaml } from "../../k8s/yaml";

/**
 * `daemon.yml`, read by the gateway and every local daemon: the keys exactly as the Go code reads
 * them (mixed dashes and underscores are upstream's). The Go programs match each key against a flag
 * name and skip any other key (ds2-lab/NotebookOS 8862fac,
 * vendor/github.com/Scusemua/go-utils/config/options.go:206-240), so only flags are written.
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
    "remote-storage": RemoteStorage;
    "remote-storage-endpoint": string;
    debug: boolean;
    direct: boolean;
    "max-subscribed-ratio": number;
    "local-daemon-service-name": string;
    "global-daemon-service-name": string;
    "local-daemon-service-port": number;
    "smr-port": number;
    "use-stateful-set": boolean;
    "device-plugin-path": string;
    "notebook-image-name": string;
    "notebook-image-tag": string;
    "scheduler-http-port": number;
    "scheduling-policy": SchedulingPolicy;
    "idle-session-reclamation-policy": "none";
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

/** Split an image reference into name and tag as the gateway wants them for kernels (the config refuses digests). */
export function splitImage(ref: string): { name: string; tag: string } {
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
        // The kernels' checkpointer (the gateway copies it into every kernel's config, kube_client.go:1506);
        // "" would make every kernel fail at start-up (checkpointer_factory.py:40-53).
        "remote-storage": c.remoteStorage,
        // Never empty: the gateway (kube_client.go:113-115) and the daemon (local_daemon.go:529-531) panic on "".
        "remote-storage-endpoint": c.remoteStorageEndpoint ?? UNUSED_REMOTE_STORAGE_ENDPOINT,
        debug: c.debug,
        direct: false,
        "max-subscribed-ratio": 7.0,
        "local-daemon-service-name": NAMES.localDaemonService,
        "global-daemon-service-name": NAMES.daemonService,
        "local-daemon-service-port": p.kernelRegistry,
        "smr-port": p.smr,
        "use-stateful-set": false,
        "device-plugin-path": DEVICE_PLUGIN_PATH,
        "notebook-image-name": notebook.name,
        "notebook-image-tag": notebook.tag,
        "scheduler-http-port": p.schedulerHttp,
        "scheduling-policy": c.schedulingPolicy,
        // Mandatory since NotebookOS 2025-01: every policy constructor fails on "" and both programs panic
        // (common/scheduling/policy/base.go:21-24,65-71; gateway_daemon.go:575-578; local_daemon.go:496-499).
        // `none` is upstream's sample value (common/configuration/samples/gateway_static.go); `custom` panics
        // ("Not implemented", policy/idle.go), so no other value is offered.
        "idle-session-reclamation-policy": "none",
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

/** The kernel entrypoint: put the replica's SMR id into the IPython config, then start the kernel. */
export const KERNEL_ENTRYPOINT = [
    "#!/bin/sh",
    "# Written by research-platform (distributed-notebook). The 7th dash-separated field of the pod name is the replica id.",
    `sed "s/-987654321/$(echo $POD_NAME | cut -d - -f 7)/" ${CONFIG_DIR}/ipython_config.json >> $IPYTHON_CONFIG_PATH`,
    "/opt/conda/bin/python3 -m distributed_notebook.kernel -f $CONNECTION_FILE_PATH --debug --IPKernelApp.outstream_class=distributed_notebook.kernel.iostream.OutStream",
    "sleep 9999",
    "",
].join("\n");

export interface ConfigFiles {
    /** `daemon.yml` beside the gateway. */
    gatewayDaemonCm: k8s.core.v1.ConfigMap;
    /** `daemon.yml` beside the local daemons. */
    localDaemonCm: k8s.core.v1.ConfigMap;
}

export function configFiles(ctx: NotebookContext, { namespace, daemonNamespace }: Namespaces): ConfigFiles {
    const { name, c, child, labels } = ctx;
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
    return { gatewayDaemonCm, localDaemonCm };
}
