import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { parse as parseYaml } from "yaml";
import { diracxSchema } from "../config/diracx";
import { Diracx, dexLocalSubject } from "../components/apps/diracx";
import { charts, referenceFolder } from "../components/charts";
import { runPlan } from "../tools/plan-engine/runPlan";
import { unknownPaths } from "../tools/guardrails/validateHelmValues";
import { PROJECT_DIR, Run, TestResource, configProblems, runProgram } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const NAMESPACE = "kubernetes:core/v1:Namespace";

/** DiracX on, with the platform's ingress controller and cert-manager (the cross-check needs them). */
const ON = ["diracx.enabled=true", "ingress.enabled=true", "certManager.enabled=true"];

/** User-supplied secrets with recognisable values, to hunt for in values and ConfigMaps. */
const SENTINELS = {
    diracxMysqlPassword: "SentinelMysqlUserPw0001",
    diracxMysqlRootPassword: "SentinelMysqlRootPw0002",
    diracxOpensearchPassword: "SentinelOpensearchPw0003",
    diracxS3ClientSecret: "SentinelS3SecretKey0004",
};
const SENTINEL_SECRETS = Object.entries(SENTINELS).map(([k, v]) => `${k}=${v}`);

/**
 * Values the chart only accepts inline, where a generated secret unavoidably appears in the
 * Release values (documented in docs/diracx.md). Keep this list short.
 */
const UNAVOIDABLE_SECRET_VALUE_PATHS = ["seaweedfs.config.configMap.data.seaweedfs-s3.json"];

const dev = (set: string[] = []) => runProgram({ stack: "dev", set: [...ON, ...set] });
const prod = (set: string[] = []) => runProgram({ stack: "prod", set: [...ON, ...set], secrets: SENTINEL_SECRETS, placeholderSecrets: true });

function release(run: Run): TestResource {
    return run.one(RELEASE, "diracx");
}
function values(run: Run) {
    return release(run).inputs.values;
}

/** Every leaf of a values tree as [path segments, value]; arrays and nulls are leaves. */
function leaves(v: unknown, at: string[] = []): [string[], unknown][] {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
        return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => leaves(x, [...at, k]));
    }
    return [[at, v]];
}

/** The secret strings the program delivers: each Secret's values, split into password-like atoms, plus the user's secrets. */
function secretAtoms(run: Run): Set<string> {
    const atoms = new Set<string>(Object.values(SENTINELS));
    for (const s of run.all(SECRET)) {
        for (const [k, v] of Object.entries(s.inputs.stringData ?? {})) {
            if (k === "admin-user") continue;
            for (const atom of String(v).split(/[^A-Za-z0-9+/=]+/)) if (atom.length >= 16) atoms.add(atom);
        }
    }
    return atoms;
}

/** Paths of the Release values whose text contains a secret atom. */
function leakedPaths(run: Run): string[] {
    const atoms = [...secretAtoms(run)];
    return leaves(values(run))
        .filter(([, v]) => {
            const text = typeof v === "string" ? v : JSON.stringify(v ?? null);
            return atoms.some((a) => text.includes(a));
        })
        .map(([p]) => p.join("."));
}

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
        assert.equal(v.diracx.hostname, "172.18.0.1.nip.io");
        assert.deepEqual(v.ingress, { enabled: true, className: "nginx-site", tlsSecretName: "diracx-tls", annotations: { "cert-manager.io/cluster-issuer": "site-ca" } });
        assert.equal(v["cert-manager"].enabled, false);
        assert.equal(v["cert-manager-issuer"].enabled, false, "the issuer subchart would add its own cert-manager.io/issuer annotation");
        assert.equal(v.diracx.settings.DIRACX_SERVICE_AUTH_TOKEN_ISSUER, "https://172.18.0.1.nip.io");
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
        assert.deepEqual(Object.keys(v.diracx.osDbs.dbs).sort(), ["JobParametersDB", "PilotLogsDB"]);
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
        assert.deepEqual(v.diracx.sqlDbs.default, { host: "mysql.example.org:3306", user: "diracx", rootUser: "diracx_admin" });
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

