/**
 * Runtime contract of the distributed notebook (NotebookOS, seed 000): the gateway (with its second
 * kube-scheduler and the scheduler extender), the local daemons, the Jupyter front end and the kernel
 * replicas the gateway creates at run time as OpenKruise CloneSets in `default`.
 *
 * The images are floating `:latest` tags (docker.io/scusemua/*) with no recorded source commit. The
 * facts below were read from ds2-lab/NotebookOS at 8862fac47ecd7a60524d61c742506d409a5ff5d5 (the
 * repository's HEAD, 2025-08-06, and the reference commit of the seed), whose default build targets
 * produce those images (`dockfiles/gateway/Makefile` `docker` -> `go build ../../gateway`, i.e.
 * `gateway/gateway.go` + `gateway/daemon`; `dockfiles/local_daemon/Makefile` -> `../../local_daemon`;
 * `scheduler_extender/`; the Jupyter/kernel image installs `distributed_notebook/`).
 *
 * Config files: the Go programs read `daemon.yml` through `Scusemua/go-utils/config`, which matches
 * every top-level YAML key against the name of a command-line flag (the `name:` struct tag) and
 * silently ignores keys that are no flag (`vendor/github.com/Scusemua/go-utils/config/options.go`
 * 206-240). "Reads" below therefore names the flag.
 *
 * The workload driver is left out: its image runs `go run cmd/driver/main.go` from a repository that
 * is not part of NotebookOS (see the findings file).
 */
import type { Accept, ContractFn, Flow, Listener, PodRef, PortSpec, Source, Write } from "./types";

const REPO = "ds2-lab/NotebookOS";
const REF = "8862fac47ecd7a60524d61c742506d409a5ff5d5";
const src = (file: string, lines?: string, note?: string): Source => ({ repo: REPO, ref: REF, file, ...(lines ? { lines } : {}), ...(note ? { note } : {}) });

/** Where kernels live: hard-coded in the gateway's Go code. */
const KERNEL_NAMESPACE = "default";
/** The Pulumi component name, which the program puts on its pods as `app.kubernetes.io/instance`. */
const INSTANCE = "distributed-notebook";
/** The port the kernelspec in the Jupyter image dials (`"gateway": "gateway:8080"`). */
const KERNELSPEC_GATEWAY_PORT = 8080;
/** The scheduler extender's port in our `config.yaml` and the kube-scheduler's `urlPrefix` (`port` flag of the extender). */
const EXTENDER_PORT = 80;
/** Port 0 binds: the kernel picks from `net.ipv4.ip_local_port_range`, 32768-60999 by default in a pod's network namespace. */
const EPHEMERAL: PortSpec = { from: 32768, to: 60999 };
/** The local daemon serves Prometheus on a hard-coded 8089; the kernels default to 8089 too. */
const DAEMON_PROMETHEUS_PORT = 8089;

