/**
 * Runtime contract of JupyterHub as the platform deploys it: the zero-to-jupyterhub chart 3.1.0
 * (hub image `jupyterhub/k8s-hub:3.1.0` = JupyterHub 4.0.2, KubeSpawner 6.1.0, OAuthenticator
 * 16.1.0; proxy `jupyterhub/configurable-http-proxy:4.6.0`), user servers from
 * `quay.io/jupyter/minimal-notebook:2024-12-23`, the Ingress through the platform's Traefik and a
 * cert-manager Certificate. Every fact was read from the sources below at the pinned commits.
 *
 * Not covered here: the InterLink offload (hub -> offloaded servers through the ssh-forwarder, the
 * forwarder -> hub API), which is InterLink's contract.
 */
import type { Accept, ContractConfig, ContractFn, Flow, HostFact, Listener, PodRef, Source, SystemContract, Write } from "./types";
import { traefikPods } from "./cluster/traefik";

// ---- pinned upstream versions (tag -> commit) ----
/** zero-to-jupyterhub-k8s tag 3.1.0; the chart lives under `jupyterhub/` (= ../shared/reference/chart-src/jupyterhub-3.1.0, identical but for the chartpress image tags). */
const Z2JH = { repo: "jupyterhub/zero-to-jupyterhub-k8s", ref: "8ccf2609ba5a42a9430f6940c04b2d8fab9bfc1d" } as const;
/** jupyterhub tag 4.0.2 (images/hub/requirements.txt:68 of z2jh 3.1.0). */
const JH = { repo: "jupyterhub/jupyterhub", ref: "0e7689f277ae163d9a770e4b7c2c0b092b93d625" } as const;
/** jupyterhub-kubespawner tag 6.1.0 (requirements.txt:84). */
const KS = { repo: "jupyterhub/kubespawner", ref: "34edb4bdbfaa104ef456a87c1853f572afc93af9" } as const;
/** oauthenticator tag 16.1.0 (requirements.txt:112). */
const OA = { repo: "jupyterhub/oauthenticator", ref: "a90e4fac54125a10cff9973adac96f57a3618065" } as const;
/** configurable-http-proxy tag 4.6.0 (the chart's proxy.chp.image). */
const CHP = { repo: "jupyterhub/configurable-http-proxy", ref: "789f171a5d4eca622e6c344b2cecdbc7aeba4e46" } as const;
/**
 * docker-stacks has no git tag per image date: images tagged 2024-12-23 were built from main on
 * that day, whose head was 8e44737 (2024-12-23 13:05 UTC; it differs from the previous commit
 * 87b37b4 only in a CI workflow, so the image Dockerfiles are the same either way).
 */
const DS = { repo: "jupyter/docker-stacks", ref: "8e44737b80c3fa77479e685d9f0ba9245e15aef7" } as const;
/** cert-manager tag v1.21.1 (the platform's cert-manager chart). */
const CM = { repo: "cert-manager/cert-manager", ref: "24e33194fb39488eff2bbf10c6dc640f407cad44" } as const;
/** traefik-helm-chart tag v41.3.0 (the platform's Traefik chart, chart under `traefik/`). */
const TRAEFIK = { repo: "traefik/traefik-helm-chart", ref: "a8a66d0098703627b2cf352c66b1725c196a734a" } as const;

const src = (at: { repo: string; ref: string }, file: string, lines: string, note: string): Source => ({ ...at, file, lines, note });
const chart = (file: string, lines: string, note: string): Source => src(Z2JH, `jupyterhub/${file}`, lines, note);

/** Hub, proxy and other chart pods: `jupyterhub.matchLabels` = component, app (the chart name, no nameOverride), release. */
const LABELS_SRC = chart("templates/_helpers.tpl", "88-145", "appLabel = nameOverride|Chart.Name; component = the template's folder (or componentLabel); matchLabels = component, app, release");

