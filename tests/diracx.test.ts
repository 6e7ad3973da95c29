import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import { diracxSchema } from "../config/diracx";
import { Diracx } from "../components/apps/diracx";
import { charts } from "../components/charts";
import { runPlan } from "../tools/plan-engine/runPlan";
import { PROJECT_DIR, Run, configProblems, runProgram } from "./harness";
import { SECRET, NAMESPACE, ON, SENTINELS, SENTINEL_SECRETS, dev, prod, release, values } from "./diracxUtil";

describe("diracx: release", () => {
    it("installs the pinned chart atomically into its own namespace, with a timeout that covers the init jobs", async () => {
        const run = await dev();
        const r = release(run);
        assert.equal(r.inputs.chart, "diracx");
        assert.equal(r.inputs.version, charts.diracx.version);
        assert.equal(r.inputs.repositoryOpts.repo, "https://charts.diracgrid.org/");
        assert.equal(r.inputs.namespace, "diracx");
        assert.equal(r.inputs.name, "diracx");
        assert.equal(r.inputs.atomic, true);
        assert.equal(r.inputs.createNamespace, false);
        assert.ok(r.inputs.timeout >= 900, "the chart's init jobs may run for their 900 s deadline");
        const ns = run.one(NAMESPACE, "diracx");
        assert.ok(r.dependsOn.includes(ns.urn));
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.match(ns.inputs.metadata.annotations["research-platform.io/pod-security-reason"], /OpenSearch/);
    });

    it("serves the hostname through the Ingress with a cert-manager certificate, and turns off the chart's own cert-manager and issuer", async () => {
        const run = await dev(["diracx.ingress.className=nginx-site", "diracx.ingress.clusterIssuer=site-ca"]);
        const v = values(run);
        assert.equal(v.diracx.hostname, "diracx.127.0.0.1.nip.io");
        assert.deepEqual(v.ingress, { enabled: true, className: "nginx-site", tlsSecretName: "diracx-tls", annotations: { "cert-manager.io/cluster-issuer": "site-ca" } });
        assert.equal(v["cert-manager"].enabled, false);
        assert.equal(v["cert-manager-issuer"].enabled, false, "the issuer subchart would add its own cert-manager.io/issuer annotation");
        assert.equal(v.diracx.settings.DIRACX_SERVICE_AUTH_TOKEN_ISSUER, "https://diracx.127.0.0.1.nip.io:30443");
    });

    it("pins every image tag it sets (busybox is `latest` in the chart)", async () => {
        const v = values(await dev(["diracx.imageTag=v0.3.0"]));
        assert.equal(v.global.images.busybox.tag, "1.37.0");
        assert.equal(v.global.images.tag, "v0.3.0");
        assert.equal(v.global.imagePullPolicy, "IfNotPresent");
    });

    it("uses the platform's handles: class, issuer, storage class, and waits on what they name", async () => {
        const cfg = diracxSchema.parse({ enabled: true, hostname: "diracx.example.org", developer: true });
        let urns: Record<string, string> = {};
        const plan = await runPlan({
            projectDir: PROJECT_DIR,
            stack: "dev",
            base: "empty",
            program: () => {
                const provider = new k8s.Provider("k8s", {});
                const ready = (n: string) => new k8s.core.v1.ConfigMap(n, { metadata: { name: n } }, { provider });
                const ingressReady = ready("traefik-ready");
                const issuerReady = ready("issuer-ready");
                const storageReady = ready("storage-ready");
                const d = new Diracx("diracx", {
                    config: cfg,
                    environment: "dev",
                    provider,
                    secrets: {},
                    ingressClassName: "traefik",
                    ingressReady: [ingressReady],
                    clusterIssuerName: "platform-ca",
                    issuerReady: [issuerReady],
                    storageClassName: "local-path",
                    storageReady: [storageReady],
                    network: { apiServerCidrs: ["172.18.0.0/16"], apiServerPorts: [443, 6443], nodeCidrs: ["172.18.0.0/16"], ingressNamespace: "traefik" },
                });
                d.release.urn.apply(() => undefined);
                void Promise.all([ingressReady.urn, issuerReady.urn, storageReady.urn].map((u) => new Promise<string>((res) => u.apply(res)))).then(
                    ([i, c, s]) => (urns = { i, c, s }),
                );
                return {};
            },
        });
        const run = new Run(plan);
        const r = release(run);
        for (const u of Object.values(urns)) assert.ok(r.dependsOn.includes(u), `the release waits on ${u}`);
        const v = r.inputs.values;
        assert.equal(v.ingress.className, "traefik");
        assert.deepEqual(v.ingress.annotations, { "cert-manager.io/cluster-issuer": "platform-ca" });
        assert.equal(v.global.storageClassName, "local-path");
        assert.equal(v.mysql.primary.persistence.storageClass, "local-path");
        assert.equal(v.opensearch.persistence.storageClass, "local-path");
        assert.equal(v.seaweedfs.persistence.storageClass, "local-path");
        for (const s of run.all(SECRET)) assert.ok(r.dependsOn.includes(s.urn), `the init-secrets job must find ${s.name} already there`);
    });

    it("protects the release, its namespace and the credentials tied to its data in prod, and not in dev", async () => {
        const p = await prod();
        assert.equal(release(p).protect, true);
        const ns = p.one(NAMESPACE, "diracx");
        assert.equal(ns.protect, true);
        assert.equal(ns.retainOnDelete, true, "deleting the namespace would delete the database volumes");
        const d = await dev();
        assert.equal(release(d).protect, false);
        assert.equal(d.one(SECRET, "diracx-mysql-auth").protect, false);
        const pb = await prod(['diracx.mysql={"mode":"bundled"}']);
        assert.equal(pb.one(SECRET, "diracx-mysql-auth").protect, true, "new MySQL passwords would not open the old data directory");
        assert.equal(pb.one("random:index/randomPassword:RandomPassword", "diracx-mysql-root").protect, true);
    });
});

