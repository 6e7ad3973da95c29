/**
 * DiracX (seed 004): what the chart diracx 1.1.6 (DIRACGrid/diracx-charts, tag diracx-1.1.6, commit
 * 4b25acb83bea0accd7148c6d6c8b182abab6134e, read from shared/reference/chart-src/diracx-1.1.6) deploys and
 * what the DiracX services at the app version it pins (DIRACGrid/diracx v0.3.0, commit
 * d75ffbb80749ac280ef31d06134938e4cc322ef5) really do at run time, with its bundled Dex, MySQL,
 * OpenSearch, SeaweedFS and task Redis.
 *
 * Labels are the chart's, computed for the program's values: `diracx.name` is the chart name
 * (`nameOverride` unset), so the API pods carry `app.kubernetes.io/{name: diracx, instance: <release>}`,
 * the web app `diracx-web`/`<release>-web`, and so on; Bitnami MySQL `app.kubernetes.io/{name: mysql,
 * instance: <release>, component: primary}`; OpenSearch `app.kubernetes.io/{name: opensearch, instance:
 * <release>}`; Dex `app.kubernetes.io/{name: dex, instance: <release>}`; SeaweedFS `app: seaweedfs,
 * release: <release>`. The chart's hook Jobs (init-secrets, init-keystore, init-cs, init-sql, init-os,
 * validate-config) and the cleanup-authdb CronJob put no labels on their pods: only the Job controller's
 * `job-name` (random per revision), so only a namespace-wide selector (`{}`) matches them.
 *
 * Telemetry (OpenTelemetry collector, Jaeger, Prometheus, Grafana; off in both stacks) is not covered.
 */
import { dexIssuerUrl, seaweedfsEndpoint } from "../config/diracx";
import type { Accept, ContractFn, Flow, HostFact, Listener, PodRef, Source, Write } from "./types";
import { traefikPods } from "./cluster/traefik";

const CHART = { repo: "DIRACGrid/diracx-charts", ref: "4b25acb83bea0accd7148c6d6c8b182abab6134e" };
const APP = { repo: "DIRACGrid/diracx", ref: "d75ffbb80749ac280ef31d06134938e4cc322ef5" };
const DEX_CHART = { repo: "dexidp/helm-charts", ref: "772cab5395e9e3fd91b669f1bab5622bc4589804" };
const MYSQL_CHART = { repo: "bitnami/charts", ref: "22b07e00fa0b30ff552ee82b406c77a3f129c714" };
const OS_CHART = { repo: "opensearch-project/helm-charts", ref: "086c52202c5755d504c6c3462720a57a86cc8998" };

const ch = (file: string, lines: string, note: string): Source => ({ ...CHART, file: `diracx/${file}`, lines, note });
const app = (file: string, lines: string, note: string): Source => ({ ...APP, file, lines, note });