export const contract: ContractFn = (cfg: ContractConfig): SystemContract | undefined => {
    const hub = cfg.jupyterhub;
    if (!hub.enabled) return undefined;
    const ns = hub.namespace;
    const release = hub.releaseName;
    const fromChart = { chart: "jupyterhub", version: "3.1.0" } as const;

    const chartPod = (name: string, component: string): PodRef => ({
        kind: "pods",
        name,
        namespace: ns,
        labels: { component, app: "jupyterhub", release },
        createdBy: fromChart,
    });
    const hubPod = chartPod("hub", "hub");
    const proxyPod = chartPod("proxy", "proxy");
    const userSchedulerPod = chartPod("user-scheduler", "user-scheduler");
    const imageAwaiterPod = chartPod("hook-image-awaiter", "image-puller");
    /** User servers: KubeSpawner's labels (component from component_label, app/release from the chart's common_labels). */
    const userPod: PodRef = {
        kind: "pods",
        name: "singleuser-server",
        namespace: ns,
        // singleuser.extraLabels (chart default hub.jupyter.org/network-access-hub: "true", values.yaml 372-373) reach KubeSpawner's extra_labels.
        labels: { component: "singleuser-server", app: "jupyterhub", release, "hub.jupyter.org/network-access-hub": "true" },
        createdBy: { runtime: "KubeSpawner 6.1.0 in the hub" },
    };

    const apiServer = { kind: "apiServer" } as const;
    const dns = { kind: "dns" } as const;
    const dnsFlows = (who: PodRef, id: string, why: string, source: Source | Source[]): Flow[] =>
        (["UDP", "TCP"] as const).map((protocol) => ({ id: `${id}-dns-${protocol.toLowerCase()}`, from: who, to: dns, ports: [53], protocol, why, source }));

    // ---- flows ----
    const flows: Flow[] = [
        {
            id: "hub-to-api-server",
            from: hubPod,
            to: apiServer,
            ports: cfg.kubernetes.apiServerPorts,
            protocol: "TCP",
            why: "KubeSpawner creates, watches and deletes user pods and home PVCs and watches events in the hub's namespace (in-cluster config, kubernetes.default.svc)",
            source: [
                chart("files/hub/jupyterhub_config.py", "41", "spawner_class = kubespawner.KubeSpawner"),
                chart("files/hub/jupyterhub_config.py", "128", "KubeSpawner.namespace = POD_NAMESPACE"),
                src(KS, "kubespawner/spawner.py", "204-205", "load_config(); shared_client(CoreV1Api)"),
                src(KS, "kubespawner/spawner.py", "2501", "create_namespaced_pod"),
                src(KS, "kubespawner/spawner.py", "2541", "create_namespaced_persistent_volume_claim (storage_pvc_ensure)"),
                src(KS, "kubespawner/spawner.py", "2428-2445", "reflectors watching events and pods"),
            ],
        },
        {
            id: "hub-to-proxy-api",
            from: hubPod,
            to: proxyPod,
            ports: [8001],
            protocol: "TCP",
            why: "the hub adds and removes routes and polls them (every last_activity_interval = 60 s) on CHP's REST API via Service proxy-api, with CONFIGPROXY_AUTH_TOKEN",
            source: [
                chart("files/hub/jupyterhub_config.py", "45-54", "ConfigurableHTTPProxy.api_url = http://proxy-api:$PROXY_API_SERVICE_PORT; should_start False; last_activity_interval 60"),
                chart("templates/hub/netpol.yaml", "63-70", "hub egress to the proxy pods on 8001"),
                LABELS_SRC,
                chart("templates/hub/deployment.yaml", "19-24", "hub pod labels: matchLabels + network-access-proxy-api/-proxy-http/-singleuser"),
                chart("templates/proxy/deployment.yaml", "21-25", "proxy pod labels: matchLabels + network-access-hub/-singleuser"),
                src(JH, "jupyterhub/proxy.py", "873", "api_request"),
            ],
        },
        {
            id: "hub-to-singleuser",
            from: hubPod,
            to: userPod,
            ports: [8888],
            protocol: "TCP",
            why: "after a spawn the hub polls the user server over HTTP (server.wait_up(http=True)) at the pod IP and KubeSpawner's port",
            source: [
                src(JH, "jupyterhub/user.py", "914-930", "_wait_up: server.wait_up(http=True)"),
                src(KS, "kubespawner/spawner.py", "1901-1935", "_get_pod_url: http://<pod IP>:<port> (no services_enabled / internal_ssl)"),
                src(KS, "kubespawner/spawner.py", "198-200", "port 0 -> 8888"),
                src(KS, "kubespawner/spawner.py", "1842-1866", "user pod labels: extra_labels, common_labels, component = component_label (singleuser-server)"),
                chart("files/hub/jupyterhub_config.py", "109-126", "common_labels app, heritage, chart, release"),
                chart("values.yaml", "372-373", "singleuser.extraLabels hub.jupyter.org/network-access-hub: true"),
            ],
        },
        {
            id: "proxy-to-hub",
            from: proxyPod,
            to: hubPod,
            ports: [8081],
            protocol: "TCP",
            why: "CHP's default target and error target: every request that is not a user route (/hub/..., login, OAuth callback) goes to Service hub:8081",
            source: [
                chart("templates/proxy/deployment.yaml", "80-98", "--default-target=http://hub:$(HUB_SERVICE_PORT), --error-target=.../hub/error"),
                chart("templates/proxy/netpol.yaml", "87-94", "proxy egress to the hub pod on 8081"),
            ],
        },
        {
            id: "proxy-to-singleuser",
            from: proxyPod,
            to: userPod,
            ports: [8888],
            protocol: "TCP",
            why: "CHP forwards /user/<name>/ (HTTP and websockets) to the route target the hub added: the user pod's IP and port 8888",
            source: [
                src(JH, "jupyterhub/proxy.py", "327-351", "add_user: route user.proxy_spec -> spawner.server.host"),
                chart("templates/proxy/netpol.yaml", "96-103", "proxy egress to singleuser-server pods on 8888"),
            ],
        },
        {
            id: "singleuser-to-hub",
            from: userPod,
            to: hubPod,
            ports: [8081],
            protocol: "TCP",
            why: "jupyterhub-singleuser calls JUPYTERHUB_API_URL = http://hub:8081/hub/api (OAuth token exchange and checks, activity reports)",
            source: [
                src(JH, "jupyterhub/spawner.py", "991-1003", "JUPYTERHUB_API_URL / JUPYTERHUB_ACTIVITY_URL from hub_connect_url"),
                chart("files/hub/jupyterhub_config.py", "102-107", "JupyterHub.hub_connect_url = http://hub:$HUB_SERVICE_PORT"),
                chart("templates/singleuser/netpol.yaml", "64-71", "singleuser egress to the hub pod on 8081"),
            ],
        },
        ...dnsFlows(hubPod, "hub", "the hub resolves proxy-api, hub and the identity provider's host", chart("templates/_helpers-netpol.tpl", "30-62", "DNS egress rule (kube-system, private IPs)")),
        ...dnsFlows(proxyPod, "proxy", "CHP resolves its default target `hub`", chart("templates/proxy/deployment.yaml", "83", "--default-target=http://hub:...")),
        ...dnsFlows(userPod, "singleuser", "the user server resolves `hub` in JUPYTERHUB_API_URL", chart("files/hub/jupyterhub_config.py", "105-107", "hub_connect_url uses the Service name hub")),
        {
            id: "user-scheduler-to-api-server",
            from: userSchedulerPod,
            to: apiServer,
            ports: cfg.kubernetes.apiServerPorts,
            protocol: "TCP",
            why: "the user scheduler (kube-scheduler v1.26.9, on by default) binds user pods (KubeSpawner.scheduler_name = <release>-user-scheduler) and holds a leader lease",
            source: [
                chart("values.yaml", "420-421", "scheduling.userScheduler.enabled: true"),
                chart("files/hub/jupyterhub_config.py", "207-209", "KubeSpawner.scheduler_name = user-scheduler fullname"),
                chart("templates/scheduling/user-scheduler/configmap.yaml", "32-36", "leaderElection endpointsleases; profile schedulerName"),
            ],
        },
        {
            id: "image-awaiter-to-api-server",
            from: imageAwaiterPod,
            to: apiServer,
            ports: cfg.kubernetes.apiServerPorts,
            protocol: "TCP",
            why: "the pre-install/pre-upgrade hook Job waits for the hook-image-puller DaemonSet through the API (prePuller.hook.enabled default true)",
            source: chart("templates/image-puller/job.yaml", "64", "-api-server-address=https://kubernetes.default.svc:$(KUBERNETES_SERVICE_PORT)"),
        },
        {
            id: "kubelet-probes-hub",
            from: { kind: "kubelet" },
            to: hubPod,
            ports: [8081],
            protocol: "TCP",
            why: "liveness and readiness probes GET /hub/health on port http",
            source: chart("templates/hub/deployment.yaml", "214-240", "httpGet /hub/health port http"),
        },
        {
            id: "kubelet-probes-proxy",
            from: { kind: "kubelet" },
            to: proxyPod,
            ports: [8000],
            protocol: "TCP",
            why: "liveness and readiness probes GET /_chp_healthz on port http",
            source: chart("templates/proxy/deployment.yaml", "140-170", "httpGet /_chp_healthz port http"),
        },
        {
            id: "kubelet-probes-user-scheduler",
            from: { kind: "kubelet" },
            to: userSchedulerPod,
            ports: [10259],
            protocol: "TCP",
            why: "liveness and readiness probes GET https://:10259/healthz",
            source: chart("templates/scheduling/user-scheduler/deployment.yaml", "80-91", "httpGet /healthz port 10259 HTTPS"),
        },
    ];

    // The public entry: browsers reach CHP's port 8000 through the Ingress controller or a NodePort.
    if (hub.exposure === "ingress") {
        const traefik: PodRef | { kind: "anywhere" } = cfg.ingress.enabled && cfg.ingress.install ? traefikPods(cfg) : { kind: "anywhere" };
        flows.push({
            id: "ingress-to-proxy",
            from: traefik,
            to: proxyPod,
            ports: [8000],
            protocol: "TCP",
            why: "the chart's Ingress routes host/ to Service proxy-public port http (80 -> container port http 8000); the proxy policy admits http from anywhere (allowedIngressPorts)",
            source: [
                chart("templates/ingress.yaml", "1-35", "backend service proxy-public, port name http"),
                chart("templates/proxy/service.yaml", "63-74", "proxy-public port 80 -> targetPort http"),
                chart("values.yaml", "291", "proxy.chp.networkPolicy.allowedIngressPorts: [http, https]"),
                src(TRAEFIK, "traefik/templates/_helpers.tpl", "96-99", "Traefik pod selector labels app.kubernetes.io/name, instance"),
            ],
        });
        const issuer = cfg.certManager.issuer ?? (cfg.kubernetes.environment === "dev" ? "selfSigned" : "acme");
        if (hub.ingress.tls && !hub.ingress.clusterIssuer && cfg.certManager.enabled && issuer === "acme") {
            flows.push({
                id: "ingress-to-acme-solver",
                from: traefik,
                to: {
                    kind: "pods",
                    name: "cm-acme-http-solver",
                    namespace: ns,
                    labels: { "acme.cert-manager.io/http01-solver": "true" },
                    createdBy: { runtime: "cert-manager v1.21.1 controller (HTTP-01 Challenge for the hub's Certificate)" },
                },
                ports: [8089],
                protocol: "TCP",
                why: "HTTP-01: the solver pod is created in the Certificate's namespace (the hub's) and Traefik routes /.well-known/acme-challenge/ for the host to it",
                source: [
                    src(CM, "pkg/issuer/acme/http/pod.go", "35-47", "solver pod labels incl. acme.cert-manager.io/http01-solver=true"),
                    src(CM, "pkg/issuer/acme/http/pod.go", "198-260", "pod in ch.Namespace, --listen-port"),
                    src(CM, "pkg/issuer/acme/http/http.go", "49", "acmeSolverListenPort = 8089"),
                ],
            });
        }
    } else {
        flows.push({
            id: "nodeport-to-proxy",
            from: { kind: "anywhere" },
            to: proxyPod,
            ports: [8000],
            protocol: "TCP",
            why: "proxy-public is a NodePort Service (port 80 -> container port http 8000); clients (or the site's external proxy) reach it on every node; the proxy policy admits http from anywhere",
            source: [
                chart("templates/proxy/service.yaml", "63-74", "proxy-public http nodePort, type proxy.service.type"),
                chart("values.yaml", "291", "proxy.chp.networkPolicy.allowedIngressPorts: [http, https]"),
            ],
        });
    }

    // The identity provider: the hub itself calls the token and userinfo endpoints (the browser alone visits authorize_url).
    if (hub.auth.type === "generic-oauth" && hub.auth.genericOauth) {
        const o = hub.auth.genericOauth;
        const endpoint = (url: string) => {
            const u = new URL(url);
            return { host: u.hostname, port: Number(u.port || (u.protocol === "https:" ? 443 : 80)) };
        };
        const token = endpoint(o.tokenUrl);
        const userinfo = endpoint(o.userdataUrl);
        flows.push(
            {
                id: "hub-to-idp-token",
                from: hubPod,
                to: { kind: "external", name: "identity provider (token endpoint)", host: token.host },
                ports: [token.port],
                protocol: "TCP",
                why: "OAuth callback: POST token_url (authorization_code grant, client_id/client_secret in the form body) from the hub pod",
                source: src(OA, "oauthenticator/oauth2.py", "826-852", "get_token_info: httpfetch(token_url, method=POST)"),
            },
            {
                id: "hub-to-idp-userinfo",
                from: hubPod,
                to: { kind: "external", name: "identity provider (userinfo endpoint)", host: userinfo.host },
                ports: [userinfo.port],
                protocol: "TCP",
                why: "OAuth callback: GET userdata_url with the access token; username, groups and auth_state come from this response",
                source: src(OA, "oauthenticator/oauth2.py", "854-885", "token_to_user: httpfetch(userdata_url, method=GET)"),
            },
        );
    }

    // ---- listeners ----
    const listeners: Listener[] = [
        {
            pod: hubPod,
            container: "hub",
            port: 8081,
            protocol: "TCP",
            bind: "all",
            namedBy: ["service", "probe", "networkPolicy"],
            why: "JupyterHub's hub server (API, login, OAuth) on hub_bind_url http://:8081; the idle culler (cull.enabled default) calls it on localhost:8081 from inside the pod",
            source: [
                chart("files/hub/jupyterhub_config.py", "97-100", "hub_bind_url = http://:8081"),
                chart("templates/hub/deployment.yaml", "211-213", "containerPort 8081 named http"),
                chart("templates/hub/service.yaml", "25-30", "Service hub 8081 -> http"),
                chart("files/hub/jupyterhub_config.py", "356-358", "culler --url=http://localhost:8081/hub/api"),
            ],
        },
        {
            pod: proxyPod,
            container: "chp",
            port: 8000,
            protocol: "TCP",
            bind: "all",
            namedBy: ["service", "probe", "networkPolicy"],
            why: "CHP's public proxy port (--ip= is empty: every interface)",
            source: [
                chart("templates/proxy/deployment.yaml", "80-98", "--ip= --port=8000"),
                chart("templates/proxy/deployment.yaml", "133-139", "ports http 8000, api 8001"),
                src(CHP, "bin/configurable-http-proxy", "322-336", "proxyServer.listen(port, ip)"),
            ],
        },
        {
            pod: proxyPod,
            container: "chp",
            port: 8001,
            protocol: "TCP",
            bind: "all",
            namedBy: ["service", "networkPolicy"],
            why: "CHP's REST API for the hub (CHP's own default is localhost; the chart passes --api-ip= for every interface); Service proxy-api",
            source: [
                chart("templates/proxy/deployment.yaml", "80-82", "--api-ip= --api-port=8001"),
                src(CHP, "bin/configurable-http-proxy", "32", "--api-ip default localhost"),
                src(CHP, "bin/configurable-http-proxy", "331-337", "apiServer.listen(apiPort, apiIp)"),
                chart("templates/proxy/service.yaml", "18-19", "Service proxy-api port 8001"),
            ],
        },
        {
            pod: userPod,
            container: "notebook",
            port: 8888,
            portName: "notebook-port",
            protocol: "TCP",
            bind: "all",
            namedBy: ["networkPolicy"],
            why: "jupyterhub-singleuser binds JUPYTERHUB_SERVICE_URL = http://0.0.0.0:8888/user/<name>/ (KubeSpawner ip 0.0.0.0, port 8888); container port named notebook-port, which the singleuser policy names",
            source: [
                src(KS, "kubespawner/spawner.py", "392-393", "ip default 0.0.0.0"),
                src(KS, "kubespawner/spawner.py", "198-200", "port 8888"),
                src(KS, "kubespawner/objects.py", "532-537", "container notebook, port notebook-port, args = cmd"),
                src(JH, "jupyterhub/spawner.py", "1014-1016", "JUPYTERHUB_SERVICE_URL = http://{ip}:{port}{base_url}"),
                chart("templates/singleuser/netpol.yaml", "41-43", "ingress on port notebook-port"),
            ],
        },
        {
            pod: userSchedulerPod,
            container: "kube-scheduler",
            port: 10259,
            protocol: "TCP",
            bind: "all",
            namedBy: ["probe"],
            why: "kube-scheduler's secure serving port (healthz probes)",
            source: chart("templates/scheduling/user-scheduler/deployment.yaml", "80-91", "probes on 10259 HTTPS"),
        },
    ];

    // ---- writes ----
    const writes: Write[] = [
        {
            pod: hubPod,
            container: "hub",
            path: "/srv/jupyterhub",
            why: "sqlite database jupyterhub.sqlite (+ -journal) in the working directory, and a timestamped copy before each --upgrade-db migration; the PVC hub-db-dir is mounted here; the hub runs as uid 1000 (image user jovyan), fsGroup 1000",
            source: [
                chart("files/hub/jupyterhub_config.py", "63-65", "db_url = sqlite:///jupyterhub.sqlite (relative to the working dir)"),
                chart("templates/hub/deployment.yaml", "107-142", "--upgrade-db for sqlite-pvc"),
                chart("templates/hub/deployment.yaml", "166-172", "PVC mounted at /srv/jupyterhub"),
                src(Z2JH, "images/hub/Dockerfile", "43-76", "NB_UID=1000; WORKDIR /srv/jupyterhub; USER jovyan"),
                src(JH, "jupyterhub/dbutil.py", "87-134", "backup_db_file copies the sqlite file next to it before upgrading"),
            ],
        },
        {
            pod: userPod,
            container: "notebook",
            path: "/home/jovyan",
            why: "the user's home (notebooks, ~/.local/share/jupyter/runtime, ~/.jupyter): the dynamic PVC claim-{username}{servername} is mounted here; the server runs as uid 1000 (KubeSpawner uid, image user jovyan) with fsGroup 100",
            source: [
                chart("files/hub/jupyterhub_config.py", "248-279", "storage type dynamic: PVC volume mounted at singleuser.storage.homeMountPath"),
                chart("values.yaml", "380-395", "uid 1000, fsGid 100, homeMountPath /home/jovyan, pvcNameTemplate claim-{username}{servername}"),
                src(DS, "images/docker-stacks-foundation/Dockerfile", "11-13", "NB_USER jovyan, NB_UID 1000, NB_GID 100"),
                src(DS, "images/docker-stacks-foundation/Dockerfile", "58", "HOME=/home/jovyan"),
            ],
        },
    ];

    // ---- accepts ----
    const accepts: Accept[] = [
        {
            key: "jupyterhub.auth.type",
            reads: "JupyterHub.authenticator_class (hub.config), an entry point name in group jupyterhub.authenticators",
            accepted: ["dummy", "generic-oauth"],
            planValue: { object: `Release ${cfg.jupyterhub.namespace}/${cfg.jupyterhub.releaseName}`, path: ["values", "hub", "config", "JupyterHub", "authenticator_class"] },
            why: "`local` reaches the hub as `dummy` (JupyterHub 4.0.2's DummyAuthenticator: any user in allowed_users with DummyAuthenticator.password), `generic-oauth` as OAuthenticator 16.1.0's GenericOAuthenticator",
            source: [
                src(JH, "setup.py", "95-101", "entry points default, pam, dummy, null"),
                src(JH, "jupyterhub/auth.py", "1192-1217", "DummyAuthenticator.password"),
                src(OA, "setup.py", "52", "generic-oauth = oauthenticator.generic:GenericOAuthenticator"),
            ],
        },
        {
            key: "jupyterhub.auth.genericOauth.userdataTokenMethod",
            reads: "OAuthenticator.userdata_token_method",
            accepted: ["header", "url"],
            why: "16.1.0 only compares it with \"url\" (token as ?access_token=); every other value, GET and POST included, sends the token in the Authorization header; the userinfo request is always an HTTP GET (the pre-16 `userdata_method` is gone)",
            source: [
                src(OA, "oauthenticator/oauth2.py", "422-430", "userdata_token_method: header | url"),
                src(OA, "oauthenticator/oauth2.py", "875-885", "== \"url\" adds access_token to the URL; method=GET"),
            ],
        },
        {
            key: "jupyterhub.auth.genericOauth.usernameClaim",
            reads: "GenericOAuthenticator.username_claim",
            why: "the key must be present (non-empty) in the userinfo JSON, else the login fails with ValueError",
            source: src(OA, "oauthenticator/oauth2.py", "749-770", "user_info_to_username"),
        },
        {
            key: "jupyterhub.auth.genericOauth.groupsClaim",
            reads: "GenericOAuthenticator.claim_groups_key",
            rejected: ["wlcg.groups"],
            why: "a dotted key path into the userinfo endpoint's JSON (auth_state[\"oauth_user\"]), not the ID or access token; when it is missing the groups are an empty set (logged as an error) and allowed_groups/admin_groups match nobody. A claim whose name has a dot (WLCG's flat wlcg.groups) can therefore never be read: the config refuses it. INDIGO IAM returns `groups` in userinfo for the profile scope (its WLCG token profile replaces it with wlcg.groups)",
            source: [
                src(OA, "oauthenticator/generic.py", "20-29", "claim_groups_key default OAUTH2_GROUPS_KEY or \"groups\""),
                src(OA, "oauthenticator/generic.py", "123-145", "get_user_groups: reduce(dict.get, key.split(\".\"), user_info)"),
                src(OA, "oauthenticator/oauth2.py", "246-248", "user_auth_state_key = oauth_user"),
                { repo: "indigo-iam/iam", ref: "e998e438f393d490a8ba51f0df4e44f16fa94a69", file: "iam-login-service/src/main/java/it/infn/mw/iam/core/userinfo/IamScopeClaimTranslationService.java", lines: "81-83,92,103", note: "v1.12.0: profile scope -> groups claim; wlcg.groups scope -> wlcg.groups claim" },
                { repo: "indigo-iam/iam", ref: "e998e438f393d490a8ba51f0df4e44f16fa94a69", file: "iam-login-service/src/main/java/it/infn/mw/iam/core/oauth/profile/wlcg/WLCGUserInfoAdapter.java", lines: "45-54", note: "WLCG profile: userinfo drops groups, adds the flat key wlcg.groups" },
            ],
        },
        {
            key: "jupyterhub.auth.genericOauth.allowedGroups",
            reads: "GenericOAuthenticator.allowed_groups (with Authenticator.allow_all unset)",
            why: "a user is allowed when allow_all, admin, in allowed_users, or when the userinfo groups claim intersects allowed_groups; with allowed_groups set and no groups claim in the userinfo response every non-admin login is refused (403)",
            source: [
                src(OA, "oauthenticator/generic.py", "166-181", "check_allowed: user_groups & allowed_groups"),
                src(OA, "oauthenticator/oauth2.py", "990-1022", "OAuthenticator.check_allowed: allow_all, admin, allowed_users"),
            ],
        },
        {
            key: "jupyterhub.auth.genericOauth.callbackUrl",
            reads: "OAuthenticator.oauth_callback_url",
            why: "sent as redirect_uri to authorize and token endpoints: must be registered at the IdP and must be the public URL users reach + hub/oauth_callback",
            source: [src(OA, "oauthenticator/oauth2.py", "689-705", "get_callback_url"), src(OA, "oauthenticator/oauth2.py", "797-824", "redirect_uri in the token request")],
        },
        {
            key: "jupyterhubOauthClientSecret",
            reads: "GenericOAuthenticator.client_secret, from values.yaml of the hub.existingSecret Secret merged over the chart's values",
            why: "z2jh merges existing-secret/values.yaml over secret/values.yaml once at start-up (lru_cache) and applies hub.config.<Class> to the traitlets config; a rotated secret takes effect only when the hub pod restarts, and the chart's own restart checksums do not cover the existing Secret, so the platform sets hub.annotations checksum/existing-secret (SHA-256 of its Secret's data, a Pulumi secret) on the hub pod",
            source: [
                chart("files/hub/z2jh.py", "14-30", "_load_config merges existing-secret/values.yaml"),
                chart("files/hub/jupyterhub_config.py", "471-481", "c[app].update(hub.config[app])"),
                chart("templates/hub/deployment.yaml", "28-34", "restart checksums cover only the chart's own ConfigMap and Secret; hub.annotations are added to the pod template"),
            ],
        },
        {
            key: `jupyterhub (generated: ${release}-hub-secrets / hub.config.JupyterHub.cookie_secret)`,
            reads: "JupyterHub.cookie_secret via z2jh get_secret_value (existing Secret first)",
            why: "a string must be hex with an even number of characters (bytes.fromhex), else the hub refuses to start",
            source: [chart("files/hub/z2jh.py", "45-57", "get_secret_value: existing-secret, then secret"), src(JH, "jupyterhub/app.py", "1023-1034", "_validate_secret_key: bytes.fromhex")],
        },
        {
            key: `jupyterhub (generated: ${release}-hub-secrets / hub.config.CryptKeeper.keys)`,
            reads: "CryptKeeper.keys (the Secret value split on \";\")",
            why: "each key must be 32 bytes raw, 64 hex characters or 44 base64 characters; needed because enable_auth_state is on with generic-oauth",
            source: [chart("files/hub/jupyterhub_config.py", "466-469", "CryptKeeper.keys = value.split(\";\")"), src(JH, "jupyterhub/crypto.py", "39-72", "_validate_key")],
        },
        {
            key: "jupyterhub (chart-generated: Secret hub / hub.config.ConfigurableHTTPProxy.auth_token)",
            reads: "env CONFIGPROXY_AUTH_TOKEN in both the hub and the chp container",
            why: "the hub and CHP must see the same token; the chart sets CONFIGPROXY_AUTH_TOKEN from its own Secret `hub` in both (whatever hub.existingSecret says), generates it once and keeps it across upgrades by lookup, and restarts both pods if it ever changes (checksum/secret on the hub, checksum/auth-token on the proxy). The platform adds no second entry (a duplicated env name breaks later strategic-merge upgrades) and sets neither proxy.secretToken nor the key in its own Secret; JupyterHub ignores hub.config.ConfigurableHTTPProxy.auth_token",
            source: [
                chart("templates/hub/deployment.yaml", "197-209", "CONFIGPROXY_AUTH_TOKEN from the chart Secret, then hub.extraEnv"),
                chart("templates/proxy/deployment.yaml", "117-126", "same for chp"),
                chart("templates/hub/_helpers-passwords.tpl", "34-47", "auth_token: values, else lookup of the existing Secret hub, else randAlphaNum 64"),
                chart("templates/hub/secret.yaml", "39", "the token in the chart Secret hub"),
                chart("templates/hub/deployment.yaml", "31", "checksum/secret of the chart Secret on the hub pod"),
                chart("templates/proxy/deployment.yaml", "40", "checksum/auth-token on the proxy pod"),
                chart("files/hub/jupyterhub_config.py", "476-478", "ConfigurableHTTPProxy.auth_token popped from hub.config"),
                src(JH, "jupyterhub/proxy.py", "539-556", "auth_token default from CONFIGPROXY_AUTH_TOKEN"),
                src(CHP, "bin/configurable-http-proxy", "271", "authToken = process.env.CONFIGPROXY_AUTH_TOKEN"),
            ],
        },
        {
            key: "jupyterhub.singleuser.memory (limit, guarantee) and jupyterhub.singleuser.profiles[].memory; also interlink.profiles[].memory (kubespawner_override mem_limit/mem_guarantee)",
            reads: "KubeSpawner.mem_limit / mem_guarantee (ByteSpecification)",
            rejected: ["1Gi", "2Gi", "16Gi", "512Mi", "1Ki"],
            why: "an int or a number with one suffix K, M, G or T (powers of 1024); Kubernetes suffixes (Ki, Mi, Gi, Ti, or decimal k) raise TraitError: at start-up for hub.config/singleuser values, at spawn time for a profile's kubespawner_override (the spawn fails)",
            source: [
                src(JH, "jupyterhub/traitlets.py", "48-95", "ByteSpecification.validate"),
                src(JH, "jupyterhub/spawner.py", "766-830", "mem_limit, mem_guarantee are ByteSpecification"),
                src(KS, "kubespawner/spawner.py", "3160-3186", "_apply_overrides: setattr(self, k, v)"),
                src(KS, "kubespawner/spawner.py", "3283-3310", "load_user_options -> _load_profile at spawn"),
            ],
        },
        {
            key: "jupyterhub.singleuser.cpu (limit, guarantee) and jupyterhub.singleuser.profiles[].cpu",
            reads: "KubeSpawner.cpu_limit / cpu_guarantee (Float cores)",
            why: "numbers of cores; the chart schema wants numbers for singleuser.cpu.*",
            source: [src(JH, "jupyterhub/spawner.py", "789-840", "cpu_limit, cpu_guarantee = Float"), chart("files/hub/jupyterhub_config.py", "162-165", "singleuser.cpu/memory -> KubeSpawner")],
        },
        {
            key: "jupyterhub.singleuser.image and jupyterhub.singleuser.profiles[].image",
            reads: "KubeSpawner.image = singleuser.image.name:tag, or kubespawner_override.image",
            why: "the image must run jupyterhub-singleuser as uid 1000 with a writable /home/jovyan; minimal-notebook:2024-12-23 does (jovyan 1000:100, port 8888, ENTRYPOINT tini -g -- start.sh, chart cmd jupyterhub-singleuser as args)",
            source: [
                chart("files/hub/jupyterhub_config.py", "176-182", "image name:tag"),
                src(DS, "images/base-notebook/Dockerfile", "42", "jupyterhub-singleuser installed"),
                src(DS, "images/base-notebook/Dockerfile", "57-58", "JUPYTER_PORT 8888"),
                src(DS, "images/docker-stacks-foundation/Dockerfile", "142", "ENTRYPOINT tini -g -- start.sh"),
            ],
        },
        {
            key: "jupyterhub.singleuser.image, jupyterhub.singleuser.profiles[].image (and offload profiles' kubespawner_override.image)",
            reads: "the image pullers' init containers (prePuller.hook: a pre-install/pre-upgrade hook the release waits for; prePuller.continuous), one per image, on every schedulable node",
            why: "the pullers always pull singleuser.image, pull every profileList kubespawner_override.image while prePuller.pullProfileListImages is true (the chart's default) and every prePuller.extraImages entry; the platform sets pullProfileListImages false and lists only its own profiles' images in extraImages, so an offload profile's image (run on the remote host only) is not pulled onto every node inside the hook",
            source: [
                chart("values.yaml", "603-627", "prePuller.hook.enabled, continuous.enabled, pullProfileListImages: true, extraImages: {}"),
                chart("templates/image-puller/_helpers-daemonset.tpl", "100-114", "image-pull-singleuser"),
                chart("templates/image-puller/_helpers-daemonset.tpl", "134-156", "image-pull-singleuser-profilelist-<n> when pullProfileListImages"),
                chart("templates/image-puller/_helpers-daemonset.tpl", "158-174", "image-pull-<key> per extraImages entry"),
            ],
        },
        {
            key: "jupyterhub.hubConfig",
            reads: "hub.config.<Class>.<trait> applied with c[Class].update()",
            why: "any traitlets class/trait is accepted as is (unknown traits are ignored with a warning by traitlets); z2jh drops JupyterHub.cookie_secret, proxy_auth_token, services, ConfigurableHTTPProxy.auth_token and CryptKeeper.keys from it",
            source: chart("files/hub/jupyterhub_config.py", "471-481", "hub.config loop"),
        },
        {
            key: "jupyterhub.singleuser.defaultUrl",
            reads: "Spawner.default_url",
            why: "a path the single-user server redirects to (/lab needs JupyterLab in the image)",
            source: chart("files/hub/jupyterhub_config.py", "420", "set_config_if_not_none(c.Spawner, default_url, singleuser.defaultUrl)"),
        },
    ];

    // ---- host facts ----
    const hostFacts: HostFact[] = [];
    if (cfg.kubernetes.distribution === "kind" && hub.exposure === "nodePort" && hub.nodePort !== undefined) {
        hostFacts.push({
            kind: "kindPortMapping",
            id: "jupyterhub-nodeport",
            containerPort: hub.nodePort,
            why: "the hub's URL uses the NodePort of proxy-public; on kind it must be mapped from the node container to the user's machine",
            source: chart("templates/proxy/service.yaml", "63-74", "proxy-public nodePort from proxy.service.nodePorts.http"),
        });
    }

    return {
        system: "jupyterhub",
        pinned: {
            chart: `jupyterhub ${hub.chartVersion ?? "3.1.0"} (facts read at 3.1.0, ${Z2JH.ref})`,
            hubImage: "jupyterhub/k8s-hub:3.1.0",
            jupyterhub: `4.0.2 (${JH.ref})`,
            kubespawner: `6.1.0 (${KS.ref})`,
            oauthenticator: `16.1.0 (${OA.ref})`,
            proxyImage: `jupyterhub/configurable-http-proxy:4.6.0 (${CHP.ref})`,
            userScheduler: "registry.k8s.io/kube-scheduler:v1.26.9",
            singleuserImage: `${hub.singleuser.image} (docker-stacks ${DS.ref})`,
            certManager: `v1.21.1 (${CM.ref})`,
        },
        flows,
        listeners,
        writes,
        accepts,
        hostFacts,
    };
};
