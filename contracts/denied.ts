/**
 * Connections no system needs, which the NetworkPolicies must deny, and deploy-order edges no system
 * needs. Collected from the "flows that must be denied" of each system's runtime research (the
 * findings behind contracts/<system>.ts), keeping those that hold in both stacks. Each says why
 * nothing needs it; the contracts' own flows are what the systems do need.
 *
 * Left out, with the reason:
 * - anything from a kernel or another pod in `default` towards the API server or the outside: the
 *   platform does not own `default` and puts no default-deny there, so only destinations can deny;
 * - JupyterHub's own pods among themselves and towards the cloud metadata address (user server ->
 *   proxy API 8001, user server -> user server 8888, user server -> API server, hub/user server ->
 *   169.254.169.254): z2jh's NetworkPolicies decide them, which the plan holds only once the Helm
 *   releases are rendered (they are listed with `decidedByChart` and skipped until then);
 * - Traefik -> the ACME solver pods on other ports, local-path helper pods: prod-only pods that
 *   exist only while a challenge or a volume operation runs.
 */
import type { ContractConfig } from "./types";
import type { DeniedFlow, DeniedWait, PodRef, PortSpec, Source } from "./types";

const ANY_PORT: PortSpec[] = [{ from: 1, to: 65535 }];

const NOTEBOOK = { repo: "ds2-lab/NotebookOS", ref: "8862fac47ecd7a60524d61c742506d409a5ff5d5" };
const METRICS_SERVER = { repo: "kubernetes-sigs/metrics-server", ref: "9ce65a47f9262e19e482c259ace815f01135a898" };
const KRUISE = { repo: "openkruise/kruise", ref: "5421ee7c8e9e54ec38c1c1e20f4deb4a722f47a7" };
const IL = { repo: "Bianco95/interLink", ref: "a5198b25064e1be943c8bc7c2cea052857486e7b" };
const FWD = { repo: "comp-dev-cms-ita/ssh-jhub-forwarder", ref: "3a4c189540c58d34f1b61db7958eccccdb7a354b" };
const src = (at: { repo: string; ref: string }, file: string, lines: string, note: string): Source => ({ ...at, file, lines, note });

const pods = (name: string, namespace: string, labels: Record<string, string>, createdBy: PodRef["createdBy"] = "program", labelKeys?: string[]): PodRef => ({ kind: "pods", name, namespace, labels, createdBy, ...(labelKeys ? { labelKeys } : {}) });

