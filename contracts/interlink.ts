/**
 * Runtime contract of the InterLink offloading (seed 001): the virtual kubelet (VK) and its token
 * refresher, the SSH forwarder that carries the return path from remote notebooks, the hub <->
 * offloaded-server connections, and the remote target host (InterLink API, Docker sidecar) as the
 * program describes it in `interlinkHostFiles`.
 *
 * Read at the pinned versions:
 * - VK, refresh-token, InterLink API and Docker sidecar: Bianco95/interLink, branch
 *   `dockersidecar-gpu`, commit a5198b2 (no tag exists; the images `interlink.images.virtualKubelet`
 *   and `tokenRefresher` are built from it: docker/Dockerfile.vk, docker/Dockerfile.refresh-token).
 * - ssh-jhub-forwarder v0.0.3 (3a4c189), image ghcr.io/comp-dev-cms-ita/ssh-forwarder:v0.0.3.
 * - JupyterHub 4.0.2, KubeSpawner 6.1.0 (the versions of z2jh 3.1.0's hub image), z2jh 3.1.0.
 * - alexellis/go-execute v0.6.0 (how the Docker sidecar runs `docker`).
 * Findings and fixes: /work/research/interlink-findings.md.
 */
import type { ContractFn, Flow, HostFact, PodRef, Source } from "./types";

const IL = { repo: "Bianco95/interLink", ref: "a5198b25064e1be943c8bc7c2cea052857486e7b" };
const FWD = { repo: "comp-dev-cms-ita/ssh-jhub-forwarder", ref: "3a4c189540c58d34f1b61db7958eccccdb7a354b" };
const JH = { repo: "jupyterhub/jupyterhub", ref: "0e7689f277ae163d9a770e4b7c2c0b092b93d625" };
const KS = { repo: "jupyterhub/kubespawner", ref: "34edb4bdbfaa104ef456a87c1853f572afc93af9" };
const Z2JH = { repo: "jupyterhub/zero-to-jupyterhub-k8s", ref: "8ccf2609ba5a42a9430f6940c04b2d8fab9bfc1d" };
const GOEXEC = { repo: "alexellis/go-execute", ref: "e7b8802d8c07a7b25dc5874d0385bce037993c17" };

const src = (base: { repo: string; ref: string }, file: string, lines: string, note: string): Source => ({ ...base, file, lines, note });

// The virtual kubelet's own listener: hard-coded, whatever KUBELET_PORT says.
const VK_LISTEN = src(IL, "main.go", "366-394", "kubelet HTTPS server on 0.0.0.0:10250 (literal), self-signed cert kept in memory; routes from api.AttachPodRoutes (containerLogs, runningpods)");
const VK_DAEMON_ENDPOINT = src(IL, "pkg/virtualkubelet/virtualkubelet.go", "119-126", "node InternalIP = POD_IP and DaemonEndpoints.KubeletEndpoint.Port = KUBELET_PORT (main.go:211-222): where the API server calls for logs");
const VK_INCLUSTER = src(IL, "main.go", "225-249", "no KUBECONFIG file: rest.InClusterConfig()");
const VK_INFORMERS = src(IL, "main.go", "284-331", "node controller (creates/updates its node), pod informer on spec.nodeName, cluster-wide Secret/ConfigMap/Service informers");
const VK_EXEC_CLIENT = src(IL, "pkg/virtualkubelet/execute.go", "244-295", "gets the pod and its ConfigMap/Secret volumes from the API before /create");
const VK_PING = src(IL, "pkg/common/func.go", "130-145", "POST InterlinkURL + \":\" + InterlinkPort + \"/pinglink\" with Authorization: Bearer <VKTokenFile>");
const VK_CALLS = src(IL, "pkg/virtualkubelet/execute.go", "26-233", "/updateCache, /create, /delete, /status, /getLogs at InterlinkURL + \":\" + InterlinkPort, bearer token read from VKTokenFile on every call");
const VK_CONFIG = src(IL, "pkg/common/func.go", "24-122", "InterLinkConfig.yaml from INTERLINKCONFIGPATH; env overrides INTERLINKURL/INTERLINKPORT/...; VKTOKENFILE must exist at start (os.Stat, else exit)");
const REFRESH_ENV = src(IL, "docker/scripts/refresh.py", "17-27", "reads IAM_TOKEN_ENDPOINT (default https://cms-auth.web.cern.ch/token), IAM_CLIENT_ID, IAM_CLIENT_SECRET, IAM_REFRESH_TOKEN, IAM_VK_AUD, TOKEN_PATH; never IAM_SERVER");
const REFRESH_GRANT = src(IL, "docker/scripts/refresh.py", "40-65", "POST {grant_type: refresh_token, refresh_token, audience} with HTTP Basic client id/secret; no access_token -> logged, retried after 1000 s");
const REFRESH_WRITES = src(IL, "docker/scripts/refresh.py", "29-35,70-84", "reads TOKEN_PATH-refresh if present (overrides the env token); writes TOKEN_PATH-refresh then TOKEN_PATH (truncate + write); loops every 1000 s");