describe("diracx: secrets", () => {
    for (const [label, runIt] of [
        ["dev (bundled services, demo user)", () => dev(["diracx.rabbitmq.enabled=true", "diracx.telemetry.enabled=true"])],
        ["prod (external services)", () => prod()],
    ] as const) {
        it(`keeps every generated or supplied secret out of the Release values, except the documented cases: ${label}`, async () => {
            const run = await runIt();
            assert.ok(secretAtoms(run).size >= 4, "the search has secrets to look for");
            const leaked = leakedPaths(run);
            assert.deepEqual(
                leaked.filter((p) => !UNAVOIDABLE_SECRET_VALUE_PATHS.includes(p)),
                [],
            );
            for (const p of leaked) assert.ok(run.isSecret(release(run), `values.${p}`), `values.${p} is at least a Pulumi secret`);
            assert.deepEqual(run.allIn("research-platform:apps:Diracx", "kubernetes:core/v1:ConfigMap"), [], "the component writes no ConfigMap");
        });
    }

    it("finds a secret planted in the values (the search can fail)", async () => {
        const run = await dev();
        const planted = [...secretAtoms(run)][0];
        values(run).diracx.settings.PLANTED = `x${planted}x`;
        assert.deepEqual(leakedPaths(run).filter((p) => !UNAVOIDABLE_SECRET_VALUE_PATHS.includes(p)), ["diracx.settings.PLANTED"]);
    });

    it("delivers every Secret's values as Pulumi secrets", async () => {
        for (const run of [await dev(["diracx.rabbitmq.enabled=true", "diracx.telemetry.enabled=true"]), await prod()]) {
            const secrets = run.all(SECRET);
            assert.ok(secrets.length >= 2);
            for (const s of secrets) assert.ok(s.secretPaths.includes("stringData") || Object.keys(s.inputs.stringData).every((k) => run.isSecret(s, `stringData.${k}`)), s.name);
        }
    });

    it("generates the OAuth state key and the sandbox store's S3 credentials into the Secret the chart would otherwise create", async () => {
        const run = await dev();
        const dyn = run.one(SECRET, "diracx-dynamic-secrets");
        assert.equal(dyn.inputs.metadata.name, "diracx-dynamic-secrets");
        assert.equal(Buffer.from(dyn.inputs.stringData.DIRACX_SERVICE_AUTH_STATE_KEY, "base64").length, 32);
        const kwargs = JSON.parse(dyn.inputs.stringData.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS);
        assert.equal(kwargs.endpoint_url, "http://172.18.0.1.nip.io:32000");
        const s3 = JSON.parse(values(run).seaweedfs.config.configMap.data["seaweedfs-s3.json"]);
        assert.deepEqual(s3.identities[0].credentials, [{ accessKey: kwargs.aws_access_key_id, secretKey: kwargs.aws_secret_access_key }]);
        assert.ok(!JSON.stringify(values(run)).includes("console123"), "not the demo's hard-coded S3 key");
    });

    it("gives Dex a bcrypt hash of the generated demo password, never the password, and exports the password as a secret", async () => {
        const run = await dev();
        const v = values(run);
        const [user] = v.dex.config.staticPasswords;
        assert.equal(user.email, "admin@example.com");
        assert.match(user.hash, /^\$2[aby]\$10\$/);
        assert.notEqual(user.hash, "$2a$10$2b2cU8CPhOTaGrs1HRQuAueS7JTT5ZHsHSzYiFPm1leZck7Mc8T4W", "not the demo's hash of \"password\"");
        assert.ok(run.isSecret(release(run), "values.dex.config.staticPasswords[0].hash"));
        const pw = run.output("diracxDemoUserPassword");
        assert.equal(pw.secret, true);
        assert.equal(typeof pw.value, "string");
        // The mock's bcryptHash is derived from the same bytes as the password (a real bcrypt hash is
        // not), so the hash field itself is left out of this search.
        const elsewhere = leaves(v).filter(([p, x]) => p.join(".") !== "dex.config.staticPasswords" && JSON.stringify(x ?? null).includes(pw.value as string));
        assert.deepEqual(elsewhere, []);
        assert.ok(!JSON.stringify(v.dex.config.staticPasswords.map((u: Record<string, unknown>) => ({ ...u, hash: undefined }))).includes(pw.value as string));
    });
});