export function deniedFlows(cfg: ContractConfig): DeniedFlow[] {
    const out: DeniedFlow[] = [];
    const deny = (f: DeniedFlow) => out.push(f);

    // ---- the pods the flows name (only those of enabled systems) ----
    const nb = cfg.distributedNotebook.enabled ? cfg.distributedNotebook : undefined;
    const nbPod = (name: string, ns: string) => pods(name, ns, { app: name, "app.kubernetes.io/instance": "distributed-notebook" });
    const gateway = nb && nbPod("gateway", nb.namespace);
    const daemon = nb && nbPod("local-daemon", nb.daemonNamespace);
    const frontEnd = nb && nbPod("jupyter-notebook", nb.namespace);
    const defaultPod = pods("any pod in default", "default", { app: "some-workload" }, { runtime: "any workload in the default namespace" });

    const jh = cfg.jupyterhub.enabled ? cfg.jupyterhub : undefined;
    const z2jh = { chart: "jupyterhub", version: "3.1.0" };
    const hub = jh && pods("hub", jh.namespace, { component: "hub", app: "jupyterhub", release: jh.releaseName, "hub.jupyter.org/network-access-proxy-api": "true", "hub.jupyter.org/network-access-proxy-http": "true", "hub.jupyter.org/network-access-singleuser": "true" }, z2jh);
    const singleuser = jh && pods("singleuser-server", jh.namespace, { component: "singleuser-server", app: "jupyterhub", release: jh.releaseName, heritage: "jupyterhub", "hub.jupyter.org/network-access-hub": "true" }, { runtime: "KubeSpawner 6.1.0 in the hub" });
    const proxy = jh && pods("proxy", jh.namespace, { component: "proxy", app: "jupyterhub", release: jh.releaseName, "hub.jupyter.org/network-access-hub": "true", "hub.jupyter.org/network-access-singleuser": "true" }, z2jh);

    const il = cfg.interlink.enabled ? cfg.interlink : undefined;
    const vk = il && pods("virtual-kubelet", il.namespace, { "app.kubernetes.io/name": "interlink-vk", "app.kubernetes.io/instance": il.nodeName });
    const forwarder = il && pods("ssh-forwarder", il.namespace, { "app.kubernetes.io/name": "interlink-ssh-forwarder" });

    const nv = cfg.nvflare.enabled ? cfg.nvflare : undefined;
    const nvPod = (name: string, component: string) => pods(`${component} ${name}`, nv!.namespace, { "app.kubernetes.io/name": "nvflare", "app.kubernetes.io/component": component, system: name });
    const nvServer = nv && nv.servers.length > 0 ? { ...nv.servers[0], pod: nvPod(nv.servers[0].name, "server") } : undefined;
    const overseer = nv?.overseer ? { ...nv.overseer, pod: nvPod(nv.overseer.name, "overseer") } : undefined;

    const dx = cfg.diracx.enabled ? cfg.diracx : undefined;
    const diracxChart = { chart: "diracx", version: "1.1.6" };
    const dxPod = (name: string, labels: Record<string, string>) => pods(name, dx!.namespace, labels, diracxChart);
    const diracxApi = dx && dxPod("diracx API", { "app.kubernetes.io/name": "diracx", "app.kubernetes.io/instance": dx.releaseName });
    const diracxTargets: { pod: PodRef; port: number; what: string }[] = dx
        ? [
              ...(dx.mysql.mode === "bundled" ? [{ pod: dxPod("diracx-mysql", { "app.kubernetes.io/name": "mysql", "app.kubernetes.io/instance": dx.releaseName, "app.kubernetes.io/component": "primary" }), port: 3306, what: "MySQL" }] : []),
              ...(dx.opensearch.mode === "bundled" ? [{ pod: dxPod("opensearch", { "app.kubernetes.io/name": "opensearch", "app.kubernetes.io/instance": dx.releaseName }), port: 9200, what: "OpenSearch" }] : []),
              { pod: dxPod("task Redis", { "app.kubernetes.io/name": "diracx-task-redis", "app.kubernetes.io/instance": `${dx.releaseName}-task-redis` }), port: 6379, what: "the task Redis" },
              ...(dx.sandboxStore.mode === "seaweedfs" ? [{ pod: dxPod("seaweedfs", { app: "seaweedfs", release: dx.releaseName }), port: 8333, what: "SeaweedFS S3" }] : []),
              ...(dx.dex.enabled ? [{ pod: dxPod("dex", { "app.kubernetes.io/name": "dex", "app.kubernetes.io/instance": dx.releaseName }), port: 5556, what: "Dex" }] : []),
          ]
        : [];

    const ingress = cfg.ingress.enabled && cfg.ingress.install ? cfg.ingress : undefined;
    const traefik = ingress && pods("traefik", ingress.namespace, { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `traefik-${ingress.namespace}` }, { chart: "traefik", version: "41.3.0" });
    const kruise = cfg.kruise.enabled ? pods("kruise-manager", cfg.kruise.namespace, { "control-plane": "controller-manager" }, { chart: "kruise", version: "1.5.2" }) : undefined;
    const cm = cfg.certManager.enabled ? cfg.certManager : undefined;
    const cmPod = (name: string, component: string) => pods(`cert-manager-${component}`, cm!.namespace, { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component }, { chart: "cert-manager", version: "v1.21.1" });
    const cmController = cm && cmPod("cert-manager", "controller");
    const metricsServer = cfg.metricsServer.enabled ? pods("metrics-server", cfg.metricsServer.namespace, { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" }, { chart: "metrics-server", version: "3.13.1" }) : undefined;
    const metallb = cfg.metallb.enabled ? pods("metallb-controller", cfg.metallb.namespace, { "app.kubernetes.io/name": "metallb", "app.kubernetes.io/instance": "metallb", "app.kubernetes.io/component": "controller" }, { chart: "metallb", version: "0.14.9" }) : undefined;

    /** A pod of each other application, as outsiders. */
    const outsiders = (...except: (PodRef | undefined)[]): PodRef[] => [gateway, nvServer?.pod, diracxApi, singleuser, forwarder].filter((p): p is PodRef => p !== undefined && !except.some((e) => e && e.namespace === p.namespace));

    // ---- InterLink ----
    if (vk && forwarder) {
        deny({ id: "interlink-forwarder-to-vk", from: forwarder, to: vk, ports: ANY_PORT, why: "nothing in the VK or the forwarder calls the other; the internet-facing forwarder (password SSH for any hub user) must not reach the VK's kubelet port, which serves every offloaded pod's logs without authentication", source: src(IL, "main.go", "356-394", "kubelet API routes with no auth wrapper") });
        deny({ id: "interlink-vk-to-forwarder", from: vk, to: forwarder, ports: ANY_PORT, why: "the VK dials interlinkUrl directly, never the forwarder (nor its redis)", source: src(IL, "pkg/common/func.go", "130-145", "the VK's only remote calls go to InterlinkURL:InterlinkPort") });
        deny({ id: "interlink-vk-to-hub", from: vk, to: hub ?? pods("hub", il!.hub.namespace, { component: "hub", app: "jupyterhub" }, z2jh), ports: [8081], why: "the VK never calls JupyterHub" });
        deny({ id: "interlink-forwarder-to-internet", from: forwarder, to: { kind: "anywhere" }, ports: ANY_PORT, why: "the forwarder needs only DNS and the hub API; the remote notebooks connect to it, never the reverse", source: src(FWD, "ssh_jhub_forwarder/server.py", "76-94", "its only outgoing call: GET {JHUB_URL}/hub/api/users/<user>") });
        for (const o of outsiders(vk)) {
            deny({ id: `interlink-${o.namespace}-to-vk`, from: o, to: vk, ports: ANY_PORT, why: "only the API server calls the VK's kubelet port" });
            deny({ id: `interlink-${o.namespace}-to-forwarder`, from: o, to: forwarder, ports: [{ from: il!.tunnel.portRange.from, to: il!.tunnel.portRange.to }, 6379], why: "another application's pod must not reach an offloaded user's server (only the hub and the proxy may) nor the forwarder's redis" });
        }
        deny({ id: "interlink-default-to-vk", from: defaultPod, to: vk, ports: ANY_PORT, why: "pods in default (kernels, anything else) have no business with the virtual kubelet" });
    }

    // ---- distributed notebook ----
    if (gateway && daemon && frontEnd) {
        const p = nb!.ports;
        deny({ id: "notebook-anywhere-to-gateway-control", from: { kind: "anywhere" }, to: gateway, ports: [p.provisioner, p.distributedClusterService, p.localDaemon, p.schedulerHttp], why: "the gateway's gRPC control plane (host registration, DistributedCluster with InducePanic, StartKernel) is unauthenticated and only the front end and the daemons inside the cluster use it; its StartKernel replies carry pod IPs no outside client can reach", source: [src(NOTEBOOK, "gateway/daemon/gateway_daemon.go", "1000-1048,2198-2209", "host registration; StartKernel reply with the pod IP"), src(NOTEBOOK, "gateway/daemon/distributed_cluster.go", "78-81,203-205", "InducePanic, SetNumClusterNodes")] });
        deny({ id: "notebook-default-to-gateway", from: defaultPod, to: gateway, ports: ANY_PORT, why: "kernels dial only their local daemon and their SMR peers, never the gateway; nothing else in default needs it", source: src(NOTEBOOK, "distributed_notebook/kernel/kernel.py", "1155-1185", "the kernel's connections: the local daemon") });
        deny({ id: "notebook-daemon-to-daemon", from: daemon, to: daemon, ports: ANY_PORT, why: "no local daemon dials another: they dial the gateway's provisioner, their kernels and the API server", source: src(NOTEBOOK, "local_daemon/daemon/local_daemon.go", "1008-1032", "the daemon's only dial: the provisioner") });
        deny({ id: "notebook-front-end-to-daemons", from: frontEnd, to: daemon, ports: ANY_PORT, why: "the Jupyter front end talks only to the gateway" });
        deny({ id: "notebook-front-end-to-api-server", from: frontEnd, to: { kind: "apiServer" }, ports: cfg.kubernetes.apiServerPorts, why: "the Jupyter front end mounts no token and calls no Kubernetes API" });
        for (const o of outsiders(gateway, daemon)) {
            deny({ id: `notebook-${o.namespace}-to-gateway`, from: o, to: gateway, ports: [p.provisioner, p.distributedClusterService], why: "another application's pod must not register a fake host (provisioner) or drive the cluster (DistributedCluster)" });
            deny({ id: `notebook-${o.namespace}-to-daemons`, from: o, to: daemon, ports: [p.kernelRegistry, p.localDaemon], why: "another application's pod must not register a fake kernel replica or call the daemon's gRPC" });
        }
    }

    // ---- JupyterHub ----
    if (hub && singleuser && proxy) {
        // The ssh-forwarder is the one outsider that calls the hub's API (its login check: contracts/interlink.ts).
        for (const o of outsiders(singleuser, forwarder)) deny({ id: `jupyterhub-${o.namespace}-to-hub`, from: o, to: hub, ports: [8081], why: "only the proxy, the user servers and (InterLink) the ssh-forwarder call the hub's API" });
        for (const o of outsiders(singleuser)) deny({ id: `jupyterhub-${o.namespace}-to-proxy-api`, from: o, to: proxy, ports: [8001], why: "only the hub manages the proxy's routes" });
        const meta = { kind: "external" as const, name: "cloud metadata", host: "169.254.169.254" };
        deny({ id: "jupyterhub-singleuser-to-proxy-api", from: singleuser, to: proxy, ports: [8001], why: "a user server must not rewrite the proxy's routes", decidedByChart: "jupyterhub" });
        deny({ id: "jupyterhub-singleuser-to-singleuser", from: singleuser, to: singleuser, ports: [8888], why: "a user must not reach another user's server directly", decidedByChart: "jupyterhub" });
        deny({ id: "jupyterhub-singleuser-to-metadata", from: singleuser, to: meta, ports: [80], why: "the cloud metadata endpoint holds node credentials", decidedByChart: "jupyterhub" });
        deny({ id: "jupyterhub-singleuser-to-api-server", from: singleuser, to: { kind: "apiServer" }, ports: cfg.kubernetes.apiServerPorts, why: "user servers mount no token and need no Kubernetes API", decidedByChart: "jupyterhub" });
        deny({ id: "jupyterhub-hub-to-metadata", from: hub, to: meta, ports: [80], why: "the hub needs no cloud metadata", decidedByChart: "jupyterhub" });
        // User servers towards other applications: decided by the destinations' program policies.
        for (const t of diracxTargets) deny({ id: `jupyterhub-singleuser-to-diracx-${t.port}`, from: singleuser, to: t.pod, ports: [t.port], why: `a user's code must not reach DiracX's ${t.what}` });
    }

    // ---- NVIDIA FLARE ----
    if (nvServer) {
        for (const t of diracxTargets) deny({ id: `nvflare-to-diracx-${t.port}`, from: nvServer.pod, to: t.pod, ports: [t.port], why: `NVFlare never uses DiracX's ${t.what}` });
        deny({ id: "nvflare-to-api-server", from: nvServer.pod, to: { kind: "apiServer" }, ports: cfg.kubernetes.apiServerPorts, why: "NVFlare pods mount no token and call no Kubernetes API" });
        if (hub) deny({ id: "nvflare-to-hub", from: nvServer.pod, to: hub, ports: [8081], why: "NVFlare never calls JupyterHub" });
        if (diracxApi) {
            deny({ id: "diracx-to-nvflare-server", from: diracxApi, to: nvServer.pod, ports: [nvServer.flPort, nvServer.adminPort], why: "DiracX never calls NVFlare (from a pod address; outside clients come through the exposure)" });
            if (overseer) deny({ id: "diracx-to-nvflare-overseer", from: diracxApi, to: overseer.pod, ports: [overseer.port], why: "DiracX never calls the NVFlare overseer" });
        }
    }

    // ---- DiracX ----
    if (dx && diracxApi) {
        for (const o of outsiders(diracxApi)) for (const t of diracxTargets) deny({ id: `diracx-${o.namespace}-to-${t.port}`, from: o, to: t.pod, ports: [t.port], why: `only DiracX's own pods use its ${t.what}` });
        if (traefik) for (const t of diracxTargets.filter((x) => x.port === 3306 || x.port === 9200 || x.port === 6379)) deny({ id: `diracx-traefik-to-${t.port}`, from: traefik, to: t.pod, ports: [t.port], why: `the Ingress routes only to the API (8000) and the web app (8080), never to ${t.what}` });
        if (hub) deny({ id: "diracx-to-hub", from: diracxApi, to: hub, ports: [8081], why: "DiracX never calls JupyterHub" });
    }

    // ---- cluster add-ons ----
    if (kruise) {
        for (const o of outsiders()) deny({ id: `kruise-${o.namespace}-to-manager`, from: o, to: kruise, ports: [9876, 8080, 8090], why: "only the API server calls kruise-manager (webhooks on 9876); metrics 8080 and pprof 8090 (on every interface, enabled by default) must stay private", source: src(KRUISE, "main.go", "109-110,133-139", "--enable-pprof default true, --pprof-addr :8090") });
        if (cmController) deny({ id: "kruise-cert-manager-to-manager", from: cmController, to: kruise, ports: [9876], why: "cert-manager never calls kruise-manager" });
    }
    if (cm && cmController) {
        if (traefik) deny({ id: "cert-manager-traefik-to-pods", from: traefik, to: pods("cert-manager pods", cm.namespace, { "app.kubernetes.io/instance": "cert-manager" }, { chart: "cert-manager", version: "v1.21.1" }), ports: [10250, 9402, 9403], why: "only the API server calls the webhook (10250); metrics and health ports are private" });
        deny({ id: "cert-manager-controller-to-internet-other-ports", from: cmController, to: { kind: "anywhere" }, ports: [{ from: 1, to: 79 }, { from: 81, to: 442 }, { from: 444, to: 65535 }], why: "the controller talks to ACME servers and the HTTP-01 self-check on 80/443 only" });
    }
    if (metricsServer) for (const o of outsiders()) deny({ id: `metrics-server-${o.namespace}-to-metrics-server`, from: o, to: metricsServer, ports: [10250], why: "only the API server (aggregation layer) calls metrics-server" });
    if (metallb) for (const o of outsiders()) deny({ id: `metallb-${o.namespace}-to-controller`, from: o, to: metallb, ports: [9443, 7472], why: "only the API server calls the MetalLB webhook; metrics are private" });
    if (traefik) deny({ id: "traefik-anywhere-to-dashboard", from: { kind: "anywhere" }, to: traefik, ports: [8080, 9100], why: "Traefik's API/dashboard (8080) and metrics (9100) are not entrypoints; only 8000, 8443 and the TCP entrypoints are public" });
    return out;
}

/** Deploy-order edges no system needs (see the header of tools/guardrails/contracts.ts). */
export function deniedWaits(cfg: ContractConfig): DeniedWait[] {
    const out: DeniedWait[] = [];
    if (cfg.distributedNotebook.enabled && cfg.metricsServer.enabled) {
        out.push({
            id: "notebook-waits-for-metrics-server",
            from: "distributed-notebook",
            to: "cluster/metricsServer",
            why: "no NotebookOS program (gateway, local daemon, scheduler extender, kernels, front end) uses the metrics API: no metrics.k8s.io client is compiled in (vendor/k8s.io has no metrics module) and nothing calls it; waiting only delays the notebook and ties it to metrics-server's health",
            source: [
                src(NOTEBOOK, "gateway/daemon/kube_client.go", "59", "the only extension API the gateway uses: apps.kruise.io/v1alpha1 clonesets"),
                src(NOTEBOOK, "deploy/helm/distributed-notebook/README.md", "61-66", "metrics-server appears only as an install step of the upstream README"),
            ],
        });
    }
    if (cfg.metricsServer.enabled && cfg.kruise.enabled) {
        out.push({
            id: "metrics-server-waits-for-kruise",
            from: "cluster/metricsServer",
            to: "cluster/kruise",
            why: "metrics-server lists nodes and pods and scrapes kubelets; it uses no OpenKruise API, so the edge only serialises the deploy",
            source: src(METRICS_SERVER, "cmd/metrics-server/app/options/options.go", "102-111,159-166", "its API use: delegated authn/authz, nodes and pods"),
        });
    }
    return out;
}