const FWD_LISTEN = src(FWD, "scripts/ssh-jhub-forwarder.py", "15-24", "asyncssh server on \"\" (every interface) port 8022 (literal), host key ~/.ssh/id_rsa, hub URL from JHUB_URL");
const FWD_AUTH = src(FWD, "ssh_jhub_forwarder/server.py", "76-94", "password = JupyterHub token: GET {JHUB_URL}/hub/api/users/<ssh user up to the first '-'> with Authorization: token <password>, 200 = allowed");
const FWD_FORWARD = src(FWD, "ssh_jhub_forwarder/server.py", "28-49", "server_requested accepts any remote forward (-R): asyncssh listens on the requested host:port in the forwarder pod");
const FWD_REDIS = src(FWD, "ssh_jhub_forwarder/dbcache.py", "19-74", "every connection and forward writes traefik/* keys to redis at localhost:6379 (REDIS_HOSTNAME/REDIS_PORT/REDIS_PASSWORD override)");
const FWD_START = src(FWD, "scripts/ssh-jhub-start.sh", "7-9", "the image entrypoint writes the host key to /root/.ssh/id_rsa (root only) before starting the server");

const JH_WAIT_UP = src(JH, "jupyterhub/user.py", "914-930", "after start(), the hub polls the server URL over HTTP (server.wait_up) for spawner.http_timeout");
const JH_PROXY_ROUTE = src(JH, "jupyterhub/proxy.py", "327-346", "the proxy route of /user/<name>/ targets spawner.server.host");
const JH_API_URL = src(JH, "jupyterhub/spawner.py", "991-1016", "JUPYTERHUB_API_URL from hub_connect_url; JUPYTERHUB_SERVICE_URL http://<ip>:<port><base_url> (the notebook listens on Spawner.port)");
const JH_USER_API = src(JH, "jupyterhub/apihandlers/users.py", "232-244", "GET /hub/api/users/<name> needs read:users[:name] (or similar) for that user");
const JH_IDENTIFY = src(JH, "jupyterhub/scopes.py", "361-364", "every token also holds read:users:name!user=<owner>: a server's JUPYTERHUB_API_TOKEN can read its own user (200), not another's");
const KS_POD_URL = src(KS, "kubespawner/spawner.py", "1901-1936", "server URL = http://<pod_connect_ip>:<self.port> when pod_connect_ip is set");
const KS_CONTAINER = src(KS, "kubespawner/objects.py", "531-545", "the notebook container is always named \"notebook\", with args = cmd + get_args() and containerPort = port");
const Z2JH_LABELS = src(Z2JH, "jupyterhub/templates/_helpers.tpl", "88-144", "pod labels: component (hub/proxy), app: jupyterhub (nameOverride), release: <release name>; no app.kubernetes.io/* labels");
const Z2JH_HUB = src(Z2JH, "jupyterhub/templates/hub/deployment.yaml", "17-24,212-213", "hub pods: matchLabels + hub.jupyter.org/network-access-*; container port http 8081");
const Z2JH_PROXY = src(Z2JH, "jupyterhub/templates/proxy/deployment.yaml", "19-25,136-139", "proxy pods: matchLabels (component: proxy); container ports http 8000, api 8001");
const Z2JH_HUB_INGRESS = src(Z2JH, "jupyterhub/templates/hub/netpol.yaml", "57-60", "hub.networkPolicy.ingress is appended to the hub's ingress rules");