describe("diracx: dependencies", () => {
    it("bundles MySQL, OpenSearch, SeaweedFS and Dex in dev, with RabbitMQ and the telemetry stack off", async () => {
        const v = values(await dev());
        assert.equal(v.mysql.enabled, true);
        assert.equal(v.opensearch.enabled, true);
        assert.equal(v.seaweedfs.enabled, true);
        assert.equal(v.dex.enabled, true);
        assert.equal(v.rabbitmq.enabled, false);
        assert.equal(v.indigoiam.enabled, false);
        for (const k of ["opentelemetry-collector", "jaeger", "prometheus", "grafana", "elasticsearch"]) assert.equal(v[k].enabled, false, k);
        assert.deepEqual(Object.keys(v.diracx.sqlDbs.dbs).sort(), ["AuthDB", "JobDB", "JobLoggingDB", "PilotAgentsDB", "ResourceStatusDB", "SandboxMetadataDB", "TaskQueueDB"]);
        assert.ok(Object.values(v.diracx.sqlDbs.dbs).every((x) => x === null), "the chart fails on connection settings when it runs MySQL");
        assert.equal(v.diracx.sqlDbs.default, undefined, "the chart fails on default connection settings when it runs MySQL");
        assert.deepEqual(Object.keys(v.diracx.osDbs.dbs).sort(), ["JobParametersDB"]);
    });

    it("gives the bundled MySQL a program-made Secret by name (all three keys the chart reads)", async () => {
        const run = await dev();
        const v = values(run);
        const s = run.one(SECRET, "diracx-mysql-auth");
        assert.equal(v.mysql.auth.existingSecret, s.inputs.metadata.name);
        assert.deepEqual(Object.keys(s.inputs.stringData).sort(), ["mysql-password", "mysql-replication-password", "mysql-root-password"]);
        assert.equal(new Set(Object.values(s.inputs.stringData)).size, 3, "three different passwords");
    });

    it("switches each bundled dependency off", async () => {
        const run = await runProgram({
            stack: "dev",
            set: [
                ...ON,
                "diracx.dex.enabled=false",
                "diracx.dex.demoUser=false",
                'diracx.sandboxStore={"mode":"external","external":{"endpointUrl":"https://s3.example.org","accessKeyId":"k"}}',
                'diracx.opensearch={"mode":"external","external":{"host":"os.example.org:9200"}}',
                'diracx.mysql={"mode":"external","external":{"host":"db.example.org:3306"}}',
            ],
            secrets: SENTINEL_SECRETS,
        });
        const v = values(run);
        for (const k of ["mysql", "opensearch", "seaweedfs", "dex"]) assert.deepEqual(v[k], { enabled: false }, k);
        assert.equal(run.find(SECRET, "diracx-mysql-auth"), undefined);
    });

    it("turns RabbitMQ on with generated password and Erlang cookie in a Secret it names, and its security contexts on", async () => {
        const run = await dev(["diracx.rabbitmq.enabled=true"]);
        const v = values(run);
        const s = run.one(SECRET, "diracx-rabbitmq-auth");
        assert.equal(v.rabbitmq.enabled, true);
        assert.equal(v.rabbitmq.auth.existingPasswordSecret, s.inputs.metadata.name);
        assert.equal(v.rabbitmq.auth.existingErlangSecret, s.inputs.metadata.name);
        assert.deepEqual(Object.keys(s.inputs.stringData).sort(), ["rabbitmq-erlang-cookie", "rabbitmq-password"]);
        assert.equal(v.rabbitmq.podSecurityContext.enabled, true);
        assert.equal(v.rabbitmq.containerSecurityContext.enabled, true);
        assert.ok(run.isSecret(s, "stringData"));
    });

    it("turns Dex off (the VO's own identity provider is set in the config store)", async () => {
        const run = await dev(["diracx.dex.enabled=false", "diracx.dex.demoUser=false"]);
        const v = values(run);
        assert.deepEqual(v.dex, { enabled: false });
        assert.equal(run.find("random:index/randomUuid:RandomUuid", "diracx-dex-client-id"), undefined);
    });
});