const S = {
    apiDeployment: ch("templates/diracx/deployment.yaml", "110-151", "container diracx: port http = diracx.service.port (8000), uvicorn --host=0.0.0.0 --port=8000, http probes /api/health/{live,ready,startup}"),
    apiEnv: ch("templates/diracx/deployment.yaml", "159-177", "envFrom diracx-secrets, diracx-dynamic-secrets (later wins), diracx-sql-connection-urls, diracx-os-connection-urls, diracx-task-redis-url"),
    apiWaits: ch("templates/diracx/deployment.yaml", "89-109", "init containers wait (nc -vz) for <release>-mysql:3306, opensearch-cluster-master:9200 and <release>-seaweedfs:8333"),
    apiVolumes: ch("templates/diracx/deployment.yaml", "37-78", "developer mode: /cs_store from pvc-cs-store (read-write); /keystore from the diracx-jwks Secret"),
    csStore: ch("templates/diracx/cs-store-volume.yml", "1-38", "developer mode: PV pv-cs-store is a hostPath at developer.localCSPath (/local_cs_store) with no node affinity, bound by pvc-cs-store (ReadWriteMany); both pre-install hooks with resource-policy keep"),
    localCsPath: ch("values.yaml", "186-190", "developer.localCSPath: /local_cs_store"),
    initCsScript: ch("templates/diracx/init-cs/_init-cs.sh.tpl", "1-12", "refuses an existing /cs_store/initialRepo (exit 1), else dirac internal generate-cs /cs_store/initialRepo"),
    initCsJob: ch("templates/diracx/init-cs/job.yaml", "20-70", "pre-install hook Job (no labels, no node selector) mounting pvc-cs-store at /cs_store"),
    cli: ch("templates/diracx/deployment-cli.yaml", "1-96", "developer mode: deployment <fullname>-cli (labels diracx-cli/<release>-cli) mounts pvc-cs-store at /cs_store; DIRACX_URL = developer.urls.diracx"),
    scheduler: ch("templates/diracx/task-scheduler-statefulset.yaml", "1-124", "task scheduler: /cs_store in developer mode, waits for <fullname>:8000 and <fullname>-task-redis:6379, envFrom the same secrets as the API"),
    workers: ch("templates/diracx/task-worker-deployments.yaml", "1-125", "task workers small/medium/large: /cs_store in developer mode, wait for <fullname>:8000 and the task Redis, envFrom the API's secrets"),
    redis: ch("templates/diracx/task-redis-statefulset.yaml", "1-63", "task Redis (redis:7.4.2-alpine) on redisTasks.port 6379, data on an emptyDir at /data"),
    redisSvc: ch("templates/diracx/task-redis-service.yaml", "1-18", "headless Service <fullname>-task-redis:6379"),
    initSecrets: ch("templates/diracx/init-secrets/_init-secrets.sh.tpl", "17-52", "kubectl get/create/patch secret for every generated Secret (needs the API server even when the Secrets exist)"),
    initSecretsJob: ch("templates/diracx/init-secrets/job.yaml", "1-35", "pre-install,pre-upgrade hook (weight -5) with its own ServiceAccount"),
    initSecretsUrls: ch("templates/diracx/init-secrets/_init-secrets.sh.tpl", "61-168", "bundled: DIRACX_DB_URL_<DB> = mysql+aiomysql://sqldiracx:…@<release>-mysql:3306/<DB>; DIRACX_OS_DB_<DB> = admin:admin@opensearch-cluster-master:9200; task Redis URL redis://<fullname>-task-redis:6379"),
    initKeystore: ch("templates/diracx/init-keystore/job.yaml", "17-59", "pre-install hook: rotate-jwk into an emptyDir /keystore, then kubectl creates Secret diracx-jwks"),
    loadKeystore: ch("templates/diracx/init-keystore/_load-keystore-as-secret.sh.tpl", "14-23", "kubectl get / create secret diracx-jwks"),
    initSql: ch("templates/diracx/init-sql/job.yaml", "21-63", "post-install,pre-upgrade hook: waits for <release>-mysql:3306, runs python -m diracx.db init-sql with the root connection URLs"),
    initOs: ch("templates/diracx/init-os/job.yaml", "21-64", "post-install,pre-upgrade hook: waits for opensearch-cluster-master:9200, runs python -m diracx.db init-os"),
    validateConfig: ch("templates/diracx/validate-config/job.yaml", "20-55", "post-install,pre-upgrade hook: reads the config store (mounts /cs_store in developer mode)"),
    cleanupAuthdb: ch("templates/diracx/cleanup-authdb/cronjob.yaml", "27-45", "monthly CronJob: python -m diracx.logic cleanup-authdb with the SQL connection URLs"),
    mysqlInitDbs: ch("templates/diracx/diracx-mysql-init-dbs.yaml", "1-11", "CREATE DATABASE and GRANT for every sqlDbs entry: only the bundled MySQL runs it (initdbScriptsConfigMap)"),
    settingsSecret: ch("templates/diracx/secrets.yaml", "1-6", "Secret diracx-secrets = diracx.settings"),
    keystoreDefault: ch("values.yaml", "213", "DIRACX_SERVICE_AUTH_TOKEN_KEYSTORE: file:///keystore/jwks.json"),
    ingress: ch("templates/ingress.yaml", "1-49", "host diracx.hostname: /api and /.well-known to <fullname>:8000, / to <fullname>-web:8080"),
    apiSvc: ch("templates/diracx/service.yaml", "1-14", "ClusterIP <fullname>:8000 -> targetPort http"),
    web: ch("templates/diracx-web/deployment.yaml", "139-170", "container diracx-web: port http = diracxWeb.service.port (8080), http probes on /"),
    webLabels: ch("templates/_helpers.tpl", "48-63", "selector labels: diracx, diracx-web, diracx-cli with instance <release>, <release>-web, <release>-cli"),
    taskLabels: ch("templates/_helpers.tpl", "75-90", "selector labels of the task Redis, workers and scheduler"),
    seaweedfs: ch("templates/seaweedfs/seaweedfs.yaml", "1-103", "SeaweedFS mini: s3 8333 (NodePort 32000), adminui 23646 (NodePort 32001), data on PVC at /data; labels app: seaweedfs, release: <release>"),
    dexValues: ch("values.yaml", "402-446", "dex: Service NodePort port 8000 -> http, nodePort 32002; storage sqlite3 /tmp/dex.db"),
    dexDeploy: { ...DEX_CHART, file: "charts/dex/templates/deployment.yaml", lines: "59-113", note: "dex serve --web-http-addr 0.0.0.0:5556 --telemetry-addr 0.0.0.0:5558; probes on telemetry; config from a Secret at /etc/dex" } as Source,
    dexLabels: { ...DEX_CHART, file: "charts/dex/templates/_helpers.tpl", lines: "47-52", note: "selector labels app.kubernetes.io/name: dex, instance: <release>" } as Source,
    mysqlSts: { ...MYSQL_CHART, file: "bitnami/mysql/templates/primary/statefulset.yaml", lines: "20-40,193,249", note: "primary pod labels (name mysql, instance <release>, component primary), containerPort 3306, data at /bitnami/mysql" } as Source,
    osSts: { ...OS_CHART, file: "charts/opensearch/templates/statefulset.yaml", lines: "240-248,352-357,402", note: "root init container chowns the data dir; http 9200, transport 9300; data at /usr/share/opensearch/data" } as Source,
    osPorts: { ...OS_CHART, file: "charts/opensearch/values.yaml", lines: "266-267,288-289", note: "transportPort 9300 (name transport), metricsPort 9600 (name metrics); statefulset.yaml 355-363 declares both containerPorts" } as Source,
    osNames: { ...OS_CHART, file: "charts/opensearch/values.yaml", lines: "2-12,265-266", note: "clusterName opensearch-cluster, nodeGroup master, Service opensearch-cluster-master, httpPort 9200" } as Source,
    dockerfile: app("containers/Dockerfile", "41-65", "ubuntu base, no USER: the services, tasks and client images run as root"),
    authSettings: app("diracx-core/src/diracx/core/settings.py", "157-271", "AuthSettings (DIRACX_SERVICE_AUTH_*): allowed_redirects, state_key (Fernet key), token_issuer (required), token_keystore, access/refresh token minutes"),
    fernet: app("diracx-core/src/diracx/core/settings.py", "107-112", "FernetKey: Fernet(value) must accept the key (32 bytes, base64)"),
    sandboxSettings: app("diracx-core/src/diracx/core/settings.py", "274-358", "SandboxStoreSettings (DIRACX_SANDBOX_STORE_*): bucket_name, s3_client_kwargs (JSON), auto_create_bucket; at start-up the S3 endpoint is asked whether the bucket exists and it is created"),
    factorySettings: app("diracx-core/src/diracx/core/settings.py", "361-466", "DIRACX_CONFIG_BACKEND_URL, DIRACX_TASKS_REDIS_URL, DIRACX_DB_URL_<entry point>, DIRACX_OS_DB_<entry point>: only the installed entry points' names are read"),
    dbEntryPoints: app("diracx-db/pyproject.toml", "29-39", "SQL DBs AuthDB, JobDB, JobLoggingDB, PilotAgentsDB, ResourceStatusDB, SandboxMetadataDB, TaskQueueDB; OpenSearch DB JobParametersDB only"),
    configSources: app("diracx-core/src/diracx/core/config/sources.py", "27,41-89", "ConfigSource registry by URL scheme; default git revision master"),
    localGit: app("diracx-core/src/diracx/core/config/sources.py", "165-195", "git+file: must be a git repository (else ValueError); git checkout <revision> in it (writes .git)"),
    remoteGit: app("diracx-core/src/diracx/core/config/sources.py", "198-223", "git+https: git clone into a TemporaryDirectory, git pull on refresh"),
    idpUrl: app("diracx-core/src/diracx/core/config/schema.py", "125-136", "the VO's IdP URL (config store) + /.well-known/openid-configuration"),
    idpCalls: app("diracx-logic/src/diracx/logic/auth/utils.py", "63-180", "server-side calls to the IdP: metadata, jwks_uri, token_endpoint"),
    probes: app("diracx-routers/src/diracx/routers/health/probes.py", "20-66", "live: config loaded; ready/startup: config loaded and AuthDB ping"),
    factory: app("diracx-routers/src/diracx/routers/factory.py", "181-259", "every SQL and OpenSearch DB URL becomes an engine/client in the app's lifetime; start-up fails when no SQL DB initialises"),
    settingsDiscovery: app("diracx-routers/src/diracx/routers/factory.py", "142-147,388-402", "the settings classes the enabled routers depend on (the jobs router: SandboxStoreSettings) are instantiated and their lifetime functions run at start-up"),
    initSqlCode: app("diracx-db/src/diracx/db/__main__.py", "36-60", "init-sql creates tables (metadata.create_all) in existing databases; init-os creates index templates"),
    otel: app("diracx-routers/src/diracx/routers/otel.py", "37-70", "DIRACX_OTEL_ENABLED, DIRACX_OTEL_GRPC_ENDPOINT"),
    tasksRedis: app("diracx-tasks/src/diracx/tasks/task_run.py", "40-46,340-345", "only the task processes read DIRACX_TASKS_REDIS_URL"),
    tasksConfig: app("diracx-tasks/src/diracx/tasks/plumbing/factory.py", "280-325", "task processes build SQL/OS DBs and the config source from the same environment"),
    tasksSandbox: app("diracx-tasks/src/diracx/tasks/jobs/clean_sandbox_store.py", "1-30", "the sandbox-cleaning task deletes objects through the S3 client"),
    cliGenerate: app("diracx-cli/src/diracx/cli/internal/config.py", "43-65,138-195", "generate-cs / add-vo / add-user write and commit the git repository (initial branch master)"),
    kind: { repo: "kubernetes-sigs/kind", ref: "00b38e3bbfdd20ec214924967fcfa7b5b0f51373", file: "pkg/cluster/internal/providers/docker/provision.go", note: "extraMounts become docker --volume binds per node; extraPortMappings become --publish <host>:<container>" } as Source,
    demoCluster: { ...CHART, file: "demo/demo_cluster_conf.tpl.yaml", lines: "1-46", note: "the upstream demo: one node, extraMount <csStorePath> -> /local_cs_store, port maps 443->8000, 32000 (SeaweedFS), 32002 (Dex)" } as Source,
    demoValues: { ...CHART, file: "demo/values.tpl.yaml", lines: "1-35", note: "the demo's URLs and settings all use https://<hostname>:8000; Dex at http://<hostname>:32002, S3 at http://<hostname>:32000" } as Source,
    ipAlias: ch("templates/diracx/deployment.yaml", "28-33", "developer.ipAlias: hostAliases <ipAlias> -> diracx.hostname in the API pod only (not the task pods)"),
    runDemoIpAlias: { ...CHART, file: "run_demo.sh", lines: "504-530,671-672", note: "the demo sets developer.ipAlias to the kind network's gateway (Linux) or the machine's address, with <ip>.nip.io as hostname" } as Source,
    tasksSettings: app("diracx-tasks/src/diracx/tasks/plumbing/factory.py", "323-343", "task processes enter each needed settings' lifetime function (SandboxStoreSettings: the bucket check) and skip the settings when it fails"),
    traefikWebsecure: { repo: "traefik/traefik-helm-chart", ref: "a8a66d0098703627b2cf352c66b1725c196a734a", file: "traefik/values.yaml", lines: "1009-1025", note: "ports.websecure: port 8443, exposedPort 443, nodePort (fixed when set; templates/_service.tpl 42-44)" } as Source,
    acmeSolver: { repo: "cert-manager/cert-manager", ref: "24e33194fb39488eff2bbf10c6dc640f407cad44", file: "pkg/issuer/acme/http/pod.go", lines: "35-47,198-260", note: "v1.21.1: the HTTP-01 solver pod runs in the Challenge's namespace with label acme.cert-manager.io/http01-solver=true, listening on 8089 (http.go 49)" } as Source,
};