const S = {
    flagsFromYaml: src("vendor/github.com/Scusemua/go-utils/config/options.go", "206-240", "YAML keys are matched to flag names; unknown keys are skipped"),
    gatewayMainDefaults: src("gateway/gateway.go", "36-40", "defaults: Jupyter gRPC port 8080, provisioner port 8081"),
    gatewayListen: src("gateway/daemon/driver_utiliy.go", "114,135,142", "net.Listen(\":<port>\"), \":<distributed-cluster-service-port>\", \":<provisioner-port>\""),
    gatewayOptions: src("gateway/domain/gateway_options.go", "31-62,138-149", "flags of the gateway: `port` = Jupyter gRPC, `provisioner-port`, service names, `kubernetes-namespace`, notebook image"),
    commonOptions: src("common/configuration/config.go", "10-40", "flags shared by gateway and daemon (deployment_mode, scheduling-policy, remote-storage, ...)"),
    schedulerOptions: src("common/scheduling/options.go", "114-181", "scheduler flags (scaling, min/max_cluster_nodes, scheduler-http-port, ...)"),
    connectionInfo: src("common/jupyter/types.go", "59-72", "flags hb/control/shell/stdin/iopub/iosub/ack-port, num-resource-ports"),
    routerSockets: src("common/jupyter/router/router.go", "77-80,145-160", "router binds HB, Control, Shell, Stdin on the configured ports"),
    zmqListenAll: src("common/jupyter/server/abstract.go", "220-232", "socket.Listen(\"tcp://:<port>\"): every interface; port 0 = ephemeral"),
    gatewayKernelSockets: src("common/scheduling/client/distributed.go", "199-203", "per-kernel Shell ROUTER and IOPub PUB on port 0 (ephemeral)"),
    gatewayStartKernelReply: src("gateway/daemon/gateway_daemon.go", "2198-2209", "StartKernel returns the gateway's pod IP, router ports and the per-kernel shell/IOPub ports"),
    schedulerHttp: src("common/scheduling/scheduler/kubernetes.go", "208-224", "gin server POST /filter on \":<scheduler-http-port>\""),
    schedulerHttpStart: src("gateway/daemon/gateway_daemon.go", "3498-3506", "Start() runs the scheduler HTTP service in Kubernetes mode"),
    gatewayPrometheus: src("common/metrics/core.go", "238-266", "Prometheus on 0.0.0.0:<prometheus_port>"),
    gatewayAccept: src("gateway/daemon/gateway_daemon.go", "1000-1048", "provisioner connection from a daemon: yamux, reverse gRPC over the daemon's own connection"),
    gatewayPolicySwitch: src("gateway/daemon/gateway_daemon.go", "473-525", "policy switch: unknown policy panics"),
    gatewayGetPolicy: src("gateway/daemon/gateway_daemon.go", "575-578", "GetSchedulingPolicy error -> panic"),
    getPolicy: src("common/scheduling/scheduler/policy.go", "49-90", "accepts reservation, fcfs-batch, middle-ground, static, dynamic-v3, dynamic-v4, gandiva; `default` and \"\" are errors"),
    kubeClientPolicy: src("gateway/daemon/kube_client.go", "189-218", "Kubernetes mode: `default`, `static` only; dynamic-v3/dynamic-v4 panic \"The 'DYNAMIC' scheduling policy is not yet supported.\""),
    kubeModeNewKubeClient: src("gateway/daemon/gateway_daemon.go", "626-634", "deployment_mode kubernetes -> NewKubeClient at start-up"),
    idlePolicy: src("common/scheduling/policy/base.go", "21-46,65-71", "empty idle-session-reclamation-policy is an error; every policy constructor returns it"),
    idleCustom: src("common/scheduling/policy/idle.go", "82-108", "custom: needs a timeout interval > 0; two methods panic \"Not implemented\""),
    staticPolicy: src("common/scheduling/policy/static.go", "19-40,72-74", "NumReplicas() = 3; MinimumNumNodes < 3 panics"),
    basePolicyMinNodes: src("common/scheduling/policy/base.go", "82-85", "MinimumNumNodes < 1 panics"),
    dynamicReplicas: src("common/scheduling/policy/dynamic_v4.go", "106-108", "NumReplicas() = 3"),
    cloneSet: src("gateway/daemon/kube_client.go", "1086-1311", "CloneSet apps.kruise.io/v1alpha1 kernel-<id>: replicas 3, labels kernel/app=kernel-<id>, schedulerName <policy>-scheduler, hostPath /home/scheduling-dump"),
    cloneSetReplicas: src("gateway/daemon/kube_client.go", "1100", "\"replicas\": 3"),
    cloneSetRes: src("gateway/daemon/kube_client.go", "59", "GVR apps.kruise.io/v1alpha1 clonesets"),
    smrNodes: src("gateway/daemon/kube_client.go", "1475-1516", "kernel IPython config: three SMR node slots, remote_storage = `remote-storage` flag"),
    kernelImage: src("gateway/daemon/kube_client.go", "1144", "image \"%s:%s\" of notebook-image-name and notebook-image-tag"),
    nodeLabels: src("gateway/daemon/kube_client.go", "1007-1032", "lists nodes, JSON-patches label <kernelId>=true onto each non-control-plane node"),
    podWatcher: src("gateway/daemon/kube_client.go", "219-221,682-704", "pod informer in namespace default"),
    remoteEndpointGateway: src("gateway/daemon/kube_client.go", "113-115", "empty remote-storage-endpoint panics"),
    configDir: src("gateway/daemon/kube_client.go", "94-96,182-187", "SHARED_CONFIG_DIR, IPYTHON_CONFIG_PATH, NODE_LOCAL_MOUNT_POINT; Mkdir of the config dir when missing"),
    kernelEnv: src("gateway/daemon/kube_client.go", "1204-1301", "kernel env: LOCAL_DAEMON_SERVICE_NAME/PORT = local-daemon-service-name/port, CONNECTION_FILE_PATH, IPYTHON_CONFIG_PATH, ..."),
    connFile: src("gateway/daemon/kube_client.go", "1453-1471", "kernel connection file: IP 0.0.0.0, the gateway's configured hb/control/shell/stdin/iopub ports"),
    useStatefulSet: src("gateway/daemon/kube_client.go", "456-457", "use-stateful-set true panics \"not supported anymore\""),
    daemonOptions: src("local_daemon/domain/options.go", "36-51,108-115,146-149", "daemon flags: port, kernel-registry-port, provisioner, direct, device-plugin-path, num-virtual-gpus-per-node"),
    daemonMainDefaults: src("local_daemon/scheduler.go", "34-40", "default `port` 8080"),
    daemonEnv: src("local_daemon/daemon/driver_utiliy.go", "221-240", "NODE_NAME env; device plugin enabled in kubernetes mode"),
    daemonNew: src("local_daemon/daemon/local_daemon.go", "394-420,496-499,529-531,606-608", "POD_IP env; GetSchedulingPolicy error panics; empty endpoint panics; empty node name panics"),
    daemonGrpc: src("local_daemon/daemon/local_daemon.go", "992-1006", "gRPC (LocalGateway, KernelErrorReporter) on \":<port>\""),
    daemonDialGateway: src("local_daemon/daemon/local_daemon.go", "1008-1032", "DialTimeout(tcp, provisioner) retried for one minute"),
    daemonFatal: src("local_daemon/daemon/driver_utiliy.go", "242-252", "no gateway: log.Fatalf"),
    daemonRegistry: src("local_daemon/daemon/local_daemon.go", "2816-2830", "kernel registry on \":<kernel-registry-port>\""),
    daemonRegisterKernel: src("local_daemon/daemon/local_daemon.go", "1206-1222", "kernel connection info: the registering kernel's IP, the configured kernel ports"),
    daemonKernelInfo: src("local_daemon/daemon/local_daemon.go", "2072-2131", "reply to the gateway: daemon pod IP, router ports, IOPub forwarder port (ephemeral)"),
    daemonIoForwarder: src("common/scheduling/client/kernel.go", "1118-1125", "IOPub forwarder PUB socket on port 0"),
    replicaDial: src("common/scheduling/client/kernel.go", "1141-1163,1372-1380", "SUB/DEALER sockets dial <ip>:<port> of the peer"),
    gatewayReplicaClient: src("gateway/daemon/gateway_daemon.go", "2355-2362", "gateway's replica client built from the daemon's connection info"),
    registrationResponse: src("local_daemon/daemon/local_daemon.go", "1500-1512", "registration reply: grpc_port = the daemon's `port`"),
    daemonPrometheus: src("local_daemon/daemon/local_daemon.go", "765-768", "NewLocalDaemonPrometheusManager(8089, ...): hard-coded port"),
    devicePlugin: src("local_daemon/device/plugin_server.go", "26,51,134-146,183-216", "unix socket <device-plugin-path>/vgpu.sock; registers with kubelet.sock"),
    podCache: src("local_daemon/device/pod_cache.go", "50-80,214-222", "pod informer (default, spec.nodeName=<node>) and a pod List in all namespaces"),
    extender: src("scheduler_extender/kube_scheduler_extension.go", "46-60,77-100,137-143", "listens \":<port>\"; forwards POST /filter to http://127.0.0.1:<cluster-gateway-port>/filter"),
    extenderFlags: src("scheduler_extender/types.go", "14-19", "flags `port`, `cluster-gateway-port`"),
    kernelspec: src("distributed_notebook/kernel/install.py", "10-22", "kernelspec provisioner config \"gateway\": \"gateway:8080\""),
    provisioner: src("distributed_notebook/provisioner/gateway_provisioner.py", "17-20,200-240", "gRPC StartKernel to the gateway; connection info from the reply"),
    kernelRegister: src("distributed_notebook/kernel/kernel.py", "1164-1185,1251-1270", "connects to LOCAL_DAEMON_SERVICE_NAME:LOCAL_DAEMON_SERVICE_PORT"),
    kernelGrpc: src("distributed_notebook/kernel/kernel.py", "1155-1162", "gRPC channel to <local daemon service>:<grpc_port> (KernelErrorReporter)"),
    kernelSmr: src("distributed_notebook/kernel/kernel.py", "146,241-244,860-872", "SMR peers at <host>:<smr_port>"),
    kernelPrometheus: src("distributed_notebook/kernel/kernel.py", "680-697", "Prometheus on PROMETHEUS_METRICS_PORT, default 8089"),
    kernelStorage: src("distributed_notebook/kernel/kernel.py", "280-283,527-552", "remote_storage chooses the checkpointer at start-up"),
    kernelStorageTraits: src("distributed_notebook/kernel/kernel.py", "276-305", "remote_storage_hostname, aws_region, redis_port (6379), redis_database traits"),
    checkpointers: src("distributed_notebook/sync/checkpointing/checkpointer_factory.py", "40-53", "only redis, s3, local; anything else raises ValueError"),
    entrypoint: src("deploy/helm/distributed-notebook/templates/kernel-entrypoint-configmap.yaml", "10-12", "sed ... >> <ipython_config_path>; python3 -m distributed_notebook.kernel"),
    chartNotebook: src("deploy/helm/distributed-notebook/templates/notebook-deployment.yaml", "39", "Jupyter server port 8888"),
    chartScheduler: src("deploy/helm/distributed-notebook/templates/scheduler-extender-configmaps.yaml", "8-41", "extender port 80; kube-scheduler profiles <policy>-scheduler, extender http://localhost/, leader lease scheduler-extender"),
    chartGateway: src("deploy/helm/distributed-notebook/templates/gateway-deployment.yaml", "78-98", "second kube-scheduler and the extender in the gateway pod"),
};