describe("diracx: external services (prod)", () => {
    it("points at the site's MySQL through connection-URL Secrets the chart reads by name, with no password in values", async () => {
        const run = await prod();
        const v = values(run);
        assert.equal(v.mysql.enabled, false);
        const unused = "unused-the-platform-creates-the-url-secrets";
        assert.deepEqual(v.diracx.sqlDbs.default, { host: "mysql.example.org:3306", user: "diracx", rootUser: "diracx_admin", password: unused, rootPassword: unused });
        const urls = run.one(SECRET, "diracx-sql-connection-urls");
        const root = run.one(SECRET, "diracx-sql-root-connection-urls");
        assert.equal(urls.inputs.metadata.name, "diracx-sql-connection-urls");
        assert.equal(urls.inputs.stringData.DIRACX_DB_URL_JOBDB, `mysql+aiomysql://diracx:${SENTINELS.diracxMysqlPassword}@mysql.example.org:3306/JobDB`);
        assert.equal(root.inputs.stringData.DIRACX_DB_URL_AUTHDB, `mysql+aiomysql://diracx_admin:${SENTINELS.diracxMysqlRootPassword}@mysql.example.org:3306/AuthDB`);
        assert.equal(Object.keys(urls.inputs.stringData).length, 7);
        assert.ok(run.isSecret(urls, "stringData") && run.isSecret(root, "stringData"));
        assert.ok(release(run).dependsOn.includes(urls.urn) && release(run).dependsOn.includes(root.urn));
    });

    it("URL-encodes a password with reserved characters", async () => {
        const run = await runProgram({ stack: "prod", set: ON, secrets: [...SENTINEL_SECRETS.slice(1), "diracxMysqlPassword=p@ss/w:rd"], placeholderSecrets: true });
        assert.match(run.one(SECRET, "diracx-sql-connection-urls").inputs.stringData.DIRACX_DB_URL_JOBDB, /^mysql\+aiomysql:\/\/diracx:p%40ss%2Fw%3Ard@mysql\.example\.org:3306\/JobDB$/);
    });

    it("points at the site's OpenSearch and S3 the same way", async () => {
        const run = await prod();
        const v = values(run);
        assert.equal(v.opensearch.enabled, false);
        assert.deepEqual(v.diracx.osDbs.default, { host: "opensearch.example.org:9200", user: "diracx", rootUser: "diracx" });
        const os = JSON.parse(run.one(SECRET, "diracx-os-connection-urls").inputs.stringData.DIRACX_OS_DB_JOBPARAMETERSDB);
        assert.deepEqual(os, { hosts: `diracx:${SENTINELS.diracxOpensearchPassword}@opensearch.example.org:9200`, use_ssl: true, verify_certs: true });
        assert.ok(run.one(SECRET, "diracx-os-root-connection-urls"));
        assert.equal(v.seaweedfs.enabled, false);
        const dyn = run.one(SECRET, "diracx-dynamic-secrets");
        assert.deepEqual(JSON.parse(dyn.inputs.stringData.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS), {
            endpoint_url: "https://s3.example.org",
            aws_access_key_id: "diracx-sandboxes",
            aws_secret_access_key: SENTINELS.diracxS3ClientSecret,
        });
        assert.equal(v.diracx.settings.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS, null, "the chart's placeholder credentials are removed from diracx-secrets");
        assert.equal(v.diracx.settings.DIRACX_SANDBOX_STORE_BUCKET_NAME, "diracx-sandboxes");
        assert.equal(v.diracx.settings.DIRACX_CONFIG_BACKEND_URL, "git+https://gitlab.example.org/dirac/diracx-config");
        assert.equal(v.developer.enabled, false);
        assert.deepEqual(v.dex, { enabled: false });
    });

    it("requires each external service's secret, and only when that service is external", async () => {
        const problems = (await configProblems({ stack: "prod", set: ON })).filter((p) => p.startsWith("research-platform:diracx"));
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), [
            "research-platform:diracxMysqlPassword",
            "research-platform:diracxMysqlRootPassword",
            "research-platform:diracxOpensearchPassword",
            "research-platform:diracxS3ClientSecret",
        ]);
        await runProgram({ stack: "prod", set: [...ON, 'diracx.mysql={"mode":"bundled"}', 'diracx.opensearch={"mode":"bundled"}', 'diracx.sandboxStore={"mode":"seaweedfs"}'], placeholderSecrets: true });
    });
});