/** Host and port of a URL (the port its scheme implies when none is given). */
function hostPort(url: string): { host: string; port: number } {
    const u = new URL(url.replace(/^git\+/, ""));
    return { host: u.hostname, port: Number(u.port || (u.protocol === "http:" ? 80 : 443)) };
}
/** `host:port` from config. */
function splitHostPort(hp: string): { host: string; port: number } {
    const i = hp.lastIndexOf(":");
    return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
}

export const contract: ContractFn = (cfg) => {
    const d = cfg.diracx;
    if (!d.enabled) return undefined;
    const ns = d.namespace;
    const rel = d.releaseName;
    const hostname = d.hostname ?? "";
    const chartRef = { chart: "diracx", version: "1.1.6" };
    const pods = (name: string, labels: Record<string, string>, createdBy: PodRef["createdBy"] = chartRef): PodRef => ({ kind: "pods", name, namespace: ns, labels, createdBy });

    const api = pods("diracx API", { "app.kubernetes.io/name": "diracx", "app.kubernetes.io/instance": rel });
    const web = pods("diracx-web", { "app.kubernetes.io/name": "diracx-web", "app.kubernetes.io/instance": `${rel}-web` });
    const cli = pods("diracx-cli", { "app.kubernetes.io/name": "diracx-cli", "app.kubernetes.io/instance": `${rel}-cli` });
    const redis = pods("task Redis", { "app.kubernetes.io/name": "diracx-task-redis", "app.kubernetes.io/instance": `${rel}-task-redis` });
    const scheduler = pods("task scheduler", { "app.kubernetes.io/name": "diracx-task-scheduler", "app.kubernetes.io/instance": `${rel}-task-scheduler` });
    const sizes = ["small", "medium", "large"] as const;
    const workers = sizes.map((size) => pods(`task worker ${size}`, { "app.kubernetes.io/name": `diracx-task-worker-${size}`, "app.kubernetes.io/instance": `${rel}-task-worker-${size}` }));
    /** The API and the task processes, with their container names and short ids. */
    const services: { id: string; pod: PodRef; container: string }[] = [
        { id: "api", pod: api, container: "diracx" },
        { id: "scheduler", pod: scheduler, container: "diracx-task-scheduler" },
        ...sizes.map((size, i) => ({ id: `worker-${size}`, pod: workers[i], container: `diracx-task-worker-${size}` })),
    ];
    const mysql = pods("MySQL primary", { "app.kubernetes.io/name": "mysql", "app.kubernetes.io/instance": rel, "app.kubernetes.io/component": "primary" }, { chart: "mysql", version: "9.11.0" });
    const opensearch = pods("OpenSearch", { "app.kubernetes.io/name": "opensearch", "app.kubernetes.io/instance": rel }, { chart: "opensearch", version: "2.13.1" });
    const seaweedfs = pods("SeaweedFS", { app: "seaweedfs", release: rel });
    const dex = pods("Dex", { "app.kubernetes.io/name": "dex", "app.kubernetes.io/instance": rel }, { chart: "dex", version: "0.14.2" });
    // Hook Jobs and the CronJob: the chart gives their pods no labels (only the Job controller's random job-name).
    const hookApi = pods("hook jobs init-secrets and init-keystore (no labels)", {});
    const hookCs = pods("hook job init-cs (no labels)", {});
    const hookSql = pods("hook job init-sql and CronJob cleanup-authdb (no labels)", {});
    const hookOs = pods("hook job init-os (no labels)", {});
    const hookValidate = pods("hook job validate-config (no labels)", {});
    const traefik = traefikPods(cfg);

    const flows: Flow[] = [];
    for (const protocol of ["UDP", "TCP"] as const) {
        flows.push({ id: `dns-${protocol.toLowerCase()}`, from: pods("every pod of the namespace", {}), to: { kind: "dns" }, ports: [53], protocol, why: "every pod resolves the chart's Service names (<release>-mysql, opensearch-cluster-master, <fullname>-task-redis) and the public host name (nip.io in dev)", source: S.initSecretsUrls });
    }

    // Ingress.
    if (cfg.ingress.enabled && cfg.ingress.install && !d.ingress.className) {
        flows.push({ id: "traefik-to-api", from: traefik, to: api, ports: [8000], why: "the Ingress sends /api and /.well-known to the API Service (targetPort http 8000)", source: [S.ingress, S.apiSvc, S.apiDeployment] });
        flows.push({ id: "traefik-to-web", from: traefik, to: web, ports: [8080], why: "the Ingress sends / to the web app Service (targetPort http 8080)", source: [S.ingress, S.web] });
    }
    if (cfg.ingress.enabled && cfg.ingress.install) {
        const solver: PodRef = { kind: "pods", name: "cert-manager HTTP-01 solver", namespace: ns, labels: { "acme.cert-manager.io/http01-solver": "true" }, createdBy: { runtime: "cert-manager (ACME HTTP-01 challenge)" } };
        flows.push({ id: "traefik-to-acme-solver-diracx", from: traefik, to: solver, ports: [8089], why: "with an ACME ClusterIssuer, cert-manager runs the solver pod in this namespace behind an Ingress of the platform's class; Traefik dials the pod (IP:8089) directly", source: S.acmeSolver });
    }
    // Probes.
    flows.push({ id: "kubelet-to-api", from: { kind: "kubelet" }, to: api, ports: [8000], why: "HTTP startup, readiness and liveness probes on /api/health/*", source: [S.apiDeployment, S.probes] });
    flows.push({ id: "kubelet-to-web", from: { kind: "kubelet" }, to: web, ports: [8080], why: "HTTP probes on /", source: S.web });
    flows.push({ id: "kubelet-to-redis", from: { kind: "kubelet" }, to: redis, ports: [6379], why: "TCP probes on the redis port", source: S.redis });
    if (d.dex.enabled) flows.push({ id: "kubelet-to-dex", from: { kind: "kubelet" }, to: dex, ports: [5558], why: "HTTP probes /healthz/{live,ready} on the telemetry port", source: S.dexDeploy });

    // API server: the hook jobs use kubectl.
    flows.push({
        id: "hooks-to-api-server",
        from: hookApi,
        to: { kind: "apiServer" },
        ports: cfg.kubernetes.apiServerPorts,
        why: "init-secrets (pre-install, weight -5) gets, creates and patches the chart's Secrets, even those the program made; init-keystore gets/creates diracx-jwks. Without them the release fails before any Deployment exists",
        source: [S.initSecrets, S.initSecretsJob, S.initKeystore, S.loadKeystore],
    });

    // Task Redis.
    for (const { id, pod: p } of services.slice(1)) {
        flows.push({ id: `${id}-to-redis`, from: p, to: redis, ports: [6379], why: "the task broker (DIRACX_TASKS_REDIS_URL = redis://<fullname>-task-redis:6379); the init container waits for it", source: [S.scheduler, S.workers, S.initSecretsUrls, S.tasksRedis] });
        flows.push({ id: `${id}-to-api`, from: p, to: api, ports: [8000], why: "the init container waits (nc -vz <fullname> 8000) before the task process starts", source: [S.scheduler, S.workers] });
    }

    // MySQL.
    const sqlClients: [string, PodRef][] = [...services.map((x): [string, PodRef] => [x.id, x.pod]), ["init-sql", hookSql]];
    if (d.mysql.mode === "bundled") {
        for (const [id, p] of sqlClients) flows.push({ id: `${id}-to-mysql`, from: p, to: mysql, ports: [3306], why: "mysql+aiomysql://…@<release>-mysql:3306/<DB> (the API's readiness pings AuthDB; init-sql creates the tables; cleanup-authdb prunes AuthDB)", source: [S.initSecretsUrls, S.factory, S.probes, S.initSql, S.cleanupAuthdb, S.mysqlSts] });
    } else if (d.mysql.external) {
        const m = splitHostPort(d.mysql.external.host);
        for (const [id, p] of sqlClients) flows.push({ id: `${id}-to-mysql`, from: p, to: { kind: "external", name: "external MySQL", host: m.host }, ports: [m.port], why: "the DIRACX_DB_URL_<DB> URLs the program writes (databases must already exist: init-sql only creates tables)", source: [S.factory, S.probes, S.initSql, S.initSqlCode, S.mysqlInitDbs] });
    }

    // OpenSearch.
    const osClients: [string, PodRef][] = [...services.map((x): [string, PodRef] => [x.id, x.pod]), ["init-os", hookOs]];
    if (d.osDbs.length > 0) {
        if (d.opensearch.mode === "bundled") {
            for (const [id, p] of osClients) flows.push({ id: `${id}-to-opensearch`, from: p, to: opensearch, ports: [9200], why: "DIRACX_OS_DB_<DB> = admin:admin@opensearch-cluster-master:9200 (HTTPS)", source: [S.initSecretsUrls, S.factory, S.initOs, S.osNames] });
        } else if (d.opensearch.external) {
            const o = splitHostPort(d.opensearch.external.host);
            for (const [id, p] of osClients) flows.push({ id: `${id}-to-opensearch`, from: p, to: { kind: "external", name: "external OpenSearch", host: o.host }, ports: [o.port], why: "the DIRACX_OS_DB_<DB> connection kwargs the program writes (HTTPS)", source: [S.factory, S.initOs] });
        }
    }

    // Sandbox store (S3): the API checks/creates the bucket at start-up and presigns URLs; the cleaning task deletes objects.
    // DiracX v0.3.0 has one URL per service, used server-side and handed to browsers/clients alike: the API pod resolves
    // diracx.hostname to diracx.ipAlias when set (the chart's hostAliases); the task pods get no alias.
    const dialled = (url: string, p: PodRef): { host: string; port: number; alias: boolean } => {
        const hp = hostPort(url);
        const alias = p === api && !!d.ipAlias && hp.host === hostname;
        return { ...hp, host: alias ? d.ipAlias! : hp.host, alias };
    };
    const s3Url = d.sandboxStore.mode === "seaweedfs" ? seaweedfsEndpoint(d) : (d.sandboxStore.external?.endpointUrl ?? "");
    if (s3Url) {
        const via = d.sandboxStore.mode === "seaweedfs" ? "SeaweedFS reached at its public URL (the host's port mapping to NodePort 32000), as the presigned URLs must work for clients outside the cluster" : "the external S3 service";
        for (const { id, pod: p } of services) {
            const s3 = dialled(s3Url, p);
            const aliasNote = s3.alias ? ` (${hostname} resolved through the API pod's hostAliases entry to ${d.ipAlias})` : p !== api && d.ipAlias ? " (no hostAliases in the task pods: where the hostname resolves to the loopback address the task skips SandboxStoreSettings and the sandbox-cleaning task cannot run)" : "";
            flows.push({ id: `${id}-to-s3`, from: p, to: { kind: "external", name: "sandbox store S3 endpoint", host: s3.host }, ports: [s3.port], why: `endpoint_url of DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS: ${via}${aliasNote}; the API's start-up fails if it cannot check or create the bucket`, source: [S.sandboxSettings, S.settingsDiscovery, S.tasksSandbox, S.tasksSettings, S.apiEnv, S.ipAlias] });
        }
        if (d.sandboxStore.mode === "seaweedfs") {
            flows.push({ id: "api-wait-seaweedfs", from: api, to: seaweedfs, ports: [8333], why: "the init container waits (nc -vz <release>-seaweedfs 8333)", source: S.apiWaits });
            flows.push({ id: "nodeport-to-seaweedfs", from: { kind: "node" }, to: seaweedfs, ports: [8333], why: "NodePort 32000 -> s3 8333: browsers, clients and (through the host) DiracX itself; the source is a node address after kube-proxy's SNAT", source: S.seaweedfs });
        }
    }

    // Identity provider.
    if (d.dex.enabled) {
        const issuer = dialled(dexIssuerUrl(d), api);
        flows.push({
            id: "api-to-idp",
            from: api,
            to: { kind: "external", name: "Dex issuer (the VO's IdP URL)", host: issuer.host },
            ports: [issuer.port],
            why: `the login flows fetch <issuer>/.well-known/openid-configuration, the JWKS and the token endpoint from the DiracX pod (the same issuer URL the browser is sent to: no separate internal URL)${issuer.alias ? `; ${hostname} resolves to ${d.ipAlias} in the API pod (hostAliases), where the host's port mapping reaches Dex's NodePort` : ""}`,
            source: [S.idpUrl, S.idpCalls, S.dexValues, S.ipAlias],
        });
        flows.push({ id: "nodeport-to-dex", from: { kind: "node" }, to: dex, ports: [5556], why: `NodePort ${d.dex.nodePort} -> Service port 8000 -> container http 5556 (browsers and DiracX through the host)`, source: [S.dexValues, S.dexDeploy] });
    } else {
        flows.push({ id: "api-to-idp", from: api, to: { kind: "external", name: "the VO's identity provider (Registry/<VO>/IdP/URL in the config repository)", host: "(from the config repository)" }, ports: [443], why: "metadata, JWKS and token endpoint of the IdP, called from the DiracX pod during logins", source: [S.idpUrl, S.idpCalls] });
    }

    // Config store (git).
    if (!d.developer && d.configBackendUrl) {
        const g = hostPort(d.configBackendUrl);
        for (const [id, p] of [...services.map((x): [string, PodRef] => [x.id, x.pod]), ["validate-config", hookValidate] as [string, PodRef]]) {
            flows.push({ id: `${id}-to-config-git`, from: p, to: { kind: "external", name: "config repository (git)", host: g.host }, ports: [g.port], why: "git clone at start-up and git pull on refresh of DIRACX_CONFIG_BACKEND_URL", source: [S.remoteGit, S.validateConfig, S.tasksConfig] });
        }
    }

    // ---- Listeners.
    const listeners: Listener[] = [
        { pod: api, container: "diracx", port: 8000, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "uvicorn --host=0.0.0.0 --port=diracx.service.port", source: S.apiDeployment },
        { pod: web, container: "diracx-web", port: 8080, bind: "all", namedBy: ["service", "probe", "networkPolicy"], why: "the static web app's server on diracxWeb.service.port (bind read from the chart's containerPort, not from the image)", source: S.web },
        { pod: redis, container: "redis", port: 6379, bind: "all", namedBy: ["service", "probe"], why: "task broker", source: [S.redis, S.redisSvc] },
    ];
    if (d.mysql.mode === "bundled") listeners.push({ pod: mysql, container: "mysql", port: 3306, bind: "all", namedBy: ["service"], why: "Bitnami MySQL primary", source: S.mysqlSts });
    if (d.opensearch.mode === "bundled") {
        listeners.push({ pod: opensearch, container: "opensearch", port: 9200, bind: "all", namedBy: ["service"], why: "OpenSearch HTTPS (network.host 0.0.0.0 in the chart's values)", source: [S.osSts, S.osNames] });
        // Found by rendering the chart (its Services name these ports, docs/helm-rendering.md).
        listeners.push({ pod: opensearch, container: "opensearch", port: 9300, bind: "all", namedBy: ["service"], why: "OpenSearch transport between nodes (transportPort 9300; the chart's Services opensearch-cluster-master and -headless name it)", source: [S.osSts, S.osPorts] });
        listeners.push({
            pod: opensearch,
            container: "opensearch",
            port: 9600,
            bind: "all",
            namedBy: ["service"],
            why: "the chart declares metricsPort 9600 (the Performance Analyzer REST port of the opensearch image) and the headless Service names it; that the plugin listens there was not read from the OpenSearch source",
            source: S.osPorts,
        });
    }
    if (d.sandboxStore.mode === "seaweedfs") {
        listeners.push({ pod: seaweedfs, container: "seaweedfs", port: 8333, bind: "all", namedBy: ["service", "networkPolicy"], why: "S3 API behind NodePort 32000", source: S.seaweedfs });
        listeners.push({ pod: seaweedfs, container: "seaweedfs", port: 23646, bind: "all", namedBy: ["service"], why: "admin UI behind NodePort 32001 (not mapped in dev)", source: S.seaweedfs });
    }
    if (d.dex.enabled) {
        listeners.push({ pod: dex, container: "dex", port: 5556, bind: "all", namedBy: ["service", "networkPolicy"], why: "Dex HTTP (--web-http-addr 0.0.0.0:5556), Service port 8000, NodePort from diracx.dex.nodePort", source: [S.dexDeploy, S.dexValues] });
        listeners.push({ pod: dex, container: "dex", port: 5558, bind: "all", namedBy: ["probe"], why: "Dex telemetry (health probes)", source: S.dexDeploy });
    }

    // ---- Writes (the chart sets no securityContext: root filesystems are writable and the DiracX images run as root).
    const writes: Write[] = [
        { pod: hookApi, container: "diracx-init-keystore", path: "/keystore", why: "rotate-jwk writes jwks.json into an emptyDir, then it becomes Secret diracx-jwks", source: [S.initKeystore, S.dockerfile] },
        { pod: redis, container: "redis", path: "/data", why: "Redis persistence on an emptyDir", source: S.redis },
    ];
    if (d.developer) {
        writes.push({ pod: hookCs, container: "diracx", path: "/cs_store/initialRepo", why: "init-cs generates the config repository on pv-cs-store (hostPath /local_cs_store of the node the Job runs on); it exits 1 if the repository already exists", source: [S.initCsScript, S.initCsJob, S.csStore, S.cliGenerate] });
        writes.push({ pod: cli, container: "diracx-cli", path: "/cs_store/initialRepo", why: "dirac internal add-vo / add-user commit to the repository (the program's registerOnce commands)", source: [S.cli, S.cliGenerate] });
        for (const { pod: p, container } of services) writes.push({ pod: p, container, path: "/cs_store/initialRepo", why: "LocalGitConfigSource runs git checkout <revision> in the repository at start-up (it must be a git repository there, else the config never loads)", source: [S.localGit, S.apiVolumes, S.scheduler, S.workers] });
    } else {
        for (const { pod: p, container } of services) writes.push({ pod: p, container, path: "/tmp", why: "RemoteGitConfigSource clones the config repository into a TemporaryDirectory", source: S.remoteGit });
    }
    if (d.sandboxStore.mode === "seaweedfs") writes.push({ pod: seaweedfs, container: "seaweedfs", path: "/data", why: "SeaweedFS master, volume and filer data (PVC <release>-seaweedfs-data)", source: S.seaweedfs });
    if (d.dex.enabled) writes.push({ pod: dex, container: "dex", path: "/tmp/dex.db", why: "Dex's sqlite3 storage (the chart's dex.config.storage)", source: S.dexValues });
    if (d.mysql.mode === "bundled") writes.push({ pod: mysql, container: "mysql", path: "/bitnami/mysql/data", why: "MySQL datadir on the primary's PVC (UID 1001, fsGroup 1001)", source: S.mysqlSts });
    if (d.opensearch.mode === "bundled") writes.push({ pod: opensearch, container: "opensearch", path: "/usr/share/opensearch/data", why: "OpenSearch data on its PVC (a root init container chowns it to 1000)", source: S.osSts });

    // ---- Accepts.
    const accepts: Accept[] = [
        {
            key: "diracx.configBackendUrl",
            reads: "DIRACX_CONFIG_BACKEND_URL (FactorySettings.config_backend_url)",
            accepted: ["git+file://<path>", "git+https://<host>/<repo>[?revision=<branch>]"],
            rejected: ["git+http://…", "git+ssh://…"],
            why: "ConfigSource picks its class by URL scheme from a registry of git+file and git+https only (KeyError otherwise); without ?revision= it checks out branch master",
            source: [S.configSources, S.localGit, S.remoteGit],
        },
        { key: "diracx.hostname", reads: "DIRACX_SERVICE_AUTH_TOKEN_ISSUER (= https://<hostname>) and DIRACX_SERVICE_AUTH_ALLOWED_REDIRECTS (JSON list)", why: "token_issuer is required (no default); allowed_redirects is parsed as a JSON list of URLs", source: S.authSettings },
        { key: "diracx (generated RandomBytes diracx-auth-state-key)", reads: "DIRACX_SERVICE_AUTH_STATE_KEY", why: "must be a Fernet key (base64 of 32 bytes): the program's RandomBytes(32).base64 is, like the chart's init-secrets value", source: [S.fernet, S.authSettings, S.initSecrets] },
        { key: "diracx.developer", reads: "DIRACX_SERVICE_AUTH_ACCESS_TOKEN_EXPIRE_MINUTES, DIRACX_SERVICE_AUTH_REFRESH_TOKEN_EXPIRE_MINUTES", why: "integers (defaults 20 and 60)", source: S.authSettings },
        { key: "(chart default)", reads: "DIRACX_SERVICE_AUTH_TOKEN_KEYSTORE = file:///keystore/jwks.json", why: "the JWKS must be a file URL or JSON with a non-empty keys list: the diracx-jwks Secret mounted at /keystore", source: [S.keystoreDefault, S.authSettings, S.apiVolumes] },
        { key: "diracx.sandboxStore.bucket", reads: "DIRACX_SANDBOX_STORE_BUCKET_NAME", why: "required; with DIRACX_SANDBOX_STORE_AUTO_CREATE_BUCKET=true the API creates it at start-up", source: S.sandboxSettings },
        {
            key: "diracx.sandboxStore",
            reads: "DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS (JSON object: endpoint_url, aws_access_key_id, aws_secret_access_key) from diracx-dynamic-secrets",
            why: "required; the endpoint must be reachable from the API at start-up (bucket check) and from clients (presigned URLs carry the endpoint)",
            source: [S.sandboxSettings, S.apiEnv],
        },
        { key: "diracx.telemetry.enabled", reads: "DIRACX_OTEL_ENABLED, DIRACX_OTEL_GRPC_ENDPOINT", why: "booleans/strings of OTELSettings", source: S.otel },
        { key: "diracx.sqlDbs", reads: "DIRACX_DB_URL_<NAME> for the installed entry points", accepted: ["AuthDB", "JobDB", "JobLoggingDB", "PilotAgentsDB", "ResourceStatusDB", "SandboxMetadataDB", "TaskQueueDB"], why: "other names are ignored; the readiness probe needs AuthDB", source: [S.factorySettings, S.dbEntryPoints, S.probes] },
        { key: "diracx.osDbs", reads: "DIRACX_OS_DB_<NAME> for the installed entry points", accepted: ["JobParametersDB"], why: "v0.3.0 installs only JobParametersDB: PilotLogsDB (in the default list) is written but never read", source: [S.factorySettings, S.dbEntryPoints] },
        { key: "diracx.ipAlias", reads: "the API pod's hostAliases (chart value developer.ipAlias: <ipAlias> -> diracx.hostname)", why: "an IPv4 address; only the API Deployment gets the entry, so only the API resolves the hostname to it", source: [S.ipAlias, S.runDemoIpAlias] },
        { key: "diracx.mysql.external", reads: "DIRACX_DB_URL_<DB> (mysql+aiomysql://user:password@host:port/<DB>)", why: "the databases must exist with grants for the user: init-sql only creates tables, and the chart's CREATE DATABASE script runs only in the bundled MySQL", source: [S.initSqlCode, S.mysqlInitDbs, S.probes] },
    ];

    // ---- Host facts (dev on kind).
    const hostFacts: HostFact[] = [];
    if (cfg.kubernetes.distribution === "kind") {
        if (d.developer) {
            hostFacts.push({
                kind: "kindMount",
                id: "diracx-cs-store",
                hostPath: "/local_cs_store",
                why: "pv-cs-store is a hostPath without node affinity, written by the init-cs hook (which takes no node selector) and read by the API, CLI, task scheduler and workers and validate-config: the same host folder must be mounted at /local_cs_store into every node these pods can land on (kind/cluster.yaml: .kind/diracx-cs-store on every node)",
                source: [S.csStore, S.localCsPath, S.initCsJob, S.apiVolumes, S.cli, S.scheduler, S.workers, S.demoCluster],
            });
        }
        const urlPort = d.httpsPort;
        hostFacts.push({
            kind: "kindPortMapping",
            id: "diracx-url",
            containerPort: cfg.ingress.websecureNodePort ?? 443,
            why: `the dev URL https://${hostname}${urlPort === 443 ? "" : `:${urlPort}`}/ (token issuer, redirects, CLI DIRACX_URL) is host port ${urlPort}: kind must map it to Traefik's websecure NodePort (ingress.websecureNodePort${cfg.ingress.websecureNodePort ? ` ${cfg.ingress.websecureNodePort}` : ", unset: random"}); the demo maps node port 443 to host port 8000 and puts :8000 in every URL`,
            source: [S.ingress, S.traefikWebsecure, S.demoCluster, S.demoValues, S.kind],
        });
        const viaAlias = d.ipAlias ? ` (the DiracX API pod reaches the same port at ${d.ipAlias}, its hostAliases address for ${hostname}: host port = NodePort)` : "";
        if (d.dex.enabled && !d.dex.issuer) hostFacts.push({ kind: "kindPortMapping", id: "diracx-dex", containerPort: d.dex.nodePort, why: `the Dex issuer http://${hostname}:${d.dex.nodePort} (browsers and the DiracX pod) is Dex's NodePort through the host${viaAlias}`, source: [S.dexValues, S.demoCluster, S.ipAlias, S.runDemoIpAlias] });
        if (d.sandboxStore.mode === "seaweedfs" && !d.sandboxStore.seaweedfsUrl) hostFacts.push({ kind: "kindPortMapping", id: "diracx-seaweedfs", containerPort: 32000, why: `the S3 endpoint http://${hostname}:32000 (DiracX and presigned URLs) is SeaweedFS's NodePort through the host${viaAlias}`, source: [S.seaweedfs, S.demoCluster, S.ipAlias, S.runDemoIpAlias] });
    }

    return {
        system: "diracx",
        pinned: { chart: "diracx 1.1.6 (DIRACGrid/diracx-charts 4b25acb83bea0accd7148c6d6c8b182abab6134e)", app: `DIRACGrid/diracx v0.3.0 (${APP.ref})`, imageTag: d.imageTag ?? "v0.3.0", dex: "chart 0.14.2, image v2.41.1", mysql: "bitnami chart 9.11.0", opensearch: "chart 2.13.1", seaweedfs: "chrislusf/seaweedfs:4.23", redis: "redis:7.4.2-alpine" },
        flows,
        listeners,
        writes,
        accepts,
        hostFacts,
    };
};