describe("diracx: telemetry", () => {
    it("is off by default and tells DiracX so", async () => {
        const run = await dev();
        assert.equal(values(run).diracx.settings.DIRACX_OTEL_ENABLED, "false");
        assert.equal(run.find(SECRET, "diracx-grafana-admin"), undefined);
    });

    it("turns on the collector, Prometheus, Jaeger and Grafana wired to this release, with a generated Grafana admin password", async () => {
        const run = await dev(["diracx.telemetry.enabled=true"]);
        const v = values(run);
        for (const k of ["opentelemetry-collector", "jaeger", "prometheus", "grafana"]) assert.equal(v[k].enabled, true, k);
        assert.equal(v.elasticsearch.enabled, false, "the chart's Elasticsearch has the demo password \"elastic\"");
        assert.equal(v.diracx.settings.DIRACX_OTEL_ENABLED, "true");
        assert.equal(v.diracx.settings.DIRACX_OTEL_GRPC_ENDPOINT, "diracx-opentelemetry-collector:4317");
        const otel = v["opentelemetry-collector"];
        assert.equal(otel.config.exporters["otlp/jaeger"].endpoint, "diracx-jaeger-collector:4317");
        assert.equal(otel.config.exporters["elasticsearch/log"], null);
        assert.deepEqual(otel.config.service.pipelines.logs.exporters, ["logging"]);
        assert.equal(otel.ports.promexp.hostPort, null, "Pod Security baseline refuses host ports");
        assert.deepEqual(v.prometheus.serverFiles["prometheus.yml"].scrape_configs[0].static_configs[0].targets, ["diracx-opentelemetry-collector:8889"]);
        assert.deepEqual(
            v.grafana.datasources["datasources.yaml"].datasources.map((d: { url: string }) => d.url),
            ["http://diracx-jaeger-query:16686", "http://diracx-prometheus-server:80"],
        );
        const s = run.one(SECRET, "diracx-grafana-admin");
        assert.deepEqual(v.grafana.admin, { existingSecret: s.inputs.metadata.name, userKey: "admin-user", passwordKey: "admin-password" });
        assert.ok(run.isSecret(s, "stringData"));
        const out = run.output("diracxGrafanaAdminPassword");
        assert.equal(out.secret, true);
        assert.equal(out.value, s.inputs.stringData["admin-password"]);
    });
});

describe("diracx: outputs", () => {
    it("exports the web and API docs URLs, and in dev how to log in", async () => {
        const run = await dev();
        assert.equal(run.output("diracxUrl").value, "https://172.18.0.1.nip.io");
        assert.equal(run.output("diracxApiDocsUrl").value, "https://172.18.0.1.nip.io/api/docs");
        const login = run.output("diracxLogin");
        assert.equal(login.secret, false);
        const l = login.value as { username: string; dexIssuer: string; dexClientId: string; registerOnce: string[] };
        assert.equal(l.username, "admin@example.com");
        assert.equal(l.dexIssuer, "http://172.18.0.1.nip.io:32002");
        assert.equal(l.dexClientId, values(run).dex.config.staticClients[0].id);
        assert.match(l.registerOnce[0], new RegExp(`add-vo .*--idp-client-id=${l.dexClientId}`));
        const userId = values(run).dex.config.staticPasswords[0].userID;
        assert.ok(l.registerOnce[1].includes(`--sub=${dexLocalSubject(userId)}`));
    });

    it("builds Dex's subject for a local user as run_demo.sh does", () => {
        // printf '\n$%s\x12\x05local' 00000000-0000-0000-0000-000000000000 | base64 -w 0
        assert.equal(dexLocalSubject("00000000-0000-0000-0000-000000000000"), "CiQwMDAwMDAwMC0wMDAwLTAwMDAtMDAwMC0wMDAwMDAwMDAwMDASBWxvY2Fs");
    });

    it("has no login output in prod", async () => {
        const run = await prod();
        assert.equal(run.output("diracxUrl").value, "https://diracx.example.org");
        assert.ok(!("diracxLogin" in run.plan.rawOutputs));
        assert.ok(!("diracxDemoUserPassword" in run.plan.rawOutputs));
    });
});