const SIDECAR_LISTEN = src(IL, "cmd/sidecars/docker/main.go", "63-68", "http.ListenAndServe(\":\" + SidecarPort): every interface, no bind-address setting");
const API_LISTEN = src(IL, "cmd/interlink/main.go", "43-50", "http.ListenAndServe(\":\" + InterlinkPort): every interface, no bind-address setting (InterlinkURL is only a client URL)");
const SIDECAR_DATA = src(IL, "pkg/sidecars/docker/aux.go", "29-42", "os.MkdirAll(DataRootFolder + <namespace>-<pod UID>) for every container when ExportPodData is true");
const SIDECAR_DATA_CWD = src(IL, "pkg/sidecars/docker/aux.go", "102,135,190,242", "ConfigMap, Secret and emptyDir volume directories are <cwd>/DataRootFolder/<pod UID>/...: an absolute DataRootFolder would be nested under the working directory");
const SIDECAR_DATA_RM = src(IL, "pkg/sidecars/docker/Delete.go", "87-89", "os.RemoveAll(DataRootFolder + <namespace>-<pod UID>) on delete");
const SIDECAR_RUN = src(IL, "pkg/sidecars/docker/Create.go", "106-191", "`docker run -d --name <container name>` built as one string: -e NAME=VALUE unquoted (single-quoted only if the value has '['), image, then command and args (as CMD: the image ENTRYPOINT stays); the whole command line is logged");
const SIDECAR_CONFLICT = src(IL, "pkg/sidecars/docker/Create.go", "197-205", "a name conflict with an existing container is logged as a warning and the create reports success");
const SIDECAR_DELETE = src(IL, "pkg/sidecars/docker/Delete.go", "40-89", "`docker stop -t 10 <container name>` then rm, GPU released by container name");
const SIDECAR_NVML = src(IL, "cmd/sidecars/docker/main.go", "36-55", "gpuManager.Init (nvml.Init), Discover, Check: log.Fatal on error, so the sidecar exits on a host without the NVIDIA driver");
const SHELL = src(GOEXEC, "pkg/v1/exec.go", "49-62", "Shell: true runs /bin/bash -c \"<command> <args joined by spaces>\"");

