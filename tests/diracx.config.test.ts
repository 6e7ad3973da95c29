/** diracx: secrets, telemetry, outputs, config errors, the stack files and the values against the pinned chart (the objects and the rest are in diracx.test.ts). */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { dexLocalSubject } from "../components/apps/diracx";
import { charts, referenceFolder } from "../components/charts";
import { unknownPaths } from "../tools/guardrails/validateHelmValues";
import { Run, configProblems, runProgram } from "./harness";
import { chartFile, needsReference } from "./referenceData";
import { SECRET, ON, SENTINEL_SECRETS, UNAVOIDABLE_SECRET_VALUE_PATHS, dev, prod, release, values, leaves, secretAtoms, leakedPaths } from "./diracxUtil";

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
        assert.equal(kwargs.endpoint_url, "http://diracx.127.0.0.1.nip.io:32000");
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
        assert.equal(run.output("diracxUrl").value, "https://diracx.127.0.0.1.nip.io:30443");
        assert.equal(run.output("diracxApiDocsUrl").value, "https://diracx.127.0.0.1.nip.io:30443/api/docs");
        const login = run.output("diracxLogin");
        assert.equal(login.secret, false);
        const l = login.value as { username: string; dexIssuer: string; dexClientId: string; registerOnce: string[] };
        assert.equal(l.username, "admin@example.com");
        assert.equal(l.dexIssuer, "http://diracx.127.0.0.1.nip.io:32002");
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


/** The guardrails' check of leaf keys against values.yaml, with its short allow-list of free-form maps and subchart keys. */
const unknownKeys = (v: unknown, reference: unknown): string[] => unknownPaths("diracx", reference, v);

describe("diracx: values exist in the pinned chart", function () {
    const file = chartFile(referenceFolder(charts.diracx), "values.yaml");
    before(function () {
        needsReference(this, file);
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

    it("knows the keys the platform's handles set too (the bundled charts' storage classes)", async () => {
        const reference = parseYaml(fs.readFileSync(file, "utf8"));
        const v = { global: { storageClassName: "local-path" }, seaweedfs: { persistence: { storageClass: "local-path" } }, mysql: { primary: { persistence: { storageClass: "x" } } } };
        assert.deepEqual(unknownKeys(v, reference), []);
    });
});