describe("diracx: config errors", () => {
    it("requires a hostname and, outside developer mode, a config repository", async () => {
        const problems = await configProblems({ empty: true, set: ['diracx={"enabled":true}', "ingress.enabled=true", "certManager.enabled=true"] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), ["research-platform:diracx.configBackendUrl", "research-platform:diracx.hostname"]);
        for (const p of problems) assert.match(p, /\. Fix: set diracx\./);
    });

    it("needs the platform's ingress and cert-manager unless an existing class and issuer are named", async () => {
        const problems = await configProblems({ stack: "dev", set: ["diracx.enabled=true", "ingress.enabled=false", "certManager.enabled=false"] });
        assert.equal(problems.length, 2);
        assert.match(problems[0], /^research-platform:diracx\.ingress\.className: DiracX needs an ingress controller.*Fix: set ingress\.enabled to true, or set diracx\.ingress\.className/);
        assert.match(problems[1], /^research-platform:diracx\.ingress\.clusterIssuer: .*Fix: set certManager\.enabled to true/);
        await runProgram({ stack: "dev", set: ["diracx.enabled=true", "diracx.ingress.className=nginx", "diracx.ingress.clusterIssuer=site-ca"] });
    });

    it("refuses an external service without its address, and an address without external mode", async () => {
        const problems = await configProblems({ stack: "dev", set: [...ON, 'diracx.mysql={"mode":"external"}', 'diracx.opensearch={"external":{"host":"os.example.org:9200"}}'], secrets: SENTINEL_SECRETS });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), ["research-platform:diracx.mysql.external", "research-platform:diracx.opensearch.external"]);
    });

    it("rejects a bad host:port, a short timeout, developer mode in prod and a demo user outside developer mode", async () => {
        const problems = await configProblems({
            stack: "prod",
            set: [...ON, "diracx.mysql.external.host=mysql.example.org", "diracx.timeoutSeconds=60", "diracx.developer=true", "diracx.dex.enabled=true", "diracx.dex.demoUser=true"],
            secrets: SENTINEL_SECRETS,
            placeholderSecrets: true,
        });
        const keys = problems.map((p) => p.split(": ")[0]);
        assert.ok(keys.includes("research-platform:diracx.mysql.external.host"), problems.join("\n"));
        assert.ok(keys.includes("research-platform:diracx.timeoutSeconds"), problems.join("\n"));
        const devInProd = await configProblems({ stack: "prod", set: [...ON, "diracx.developer=true"], secrets: SENTINEL_SECRETS, placeholderSecrets: true });
        assert.deepEqual(devInProd.map((p) => p.split(": ")[0]), ["research-platform:diracx.developer"]);
        const demo = await configProblems({ stack: "prod", set: [...ON, "diracx.dex.enabled=true", "diracx.dex.demoUser=true"], secrets: SENTINEL_SECRETS, placeholderSecrets: true });
        assert.deepEqual(demo.map((p) => p.split(": ")[0]), ["research-platform:diracx.dex.demoUser"]);
    });

    it("rejects a duplicate or malformed database name", async () => {
        const problems = await configProblems({ stack: "dev", set: [...ON, 'diracx.sqlDbs=["JobDB","jobdb"]', 'diracx.osDbs=["Job-Params"]'] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), ["research-platform:diracx.osDbs[0]", "research-platform:diracx.sqlDbs"]);
    });
});

describe("diracx: stack files", () => {
    it("validates and renders the committed dev and prod blocks once enabled with the platform's ingress and cert-manager", async () => {
        const d = await dev();
        assert.equal(values(d).developer.enabled, true);
        const p = await prod();
        assert.equal(values(p).mysql.enabled, false);
    });
});

// ---------------------------------------------------------------------------------------------
// Every values key must exist in the pinned chart's reference values.yaml.

const REFERENCE_DIR = process.env.CHART_REFERENCE_DIR ?? path.resolve(PROJECT_DIR, "..", "shared", "reference", "charts");

/** The guardrails' check of leaf keys against values.yaml, with its short allow-list of free-form maps and subchart keys. */
const unknownKeys = (v: unknown, reference: unknown): string[] => unknownPaths("diracx", reference, v);

describe("diracx: values exist in the pinned chart", function () {
    const file = path.join(REFERENCE_DIR, referenceFolder(charts.diracx), "values.yaml");
    before(function () {
        if (!fs.existsSync(file)) {
            console.log(`    (skipped: ${file} not found; set CHART_REFERENCE_DIR to the folder holding ${referenceFolder(charts.diracx)}/)`);
            this.skip();
        }
    });

    const cases: [string, () => Promise<Run>][] = [
        ["dev", () => dev()],
        ["dev with RabbitMQ and telemetry", () => dev(["diracx.rabbitmq.enabled=true", "diracx.telemetry.enabled=true", "diracx.imageTag=v0.3.0"])],
        ["prod with external services", () => prod()],
    ];
    for (const [label, runIt] of cases) {
        it(`sets only keys of values.yaml (${label})`, async () => {
            const reference = parseYaml(fs.readFileSync(file, "utf8"));
            assert.deepEqual(unknownKeys(values(await runIt()), reference), []);
        });
    }

    it("catches a key the chart does not have", () => {
        const reference = parseYaml(fs.readFileSync(file, "utf8"));
        assert.deepEqual(unknownKeys({ ingress: { enabled: true, clasName: "x" }, mysql: { auth: { existingSecret: "s" } } }, reference), ["ingress.clasName"]);
    });

    it("covers the handle-driven keys too", async () => {
        const reference = parseYaml(fs.readFileSync(file, "utf8"));
        const v = { global: { storageClassName: "local-path" }, seaweedfs: { persistence: { storageClass: "local-path" } }, mysql: { primary: { persistence: { storageClass: "x" } } } };
        assert.deepEqual(unknownKeys(v, reference), []);
    });
});