export const contract: ContractFn = (cfg) => {
    const c = cfg.distributedNotebook;
    if (!c.enabled) return undefined;
    const p = c.ports;
    const apiPorts = cfg.kubernetes.apiServerPorts;

    const pod = (name: string, namespace: string, app: string): PodRef => ({
        kind: "pods",
        name,
        namespace,
        labels: { app, "app.kubernetes.io/instance": INSTANCE },
        createdBy: "program",
    });
    const gateway = pod("gateway", c.namespace, "gateway");
    const daemon = pod("local-daemon", c.daemonNamespace, "local-daemon");
    const notebook = pod("jupyter-notebook", c.namespace, "jupyter-notebook");
    // Kernel replica pods carry `kernel: kernel-<id>` and `app: kernel-<id>`: no label value is shared by
    // all kernels, so they are selected by the label key `kernel` (Exists) in `default`, as the program's
    // NetworkPolicies select them.
    const kernels: PodRef = {
        kind: "pods",
        name: "kernel-replicas",
        namespace: KERNEL_NAMESPACE,
        labels: {},
        labelKeys: ["kernel"],
        createdBy: { runtime: "NotebookOS gateway: OpenKruise CloneSet kernel-<kernelId> per kernel (kube_client.go createKernelCloneSet)" },
    };

    const routerPorts = [p.hb, p.control, p.shell, p.stdin];

    const flows: Flow[] = [
        // ---- Jupyter front end -> gateway ----
        {
            id: "notebook-to-gateway-grpc",
            from: notebook,
            to: gateway,
            ports: [KERNELSPEC_GATEWAY_PORT],
            why: "the kernel provisioner in the Jupyter server calls LocalGateway.StartKernel etc. at `gateway:8080` (Service `gateway` in the front end's namespace); the gateway listens on its `port` flag",
            source: [S.kernelspec, S.provisioner, S.gatewayListen],
        },
        {
            id: "notebook-to-gateway-router",
            from: notebook,
            to: gateway,
            ports: [p.hb, p.control, p.stdin],
            why: "the Jupyter server's kernel client connects ZeroMQ heartbeat, control and stdin to the gateway's pod IP on its router ports (StartKernel reply)",
            source: [S.gatewayStartKernelReply, S.routerSockets, S.zmqListenAll],
        },
        {
            id: "notebook-to-gateway-kernel-sockets",
            from: notebook,
            to: gateway,
            ports: [EPHEMERAL],
            why: "the shell and IOPub ports in the StartKernel reply are per-kernel sockets the gateway binds on port 0 (ephemeral), dialled at the gateway's pod IP",
            source: [S.gatewayStartKernelReply, S.gatewayKernelSockets, S.zmqListenAll],
        },
        // ---- local daemons <-> gateway ----
        {
            id: "daemon-to-gateway-provisioner",
            from: daemon,
            to: gateway,
            ports: [p.provisioner],
            why: "each local daemon dials `provisioner` (gateway:<provisioner-port>) and the gateway runs its gRPC calls to the daemon back over that connection (yamux); the daemon exits after one minute without it",
            source: [S.daemonDialGateway, S.daemonFatal, S.gatewayAccept, S.gatewayListen],
        },
        {
            id: "gateway-to-daemon-router",
            from: gateway,
            to: daemon,
            ports: routerPorts,
            why: "the gateway's replica clients dial the daemon's pod IP on its router ports (heartbeat, control, shell, stdin) returned when a kernel replica registers",
            source: [S.daemonKernelInfo, S.gatewayReplicaClient, S.replicaDial, S.routerSockets],
        },
        {
            id: "gateway-to-daemon-iopub-forwarder",
            from: gateway,
            to: daemon,
            ports: [EPHEMERAL],
            why: "the IOPub port the daemon returns for each kernel replica is a PUB socket it binds on port 0; the gateway's SUB socket dials it (kernel output, status)",
            source: [S.daemonIoForwarder, S.daemonKernelInfo, S.gatewayReplicaClient, S.replicaDial],
        },
        // ---- kernels <-> local daemons ----
        {
            id: "kernel-to-daemon-registry",
            from: kernels,
            to: daemon,
            ports: [p.kernelRegistry],
            why: "every kernel replica registers with LOCAL_DAEMON_SERVICE_NAME:LOCAL_DAEMON_SERVICE_PORT (`local-daemon-network`, internalTrafficPolicy Local: the daemon on its node)",
            source: [S.kernelRegister, S.kernelEnv, S.daemonRegistry],
        },
        {
            id: "kernel-to-daemon-grpc",
            from: kernels,
            to: daemon,
            ports: [p.localDaemon],
            why: "after registering, the kernel opens a gRPC channel to <local daemon service>:<grpc_port>, where grpc_port is the daemon's `port` flag (KernelErrorReporter)",
            source: [S.registrationResponse, S.kernelGrpc, S.daemonGrpc],
        },
        {
            id: "daemon-to-kernel-sockets",
            from: daemon,
            to: kernels,
            ports: [p.hb, p.control, p.shell, p.stdin, p.iopub1],
            why: "the daemon's replica client dials the registering kernel's pod IP on the kernel ports of its connection file (heartbeat, control, shell, stdin; SUB to IOPub)",
            source: [S.daemonRegisterKernel, S.replicaDial, S.connFile],
        },
        {
            id: "kernel-to-kernel-smr",
            from: kernels,
            to: kernels,
            ports: [p.smr],
            why: "the replicas of one kernel replicate state (SMR) with each other at <peer>:<smr_port>",
            source: [S.kernelSmr, S.smrNodes],
        },
        // ---- inside the gateway pod (loopback) ----
        {
            id: "kube-scheduler-to-extender",
            from: gateway,
            to: gateway,
            ports: [EXTENDER_PORT],
            why: "the second kube-scheduler (scheduler-ctr) calls the extender's /filter at http://localhost:<port> (loopback, same pod)",
            source: [S.chartScheduler, S.extender],
        },
        {
            id: "extender-to-gateway-scheduler-http",
            from: gateway,
            to: gateway,
            ports: [p.schedulerHttp],
            why: "the extender forwards /filter to http://127.0.0.1:<cluster-gateway-port> (loopback, same pod)",
            source: [S.extender, S.schedulerHttp],
        },
        // ---- API server ----
        {
            id: "gateway-to-api-server",
            from: gateway,
            to: { kind: "apiServer" },
            ports: apiPorts,
            why: "in-cluster client: watches pods in default, creates ConfigMaps/Services/CloneSets in default, lists and labels nodes; the second kube-scheduler in the same pod watches and binds pods and holds its lease",
            source: [S.kubeModeNewKubeClient, S.podWatcher, S.cloneSet, S.nodeLabels, S.chartGateway],
        },
        {
            id: "daemon-to-api-server",
            from: daemon,
            to: { kind: "apiServer" },
            ports: apiPorts,
            why: "the device plugin's pod cache watches pods on its node in default and lists pods in all namespaces",
            source: [S.podCache],
        },
        // ---- DNS ----
        { id: "daemon-to-dns", from: daemon, to: { kind: "dns" }, ports: [53], protocol: "UDP", why: "resolves `gateway` (the provisioner address)", source: [S.daemonDialGateway] },
        { id: "daemon-to-dns-tcp", from: daemon, to: { kind: "dns" }, ports: [53], protocol: "TCP", why: "resolves `gateway` (the provisioner address)", source: [S.daemonDialGateway] },
        { id: "notebook-to-dns", from: notebook, to: { kind: "dns" }, ports: [53], protocol: "UDP", why: "resolves `gateway` (kernelspec)", source: [S.kernelspec] },
        { id: "notebook-to-dns-tcp", from: notebook, to: { kind: "dns" }, ports: [53], protocol: "TCP", why: "resolves `gateway` (kernelspec)", source: [S.kernelspec] },
        { id: "kernel-to-dns", from: kernels, to: { kind: "dns" }, ports: [53], protocol: "UDP", why: "resolves `local-daemon-network`", source: [S.kernelRegister] },
        { id: "kernel-to-dns-tcp", from: kernels, to: { kind: "dns" }, ports: [53], protocol: "TCP", why: "resolves `local-daemon-network`", source: [S.kernelRegister] },
        // ---- kubelet probes ----
        { id: "kubelet-to-gateway-probe", from: { kind: "kubelet" }, to: gateway, ports: [p.provisioner], why: "TCP probes of the gateway container (provisioner listener)", source: [S.gatewayListen] },
        { id: "kubelet-to-extender-probe", from: { kind: "kubelet" }, to: gateway, ports: [EXTENDER_PORT], why: "HTTP GET /version probes of the extender", source: [S.extender] },
        { id: "kubelet-to-daemon-probe", from: { kind: "kubelet" }, to: daemon, ports: [p.kernelRegistry], why: "TCP probes of the local daemon (kernel registry listener)", source: [S.daemonRegistry] },
        { id: "kubelet-to-notebook-probe", from: { kind: "kubelet" }, to: notebook, ports: [p.notebook], why: "HTTP GET /api probes of the Jupyter server", source: [S.chartNotebook] },
    ];
    if (c.serviceType === "LoadBalancer" || c.serviceType === "NodePort") {
        flows.push({
            id: "users-to-notebook",
            from: { kind: "anywhere" },
            to: notebook,
            ports: [p.notebook],
            why: `users' browsers reach the Jupyter server through its ${c.serviceType} Service (the only port users need)`,
            source: [S.chartNotebook],
        });
    }

    const listeners: Listener[] = [
        // gateway container
        { pod: gateway, container: "gateway", port: p.localDaemon, bind: "all", namedBy: ["service", "networkPolicy"], why: "Jupyter gRPC (LocalGateway) on flag `port`: the shared daemon.yml writes it from ports.localDaemon (ports.gateway never reaches the gateway; the config fixes both at 8080); the kernelspec dials 8080", source: [S.gatewayOptions, S.gatewayMainDefaults, S.gatewayListen] },
        { pod: gateway, container: "gateway", port: p.provisioner, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "provisioner (ClusterGateway gRPC): local daemons connect here", source: [S.gatewayListen, S.gatewayAccept] },
        { pod: gateway, container: "gateway", port: p.distributedClusterService, bind: "all", namedBy: [], why: "DistributedCluster gRPC for the dashboard (no dashboard is deployed; unauthenticated, includes InducePanic)", source: [S.gatewayListen] },
        { pod: gateway, container: "gateway", port: p.schedulerHttp, bind: "all", namedBy: [], why: "scheduler HTTP service (POST /filter), called only by the extender over loopback", source: [S.schedulerHttp, S.schedulerHttpStart] },
        ...routerPorts.map((port): Listener => ({ pod: gateway, container: "gateway", port, bind: "all", namedBy: ["networkPolicy"], why: "ZeroMQ router socket (hb/control/shell/stdin) the Jupyter server dials at the gateway's pod IP", source: [S.routerSockets, S.zmqListenAll] })),
        { pod: gateway, container: "gateway", port: p.prometheus, bind: "all", namedBy: [], why: "Prometheus metrics (prometheus_port); nothing scrapes it", source: [S.gatewayPrometheus] },
        { pod: gateway, container: "scheduler-ctr", port: 10259, bind: "all", namedBy: ["probe"], why: "the second kube-scheduler's secure serving (/healthz) on its default port: the program passes no --secure-port (and --bind-address=0.0.0.0)", source: { repo: "kubernetes/kubernetes", ref: "v1.33.1", file: "cmd/kube-scheduler/app/options/options.go", note: "SecureServing.BindPort = DefaultKubeSchedulerPort (10259, pkg/scheduler/apis/config/types.go); read at v1.37.2 lines 133 and 29-31, unchanged since v1.23" } },
        { pod: gateway, container: "scheduler-extender-ctr", port: EXTENDER_PORT, bind: "all", namedBy: ["probe"], why: "extender HTTP (/filter, /version) on its `port` flag", source: [S.extender, S.extenderFlags] },
        // local daemon
        { pod: daemon, container: "local-daemon", port: p.localDaemon, bind: "all", namedBy: ["service", "networkPolicy"], why: "daemon gRPC (LocalGateway, KernelErrorReporter) on flag `port`; kernels dial it through `local-daemon-network`", source: [S.daemonGrpc, S.registrationResponse] },
        { pod: daemon, container: "local-daemon", port: p.kernelRegistry, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "kernel registry (JSON over TCP); kernels dial it through `local-daemon-network`", source: [S.daemonRegistry] },
        ...routerPorts.map((port): Listener => ({ pod: daemon, container: "local-daemon", port, bind: "all", namedBy: ["networkPolicy"], why: "ZeroMQ router socket (hb/control/shell/stdin) the gateway dials at the daemon's pod IP", source: [S.routerSockets, S.zmqListenAll] })),
        { pod: daemon, container: "local-daemon", port: DAEMON_PROMETHEUS_PORT, bind: "all", namedBy: [], why: "Prometheus metrics, hard-coded 8089 (prometheus_port is not used for it); nothing scrapes it", source: [S.daemonPrometheus, S.gatewayPrometheus] },
        // Jupyter front end
        { pod: notebook, container: "jupyter-notebook", port: p.notebook, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "Jupyter server (the only port the front end listens on)", source: [S.chartNotebook] },
        // kernels
        ...[p.hb, p.control, p.shell, p.stdin, p.iopub1].map((port): Listener => ({ pod: kernels, container: "kernel", port, bind: "all", namedBy: ["networkPolicy"], why: "kernel ZeroMQ socket from its connection file (IP 0.0.0.0, the gateway's configured ports); dialled by the local daemon", source: [S.connFile] })),
        { pod: kernels, container: "kernel", port: p.smr, bind: "all", namedBy: ["networkPolicy"], why: "SMR (replication between a kernel's replicas)", source: [S.kernelSmr] },
        { pod: kernels, container: "kernel", port: DAEMON_PROMETHEUS_PORT, bind: "all", namedBy: [], why: "kernel Prometheus server (PROMETHEUS_METRICS_PORT unset: 8089)", source: [S.kernelPrometheus] },
    ];

    const writes: Write[] = [
        { pod: daemon, container: "local-daemon", path: `/var/lib/kubelet/device-plugins/vgpu.sock`, why: "unlinks and creates its device-plugin socket next to kubelet.sock (hostPath; the container runs as root)", source: [S.devicePlugin] },
        { pod: gateway, container: "gateway", path: "/kernel-configmap", why: "creates SHARED_CONFIG_DIR when it does not exist (nothing else is written by the gateway at this commit: kernel files go into ConfigMaps)", source: [S.configDir] },
        { pod: kernels, container: "kernel", path: "/home/jovyan/.ipython/profile_default/ipython_config.json", why: "the kernel entrypoint appends the kernel's IPython config there before starting the kernel (runs as the image user jovyan)", source: [S.entrypoint] },
    ];

    const accepts: Accept[] = [
        {
            key: "distributedNotebook.schedulingPolicy",
            reads: "daemon.yml `scheduling-policy` (gateway and local daemon)",
            accepted: ["static"],
            rejected: ["default", "dynamic-v3", "dynamic-v4"],
            why: "in Kubernetes mode only `static` starts: `default` is refused by GetSchedulingPolicy (gateway and daemon panic), dynamic-v3/dynamic-v4 panic in NewKubeClient at gateway start-up, every other policy panics there too",
            source: [S.getPolicy, S.gatewayGetPolicy, S.kubeClientPolicy, S.kubeModeNewKubeClient, S.daemonNew],
        },
        {
            key: "distributedNotebook.smrReplicas",
            reads: "nothing: `num-replicas` is a flag of neither program (the program no longer writes it)",
            accepted: [3],
            why: "the gateway creates every kernel CloneSet with replicas 3, writes three SMR node slots and the policies return NumReplicas() = 3",
            source: [S.cloneSetReplicas, S.smrNodes, S.staticPolicy, S.dynamicReplicas, S.flagsFromYaml],
        },
        {
            key: "distributedNotebook.localDaemons",
            reads: "StatefulSet replicas (nodes with a local daemon)",
            rejected: [1, 2],
            why: "each kernel's 3 replicas carry a required pod anti-affinity on kubernetes.io/hostname, so at least 3 schedulable nodes (each with a daemon for its node) are needed",
            source: [S.cloneSet, S.cloneSetReplicas],
        },
        {
            key: "distributedNotebook.minNodes",
            reads: "daemon.yml `min_cluster_nodes`",
            rejected: [0, 1, 2],
            why: "NewStaticPolicy panics when MinimumNumNodes < NumReplicas() (3); the base policy panics below 1",
            source: [S.staticPolicy, S.basePolicyMinNodes],
        },
        {
            key: "distributedNotebook.ports.gateway",
            reads: "kernelspec `gateway: gateway:8080` in the Jupyter image; the gateway's flag `port`",
            accepted: [KERNELSPEC_GATEWAY_PORT],
            why: "the Jupyter image dials gateway:8080 (hard-coded); the gateway listens on daemon.yml `port`, which is written from ports.localDaemon, never from ports.gateway",
            source: [S.kernelspec, S.provisioner, S.gatewayOptions],
        },
        {
            key: "distributedNotebook.ports.localDaemon",
            reads: "daemon.yml `port` (gateway: Jupyter gRPC listener; daemon: its gRPC listener and the kernels' grpc_port)",
            accepted: [KERNELSPEC_GATEWAY_PORT],
            why: "the one `port` key of the shared daemon.yml is the gateway's Jupyter gRPC port too, which the kernelspec fixes at 8080",
            source: [S.gatewayOptions, S.daemonOptions, S.kernelspec, S.registrationResponse],
        },
        {
            key: "distributedNotebook",
            reads: "daemon.yml `idle-session-reclamation-policy` (gateway and local daemon; the program writes `none`)",
            accepted: ["none", "google-colab", "adobe-sensei", "custom"],
            rejected: [""],
            why: "every scheduling policy constructor fails on an empty idle-session-reclamation policy, and both programs panic on that error at start-up; `custom` also needs timeout options and has methods that panic \"Not implemented\"",
            source: [S.idlePolicy, S.idleCustom, S.getPolicy, S.gatewayGetPolicy, S.daemonNew],
        },
        {
            key: "distributedNotebook.remoteStorage",
            reads: "daemon.yml `remote-storage` -> kernel IPython config DistributedKernel.remote_storage",
            accepted: ["redis", "s3", "local"],
            rejected: ["", "hdfs"],
            why: "the gateway copies the `remote-storage` flag into every kernel's config; the kernel builds its checkpointer from it at start-up and raises ValueError for anything but redis, s3 or local (HDFS is gone at this commit)",
            source: [S.smrNodes, S.kernelStorage, S.checkpointers, S.commonOptions],
        },
        {
            key: "distributedNotebook.remoteStorageEndpoint",
            reads: "daemon.yml `remote-storage-endpoint` (gateway and local daemon)",
            rejected: [""],
            why: "both programs panic on an empty endpoint (the program writes a placeholder with `local`); the kernel passes it as `host` to its checkpointer: for redis the Redis host (port redis_port, default 6379), for s3 the bucket; local ignores it",
            source: [S.remoteEndpointGateway, S.daemonNew, S.kernelStorage, S.kernelStorageTraits, S.checkpointers],
        },
        {
            key: "distributedNotebook.images.notebook",
            reads: "daemon.yml `notebook-image-name`, `notebook-image-tag` (gateway)",
            why: "the kernel image is built as \"<name>:<tag>\": a digest reference (name@sha256:...) split into name and tag becomes the invalid \"name:sha256:...\"; use a tag",
            source: [S.kernelImage],
        },
        {
            key: "distributedNotebook.ports.prometheus",
            reads: "daemon.yml `prometheus_port` (gateway only)",
            accepted: [DAEMON_PROMETHEUS_PORT],
            why: "only the gateway reads it; the local daemon serves on a hard-coded 8089 and kernels on PROMETHEUS_METRICS_PORT (unset: 8089)",
            source: [S.gatewayPrometheus, S.daemonPrometheus, S.kernelPrometheus],
        },
        {
            key: "distributedNotebook.ports.schedulerHttp",
            reads: "daemon.yml `scheduler-http-port` (gateway) and the extender's `cluster-gateway-port`",
            why: "the extender forwards /filter to 127.0.0.1:<cluster-gateway-port>; both must carry the same value",
            source: [S.schedulerHttp, S.extender, S.extenderFlags],
        },
        {
            key: "distributedNotebook",
            reads: "daemon.yml `deployment_mode`",
            accepted: ["kubernetes"],
            why: "kubernetes mode creates the kube client, the Kubernetes cluster/scheduler and (daemon) the device plugin; \"\" and `local` panic in the gateway",
            source: [S.kubeModeNewKubeClient, S.gatewayPolicySwitch, S.daemonEnv],
        },
        {
            key: "distributedNotebook",
            reads: "daemon.yml `use-stateful-set` (gateway)",
            accepted: [false],
            rejected: [true],
            why: "true panics when the first kernel is created (StatefulSet mode is no longer supported)",
            source: [S.useStatefulSet],
        },
        {
            key: "distributedNotebook.gpusPerNode",
            reads: "daemon.yml `gpus-per-host` (gateway and local daemon)",
            rejected: [0],
            why: "both programs panic when it is < 1",
            source: [src("gateway/daemon/gateway_daemon.go", "530-537"), src("local_daemon/daemon/local_daemon.go", "503-510")],
        },
        {
            key: "distributedNotebook.virtualGpusPerNode",
            reads: "daemon.yml `num-virtual-gpus-per-node` (local daemon device plugin)",
            why: "number of `ds2-lab.github.io/deflated-gpu` devices each daemon advertises to its kubelet",
            source: [S.daemonOptions, src("local_daemon/device/allocator.go", "88")],
        },
        // Upstream's chart also writes `kube-namespace`, `ipython-config-path`, `starting-resource-port` and
        // `num-replicas`: flags of neither program, silently skipped (S.flagsFromYaml); the program does not write them.
        // Environment variables.
        { key: "distributedNotebook", reads: "env NODE_NAME (local daemon)", why: "the daemon's node name (spec.nodeName); empty panics outside local mode", source: [S.daemonEnv, S.daemonNew] },
        { key: "distributedNotebook", reads: "env POD_IP (local daemon)", why: "the IP the daemon reports to the gateway for its sockets (falls back to the first private interface address)", source: [S.daemonNew, S.daemonKernelInfo] },
        { key: "distributedNotebook", reads: "env SHARED_CONFIG_DIR, IPYTHON_CONFIG_PATH (gateway)", why: "mount path of the kernel ConfigMap and IPYTHON_CONFIG_PATH passed to the kernels (defaults /kernel-configmap and the jovyan profile path)", source: [S.configDir, S.kernelEnv] },
        { key: "distributedNotebook", reads: "env LOCAL_DAEMON_SERVICE_NAME, LOCAL_DAEMON_SERVICE_PORT (kernel; set by the gateway from `local-daemon-service-name`, `local-daemon-service-port`)", why: "where a kernel registers: the short name must resolve in `default`", source: [S.kernelEnv, S.kernelRegister] },
    ];

    return {
        system: "distributed-notebook",
        pinned: {
            "ds2-lab/NotebookOS": `${REF} (HEAD; read for the floating :latest images)`,
            gateway: c.images.gateway,
            localDaemon: c.images.localDaemon,
            schedulerExtender: c.images.schedulerExtender,
            "notebook (front end and kernels)": c.images.notebook,
            kubeScheduler: c.images.kubeScheduler,
            "kruise CloneSet API": "apps.kruise.io/v1alpha1 clonesets",
        },
        flows,
        listeners,
        writes,
        accepts,
        hostFacts: [],
    };
};