export const contract: ContractFn = (cfg) => {
    const il = cfg.interlink;
    if (!il.enabled) return undefined;
    const hubNs = il.hub.namespace;
    // The hub's release as InterLink knows it (cross-checked against jupyterhub.releaseName when the platform's hub is on).
    const release = il.hub.releaseName;
    const portRange = { from: il.tunnel.portRange.from, to: il.tunnel.portRange.to };
    const targetHost = il.interlinkUrl ? new URL(il.interlinkUrl).hostname : "interlink.interlinkUrl";
    const iamUrl = new URL(il.iam.server);
    const iamPort = Number(iamUrl.port || (iamUrl.protocol === "http:" ? 80 : 443));

    const vk: PodRef = {
        kind: "pods",
        name: "virtual-kubelet",
        namespace: il.namespace,
        labels: { "app.kubernetes.io/name": "interlink-vk", "app.kubernetes.io/instance": il.nodeName },
        createdBy: "program",
    };
    const forwarder: PodRef = {
        kind: "pods",
        name: "ssh-forwarder",
        namespace: il.namespace,
        labels: { "app.kubernetes.io/name": "interlink-ssh-forwarder" },
        createdBy: "program",
    };
    const hub: PodRef = {
        kind: "pods",
        name: "hub",
        namespace: hubNs,
        labels: { app: "jupyterhub", release, component: "hub" },
        createdBy: { chart: "jupyterhub", version: "3.1.0" },
    };
    const proxy: PodRef = {
        kind: "pods",
        name: "proxy",
        namespace: hubNs,
        labels: { app: "jupyterhub", release, component: "proxy" },
        createdBy: { chart: "jupyterhub", version: "3.1.0" },
    };
    const remoteHost = { kind: "external" as const, name: "InterLink target host (oauth2-proxy in front of the InterLink API; runs the offloaded notebooks)", host: targetHost };

    const dnsFlows = (id: string, from: PodRef, why: string, source: Source): Flow[] =>
        (["UDP", "TCP"] as const).map((protocol) => ({ id: `${id}-${protocol.toLowerCase()}`, from, to: { kind: "dns" }, ports: [53], protocol, why, source }));

    const flows: Flow[] = [
        {
            id: "vk-to-api-server",
            from: vk,
            to: { kind: "apiServer" },
            ports: cfg.kubernetes.apiServerPorts,
            why: "the VK registers and updates its node, watches the pods bound to it and every Secret/ConfigMap/Service, reads pod volumes' ConfigMaps/Secrets, patches pod status and records events",
            source: [VK_INCLUSTER, VK_INFORMERS, VK_EXEC_CLIENT],
        },
        {
            id: "api-server-to-vk-kubelet",
            from: { kind: "apiServer" },
            to: vk,
            ports: [10250],
            why: "kubectl logs of offloaded pods: the API server calls the node's InternalIP (the VK pod IP) on the node's kubelet endpoint port (KUBELET_PORT), and the VK listens only on 10250, so KUBELET_PORT must be 10250",
            source: [VK_LISTEN, VK_DAEMON_ENDPOINT],
        },
        {
            id: "vk-to-interlink-api",
            from: vk,
            to: remoteHost,
            ports: [il.interlinkPort],
            why: "every 10 s /pinglink, and /create, /delete, /status, /getLogs, /updateCache, over HTTPS with TLS verification off, Authorization: Bearer <token file>",
            source: [VK_PING, VK_CALLS, src(IL, "main.go", "207,252-278", "InsecureSkipVerify on the default transport; ping loop (it never exits: the counter only counts a 200 answering 1 with ILbind false, which cannot happen)")],
        },
        {
            id: "refresher-to-iam-token-endpoint",
            from: vk,
            to: { kind: "external", name: "IAM token endpoint (IAM_TOKEN_ENDPOINT)", host: iamUrl.hostname },
            ports: [iamPort],
            why: "the token-refresher container exchanges the refresh token for an access token with audience IAM_VK_AUD",
            source: [REFRESH_ENV, REFRESH_GRANT],
        },
        ...dnsFlows("vk-dns", vk, "the VK resolves the target host and the IAM server names", VK_PING),
        {
            id: "forwarder-to-hub-api",
            from: forwarder,
            to: hub,
            ports: [8081],
            why: "each SSH login of a remote notebook is checked with GET {JHUB_URL}/hub/api/users/<user> (JHUB_URL = interlink.hub.internalUrl, the hub Service on 8081)",
            source: [FWD_AUTH, JH_USER_API, JH_IDENTIFY, Z2JH_HUB, Z2JH_HUB_INGRESS],
        },
        ...dnsFlows("forwarder-dns", forwarder, "the forwarder resolves the hub Service name of JHUB_URL", FWD_AUTH),
        {
            id: "hub-to-forwarder-tunnel",
            from: hub,
            to: forwarder,
            ports: [portRange],
            why: "after the offloaded pod runs, the hub waits for http://<pod_connect_ip>:<FWD_PORT>/user/<name>/ (the forwarder pod, where the notebook's reverse tunnel listens)",
            source: [JH_WAIT_UP, KS_POD_URL, FWD_FORWARD, Z2JH_LABELS],
        },
        {
            id: "proxy-to-forwarder-tunnel",
            from: proxy,
            to: forwarder,
            ports: [portRange],
            why: "the proxy routes /user/<name>/ to the server URL, i.e. the forwarder pod on the server's FWD_PORT",
            source: [JH_PROXY_ROUTE, KS_POD_URL, FWD_FORWARD, Z2JH_LABELS, Z2JH_PROXY],
        },
        {
            id: "offloaded-notebook-to-forwarder-ssh",
            from: remoteHost,
            to: forwarder,
            ports: [8022],
            why: "the offloaded notebook container opens an SSH session to tunnel.publicHost (Service ssh-forwarder-public) and asks for a remote forward of its FWD_PORT",
            source: [FWD_LISTEN, FWD_FORWARD],
        },
    ];
    if (il.hub.publicUrl) {
        const pub = new URL(il.hub.publicUrl);
        flows.push({
            id: "offloaded-notebook-to-hub-public-url",
            from: remoteHost,
            to: { kind: "external", name: "JupyterHub public URL (hub_connect_url)", host: pub.hostname },
            ports: [Number(pub.port || (pub.protocol === "http:" ? 80 : 443))],
            why: "the offloaded notebook calls the hub API (activity, OAuth) at JUPYTERHUB_API_URL, built from hub_connect_url = interlink.hub.publicUrl",
            source: JH_API_URL,
        });
    }

    const hostFacts: HostFact[] = [
        {
            kind: "unitWritablePath",
            id: "docker-sidecar-data-root",
            unit: "docker-sidecar.service",
            path: "/var/lib/interlink/jobs/",
            why: "the Docker sidecar creates <DataRootFolder><namespace>-<pod UID> for every offloaded container (ExportPodData: true) and fails the create if it cannot; the program writes DataRootFolder: jobs/ (relative) into the host's InterLinkConfig.yaml and gives docker-sidecar.service StateDirectory=interlink and WorkingDirectory=/var/lib/interlink, writable under ProtectSystem=full (which makes /etc read-only); relative, the cwd-joined volume paths stay in the same tree",
            source: [SIDECAR_DATA, SIDECAR_DATA_RM, SIDECAR_DATA_CWD, src(IL, "pkg/sidecars/docker/Create.go", "160-166", "prepareMounts error -> HTTP 500, no container")],
        },
        {
            kind: "unitListensOnAllInterfaces",
            id: "interlink-api-all-interfaces",
            unit: "interlink.service",
            port: 3000,
            allowOnly: "localhost",
            why: "the InterLink API has no bind address and no authentication of its own; only oauth2-proxy on the same host may reach it (IPAddressDeny=any, IPAddressAllow=localhost: it only talks to the sidecar on 127.0.0.1)",
            source: [API_LISTEN, src(IL, "pkg/interlink/create.go", "64-77", "forwards to SidecarURL:SidecarPort (127.0.0.1:4000) only")],
        },
        {
            kind: "unitListensOnAllInterfaces",
            id: "docker-sidecar-all-interfaces",
            unit: "docker-sidecar.service",
            port: 4000,
            allowOnly: "localhost",
            why: "the sidecar runs `docker run` for whoever calls it (root-equivalent) and has no bind address; only the InterLink API on the same host may reach it (IPAddressDeny=any, IPAddressAllow=localhost: Docker is reached through its unix socket)",
            source: [SIDECAR_LISTEN, SIDECAR_RUN, SHELL],
        },
    ];
    if (cfg.kubernetes.distribution === "kind" && il.tunnel.exposure === "NodePort" && il.tunnel.nodePort !== undefined) {
        hostFacts.push({
            kind: "kindPortMapping",
            id: "forwarder-ssh-node-port",
            containerPort: il.tunnel.nodePort,
            why: "remote notebooks dial tunnel.publicHost:nodePort; on kind the node port must be mapped to the machine that name resolves to",
            source: FWD_LISTEN,
        });
    }

    return {
        system: "interlink",
        pinned: {
            "Bianco95/interLink (VK, refresh-token, InterLink API, docker-sd)": `dockersidecar-gpu@${IL.ref} (no tag; images ${il.images.virtualKubelet ?? "interlink.images.virtualKubelet"}, ${il.images.tokenRefresher ?? "interlink.images.tokenRefresher"})`,
            "comp-dev-cms-ita/ssh-jhub-forwarder": `v0.0.3 = ${FWD.ref} (image ${il.images.sshForwarder})`,
            redis: il.images.redis,
            "jupyterhub chart (z2jh)": `3.1.0 = ${Z2JH.ref}`,
            jupyterhub: `4.0.2 = ${JH.ref} (z2jh 3.1.0 images/hub/requirements.txt)`,
            kubespawner: `6.1.0 = ${KS.ref} (z2jh 3.1.0 images/hub/requirements.txt)`,
            "alexellis/go-execute": `v0.6.0 = ${GOEXEC.ref} (go.mod of interLink a5198b2)`,
        },
        flows,
        listeners: [
            {
                pod: vk,
                container: "virtual-kubelet",
                port: 10250,
                bind: "all",
                namedBy: ["probe", "networkPolicy"],
                why: "the VK's kubelet API (logs); the port is a literal in main.go, KUBELET_PORT only sets what the node advertises, so the container port, the probes and the API-server allow must all say 10250",
                source: [VK_LISTEN, VK_DAEMON_ENDPOINT],
            },
            {
                pod: forwarder,
                container: "ssh-forwarder",
                port: 8022,
                bind: "all",
                namedBy: ["service", "probe", "networkPolicy"],
                why: "SSH server remote notebooks open their reverse tunnels to (Services ssh-forwarder and ssh-forwarder-public); the tunnel ports themselves (tunnel.portRange) are opened at run time on every interface of the same pod",
                source: [FWD_LISTEN, FWD_FORWARD],
            },
            {
                pod: forwarder,
                container: "redis",
                port: 6379,
                bind: "loopback",
                namedBy: [],
                why: "the forwarder writes its route keys to redis on localhost:6379 in its own pod; nothing else may reach it",
                source: FWD_REDIS,
            },
        ],
        writes: [
            {
                pod: vk,
                container: "settoken",
                path: "/opt/interlink/token",
                why: "the VK exits at start unless VKTOKENFILE exists: the init container creates it empty (as upstream's settoken)",
                source: [VK_CONFIG, src(IL, "examples/interlink-docker/vk/deployment.yaml", "19-26", "upstream init container `touch /opt/interlink/token`")],
            },
            {
                pod: vk,
                container: "token-refresher",
                path: "/opt/interlink/token",
                why: "TOKEN_PATH: the access token the VK sends as Bearer (the virtual-kubelet container reads it through VKTOKENFILE, read-only mount of the same volume)",
                source: [REFRESH_WRITES, VK_CALLS],
            },
            {
                pod: vk,
                container: "token-refresher",
                path: "/opt/interlink/token-refresh",
                why: "TOKEN_PATH + \"-refresh\": the refresh token IAM returned, read back at start in place of IAM_REFRESH_TOKEN",
                source: REFRESH_WRITES,
            },
            {
                pod: forwarder,
                container: "host-key",
                path: "/home/forwarder/.ssh/id_rsa",
                why: "the server loads its host key from ~/.ssh/id_rsa (HOME=/home/forwarder); upstream's entrypoint would write /root/.ssh/id_rsa, which a non-root pod cannot",
                source: [FWD_LISTEN, FWD_START],
            },
        ],
        accepts: [
            {
                key: "interlink.interlinkUrl",
                reads: "InterLinkConfig.yaml InterlinkURL (env INTERLINKURL overrides)",
                why: "every call is InterlinkURL + \":\" + InterlinkPort + \"/<route>\": the value must be scheme://host only (no port, path or trailing slash), else the URL is malformed",
                source: [VK_PING, VK_CALLS],
            },
            {
                key: "interlink.interlinkPort",
                reads: "InterLinkConfig.yaml InterlinkPort (string; env INTERLINKPORT overrides)",
                why: "the port the VK dials on the target host (oauth2-proxy's HTTPS port); the VK's egress must allow this port, not the URL's",
                source: VK_CALLS,
            },
            {
                key: "interlink.nodeName",
                reads: "env NODENAME and the top-level key of vk-cfg.json (CONFIGPATH)",
                why: "the node's name, kubernetes.io/hostname label and pod informer filter; a vk-cfg.json without this key silently falls back to 100 CPU / 3000G / 10000 pods / 0 GPU",
                source: [src(IL, "main.go", "96-111", "NODENAME, CONFIGPATH"), src(IL, "pkg/virtualkubelet/virtualkubelet.go", "172-212", "vk-cfg.json: map of node name to string fields, ParseQuantity")],
            },
            {
                key: "interlink.node.pods",
                reads: "vk-cfg.json pods (node capacity)",
                accepted: ["1"],
                why: "the Docker sidecar names each container after the pod's container name, and KubeSpawner names every notebook container \"notebook\": a second offloaded notebook reuses the first one's container (create reports success), and deleting either stops the other; until the sidecar is patched the node must take one pod at a time",
                source: [SIDECAR_RUN, SIDECAR_CONFLICT, SIDECAR_DELETE, KS_CONTAINER],
            },
            {
                key: "interlink.node.gpus",
                reads: "target host: NVML (nvml.Init, device discovery) at docker-sd start-up",
                rejected: ["0"],
                why: "the Docker sidecar at the pinned commit exits at start-up without the NVIDIA driver: a CPU-only target host (a node advertising 0 GPUs) cannot run it",
                source: [SIDECAR_NVML, src(IL, "pkg/sidecars/docker/gpustrategies/NvidiaHandler.go", "48-56", "Init fails when NVML cannot be initialised")],
            },
            {
                key: "interlink.iam.server",
                reads: "env IAM_TOKEN_ENDPOINT (IAM_SERVER is not read)",
                why: "the refresher posts to IAM_TOKEN_ENDPOINT; unset, it would use CERN's cms-auth",
                source: REFRESH_ENV,
            },
            {
                key: "interlink.iam.clientId",
                reads: "env IAM_CLIENT_ID (HTTP Basic user of the token request)",
                why: "the IAM client that owns the refresh token",
                source: [REFRESH_ENV, REFRESH_GRANT],
            },
            {
                key: "interlinkIamClientSecret",
                reads: "env IAM_CLIENT_SECRET (HTTP Basic password of the token request)",
                why: "the client's secret; the pinned refresh.py prints it to the container log with every response (line 64)",
                source: [REFRESH_ENV, REFRESH_GRANT],
            },
            {
                key: "interlink.iam.audience",
                reads: "env IAM_VK_AUD (form field audience)",
                why: "the audience of the access token, which oauth2-proxy on the target host checks",
                source: REFRESH_GRANT,
            },
            {
                key: "interlinkIamRefreshToken",
                reads: "env IAM_REFRESH_TOKEN (secretKeyRef: Secret interlink-iam, key refresh-token)",
                rejected: [""],
                why: "the only grant the pinned refresher makes is grant_type=refresh_token: without a refresh token IAM answers an error and no token is ever written, so the VK's every call is refused by oauth2-proxy (the refresher has no readiness probe, and the hub does not wait on the VK, so nothing else blocks)",
                source: [REFRESH_ENV, REFRESH_GRANT],
            },
            {
                key: "interlink.tracing",
                reads: "nothing: the VK's OTLP exporter set-up (initProvider) is commented out and no code reads OTEL_EXPORTER_OTLP_ENDPOINT",
                accepted: [false],
                why: "a tracing collector next to the VK would receive nothing",
                source: src(IL, "main.go", "189-199", "initProvider() and its shutdown commented out"),
            },
            {
                key: "interlink.profiles[].memory",
                reads: "kubespawner_override mem_guarantee / mem_limit (JupyterHub ByteSpecification traits of the Spawner)",
                why: "KubeSpawner applies the override with setattr at spawn time; the trait takes an int or a number with K, M, G or T (powers of 1024) and raises TraitError on \"16Gi\": the platform takes Ki/Mi/Gi/Ti and hands KubeSpawner K/M/G/T (the same bytes)",
                source: [
                    src(JH, "jupyterhub/traitlets.py", "48-96", "ByteSpecification: int, or float(value[:-1]) with suffix K/M/G/T, else TraitError"),
                    src(JH, "jupyterhub/spawner.py", "766,809", "mem_limit and mem_guarantee are ByteSpecification"),
                    src(KS, "kubespawner/spawner.py", "3160-3186", "profile kubespawner_override applied with setattr"),
                ],
            },
            {
                key: "interlink.hub.internalUrl",
                reads: "forwarder env JHUB_URL",
                why: "the forwarder checks logins at \"{JHUB_URL}/hub/api/users/<user>\": the value must be the hub's origin (scheme://host:port) with no trailing slash or path",
                source: FWD_AUTH,
            },
            {
                key: "interlink.tunnel.portRange",
                reads: "FWD_PORT: the port the notebook asks the forwarder to listen on (ssh -R)",
                rejected: [6379, 8022],
                why: "the forwarder binds the requested port in its own pod as a non-root user: ports below 1024 and the ports already bound there (redis 6379, SSH 8022) cannot be tunnel ports",
                source: [FWD_FORWARD, FWD_LISTEN, FWD_REDIS],
            },
        ],
        hostFacts,
    };
};
