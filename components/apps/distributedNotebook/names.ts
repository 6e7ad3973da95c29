/** Names, paths and ports the distributed-notebook images hard-code, shared by the parts. */

/** The names the images and the gateway's Go code hard-code: never change them. */
export const NAMES = {
    daemonConfigMap: "daemon-configmap",
    kernelEntrypointConfigMap: "kernel-entrypoint-configmap",
    schedulerExtenderConfigMap: "scheduler-extender-configuration",
    kubeSchedulerConfigMap: "kube-scheduler-config",
    gateway: "gateway",
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
export const CONFIG_DIR = "/kernel-configmap";
export const IPYTHON_CONFIG_PATH = "/home/jovyan/.ipython/profile_default/ipython_config.json";
export const DEVICE_PLUGIN_PATH = "/var/lib/kubelet/device-plugins/";
export const WORKLOAD_DRIVER_PORT = 8000;
/** The extended resource the local daemons advertise as device plugins. */
export const VIRTUAL_GPU_RESOURCE = "ds2-lab.github.io/deflated-gpu";
/** The Jupyter images run as jovyan (uid 1000, gid 100). */
export const JOVYAN = { runAsUser: 1000, runAsGroup: 100, fsGroup: 100 };
