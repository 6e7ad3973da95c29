/**
 * Helm rendering in the offline plan (docs/helm-rendering.md): which Helm, which chart sources,
 * what a release renders to, secrets, failures as findings, the cache, determinism.
 *
 * Tests that run Helm need a Helm 3 (HELM_BIN, the cache of scripts/install-helm.sh, or PATH)
 * and the chart sources (CHART_SOURCE_DIR, default ../shared/reference/chart-src); without them
 * they are skipped, saying why. None needs the network.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { load } from "js-yaml";
import { runChecks } from "../tools/guardrails";
import { chartRenderFindings, valuesNamed } from "../tools/guardrails/chartRender";
import { HELM_VERSION, cachedHelmPath, findHelm } from "../tools/plan-engine/helmBinary";
import { RANDOM_AT_RENDER } from "../tools/plan-engine/chartNormalize";
import { chartObjects, helmError, helmWarnings, parseRendered, renderCharts, secretToken } from "../tools/plan-engine/helmRender";
import { planPods } from "../tools/guardrails/scheduling";
import { renderPlan } from "../tools/plan-engine/render";
import type { Plan } from "../tools/plan-engine/types";
import { PROJECT_DIR, runProgram } from "./harness";
import { helm, needsHelm, sources } from "./helmUtil";

function tmpDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An executable that answers `helm version --template ...` with `version`. */
function fakeHelm(dir: string, version: string): string {
    const file = path.join(dir, "helm");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
    return file;
}

/** The dev plan, run once for the tests that only read it. */
let devPlan: Promise<Plan> | undefined;
function dev(): Promise<Plan> {
    devPlan ??= runProgram({ stack: "dev" }).then(async (run) => {
        await renderCharts(run.plan, { projectDir: PROJECT_DIR, pull: false });
        return run.plan;
    });
    return devPlan;
}

describe("helm: which Helm", () => {
    it("pins the same version in scripts/install-helm.sh and the plan", () => {
        const script = fs.readFileSync(path.join(PROJECT_DIR, "scripts", "install-helm.sh"), "utf8");
        assert.match(script, new RegExp(`^HELM_VERSION="${HELM_VERSION.replace(/\./g, "\\.")}"$`, "m"));
        assert.match(HELM_VERSION, /^v3\.\d+\.\d+$/);
    });

    it("takes HELM_BIN, else the cached pinned Helm, else helm on PATH", () => {
        const root = tmpDir("helm-find-");
        const env = { HOME: root, RESEARCH_PLATFORM_CACHE: path.join(root, "cache"), PATH: path.join(root, "path") };
        const onPath = fakeHelm(path.join(root, "path"), "v3.19.0");
        assert.deepEqual(findHelm(env), { path: onPath, version: "v3.19.0", from: "PATH" });
        const cached = fakeHelm(path.dirname(cachedHelmPath(env)), HELM_VERSION);
        assert.deepEqual(findHelm(env), { path: cached, version: HELM_VERSION, from: "cache" });
        const given = fakeHelm(path.join(root, "given"), "v3.21.4");
        assert.deepEqual(findHelm({ ...env, HELM_BIN: given }), { path: given, version: "v3.21.4", from: "HELM_BIN" });
        fs.rmSync(root, { recursive: true, force: true });
    });

    it("says why there is none, and refuses a HELM_BIN that is not a Helm 3", () => {
        const root = tmpDir("helm-none-");
        const env = { HOME: root, RESEARCH_PLATFORM_CACHE: path.join(root, "cache"), PATH: path.join(root, "empty") };
        const none = findHelm(env);
        assert.ok("missing" in none);
        assert.match(none.missing, /no Helm found .*bash scripts\/install-helm\.sh/);
        const bad = findHelm({ ...env, HELM_BIN: path.join(root, "nothing-here") });
        assert.ok("missing" in bad && /HELM_BIN=.* is not an executable file/.test(bad.missing));
        const v4 = findHelm({ ...env, HELM_BIN: fakeHelm(path.join(root, "v4"), "v4.3.2") });
        assert.ok("missing" in v4 && /Helm v4\.3\.2; the plan renders with Helm 3/.test(v4.missing));
        fs.rmSync(root, { recursive: true, force: true });
    });
});

describe("helm: without Helm or chart sources", () => {
    // Made when the tests run, in the file's temporary folder (tests/globalSetup.ts), not when the file loads.
    let root = "";
    let noHelm: Record<string, string> = {};
    before(() => {
        root = tmpDir("helm-absent-");
        noHelm = { HOME: root, RESEARCH_PLATFORM_CACHE: path.join(root, "cache"), PATH: path.join(root, "empty") };
    });

    it("says so once, as advisory, in a clone with neither (and marks every release unrendered)", async () => {
        const run = await runProgram({ stack: "dev" });
        const c = await renderCharts(run.plan, { projectDir: PROJECT_DIR, env: { ...noHelm, CHART_SOURCE_DIR: path.join(root, "no-sources") }, cacheDir: path.join(root, "c") });
        assert.equal(c.expected, false);
        assert.ok(c.releases.length >= 7);
        assert.ok(c.releases.every((r) => r.status === "unrendered" && r.objects.length === 0));
        const findings = chartRenderFindings(run.plan);
        assert.equal(findings.length, 1, "one finding for all releases");
        assert.equal(findings[0].level, "advisory");
        assert.match(findings[0].message, /7 Helm releases not rendered \(.*jupyterhub\/jupyterhub.*\): no Helm found/);
        assert.match(renderPlan(run.plan).get("summary.md")!, /## Helm releases[\s\S]*Not rendered: no Helm found/);
    });

    it("is a mandatory (--strict) finding where rendering was expected: chart sources here, no Helm", async function () {
        if (!sources.exists) return this.skip();
        const run = await runProgram({ stack: "dev" });
        await renderCharts(run.plan, { projectDir: PROJECT_DIR, env: { ...noHelm, CHART_SOURCE_DIR: sources.dir }, cacheDir: path.join(root, "c") });
        const findings = chartRenderFindings(run.plan);
        assert.deepEqual(findings.map((f) => [f.level, f.rule]), [["mandatory", "helm-render"]]);
    });

    it("reports a release whose chart has no source and may not be pulled, naming where it looked", async function () {
        if ("missing" in helm) return this.skip();
        const run = await runProgram({ stack: "dev" });
        const c = await renderCharts(run.plan, { projectDir: PROJECT_DIR, env: { ...process.env, CHART_SOURCE_DIR: path.join(root, "empty-sources") }, pull: false, cacheDir: path.join(root, "c") });
        fs.mkdirSync(path.join(root, "empty-sources"), { recursive: true });
        assert.ok(c.releases.every((r) => r.status === "unrendered" && /no chart sources at .*empty-sources.*pulling is off \(PLAN_CHART_PULL=0\)/.test(r.reason ?? "")), c.releases[0].reason);
        const [f] = chartRenderFindings(run.plan);
        assert.equal(f.level, "mandatory");
    });
});

describe("helm: rendering the dev plan", function () {
    this.timeout(120_000);

    it("counts each rendered chart pod once in the scheduling check (the Deployment, not again as a policy resource)", async function () {
        needsHelm(this);
        const owners = planPods(await dev()).map((d) => d.owner);
        for (const owner of ["Deployment cert-manager/cert-manager-webhook", "Deployment traefik/traefik", "Job cert-manager/cert-manager-startupapicheck"]) {
            assert.equal(owners.filter((o) => o === owner).length, 1, `${owner} in ${owners.join(", ")}`);
        }
        assert.equal(new Set(owners).size, owners.length, "no workload is counted twice");
    });

    it("renders every release into helm/<namespace>-<release>/, counted in summary.md", async function () {
        needsHelm(this);
        const plan = await dev();
        const c = plan.charts!;
        assert.deepEqual(
            c.releases.map((r) => [r.key, r.status]),
            c.releases.map((r) => [r.key, "rendered"]),
            c.releases.map((r) => `${r.key}: ${r.reason ?? ""}`).join("\n"),
        );
        const kindVersion = /kindest\/node:v(\d+\.\d+\.\d+)/.exec(fs.readFileSync(path.join(PROJECT_DIR, "kind", "cluster.yaml"), "utf8"))![1];
        assert.equal(c.kubeVersion, kindVersion, "the kind cluster's node image (kind/cluster.yaml)");
        assert.ok(c.apiVersions.includes("cert-manager.io/v1") && c.apiVersions.includes("metallb.io/v1beta1") && c.apiVersions.includes("apps.kruise.io/v1alpha1"), c.apiVersions.join(" "));
        const files = renderPlan(plan);
        const hub = files.get("helm/jupyterhub-jupyterhub/jupyterhub/Deployment-hub.yaml");
        assert.ok(hub, "the hub Deployment");
        assert.match(hub, /^# Source: jupyterhub\/templates\/hub\/deployment\.yaml$/m);
        assert.ok(files.has("helm/kruise-system-kruise/_cluster/Namespace-kruise-daemon-config.yaml"), "cluster-scoped objects under _cluster/");
        assert.ok(files.has("helm/cert-manager-cert-manager/_cluster/CustomResourceDefinition-certificates.cert-manager.io.yaml"), "the cert-manager component's release too, with its CRDs");
        // A namespaced object the chart writes without a namespace gets the release's, as Helm applies it.
        assert.equal(chartObjects(plan).find((o) => o.path.endsWith("jupyterhub/Deployment-hub.yaml"))!.object.metadata?.namespace, "jupyterhub");
        const summary = files.get("summary.md")!;
        for (const r of c.releases) assert.match(summary, new RegExp(`\\| ${r.key} \\| ${r.record.chart} ${r.record.version.replace(/\./g, "\\.")} \\| rendered \\| ${r.objects.length} \\|`));
    });

    it("marks hooks: under hooks/ with their helm.sh/hook annotation kept", async function () {
        needsHelm(this);
        const plan = await dev();
        const hooks = chartObjects(plan).filter((o) => o.hook);
        assert.ok(hooks.length > 0);
        for (const o of hooks) {
            assert.match(o.path, /^helm\/[^/]+\/hooks\//, o.path);
            assert.match(o.text, /^# Helm hook \(helm\.sh\/hook: /, o.path);
            assert.ok(o.object.metadata?.annotations?.["helm.sh/hook"], o.path);
        }
        assert.ok(chartObjects(plan).filter((o) => !o.hook).every((o) => !o.path.includes("/hooks/")));
        assert.ok(hooks.some((o) => o.path === "helm/jupyterhub-jupyterhub/hooks/jupyterhub/Job-hook-image-awaiter.yaml"));
    });

    it("renders the values the program passes as secrets with placeholders, and writes them as [secret]", async function () {
        needsHelm(this);
        const plan = await dev();
        const diracx = plan.charts!.releases.find((r) => r.record.chart === "diracx")!;
        assert.ok(diracx.secretPaths.length > 0, "the DiracX release gets secret values (dex password hash, S3 config)");
        const files = renderPlan(plan);
        const texts = [...files.entries()].filter(([p]) => p.startsWith("helm/"));
        for (const p of diracx.secretPaths) for (const [file, text] of texts) assert.ok(!text.includes(secretToken(p)), `placeholder of ${p} in ${file}`);
        // Every chart Secret's data is written as [secret].
        const secrets = chartObjects(plan).filter((x) => x.object.kind === "Secret");
        assert.ok(secrets.length > 0);
        for (const o of secrets) {
            assert.match(o.text, /^# Secret data written as "\[secret\]"$/m, o.path);
            const shown = load(o.text) as { data?: Record<string, string>; stringData?: Record<string, string> };
            for (const v of [...Object.values(shown.data ?? {}), ...Object.values(shown.stringData ?? {})]) assert.equal(v, "[secret]", o.path);
        }
        // And the secret scan finds no secret value anywhere.
        assert.deepEqual(runChecks(plan).findings.filter((f) => f.rule === "secret-leak"), []);
    });

    it("answers a re-plan with unchanged values from the cache, with the same objects", async function () {
        needsHelm(this);
        const plan = await dev();
        const again = (await runProgram({ stack: "dev" })).plan;
        const c = await renderCharts(again, { projectDir: PROJECT_DIR, pull: false });
        assert.ok(c.releases.every((r) => r.cached), c.releases.filter((r) => !r.cached).map((r) => r.key).join(", "));
        assert.deepEqual(chartObjects(again).map((o) => [o.path, o.text]), chartObjects(plan).map((o) => [o.path, o.text]));
    });

    it("gives the same objects on a cold cache: every value Helm generates at random is replaced", async function () {
        needsHelm(this);
        const plan = await dev();
        const cold = (await runProgram({ stack: "dev" })).plan;
        const dir = tmpDir("helm-cold-");
        const c = await renderCharts(cold, { projectDir: PROJECT_DIR, pull: false, cacheDir: dir });
        fs.rmSync(dir, { recursive: true, force: true });
        assert.ok(c.releases.every((r) => !r.cached));
        const texts = new Map(chartObjects(plan).map((o) => [o.path, o.text]));
        for (const o of chartObjects(cold)) assert.equal(o.text, texts.get(o.path), `${o.path} differs between two renders: a random value not in chartNormalize.ts`);
        assert.equal(chartObjects(cold).length, texts.size);
        assert.ok(chartObjects(plan).some((o) => o.text.includes(RANDOM_AT_RENDER)));
    });
});

/* eslint-disable @typescript-eslint/no-explicit-any */
describe("helm: a value Helm refuses", function () {
    this.timeout(120_000);

    /** The dev plan with one release's values changed (in the registration and the redacted inputs alike). */
    async function withValues(chart: string, change: (values: Record<string, any>) => void): Promise<Plan> {
        const run = await runProgram({ stack: "dev" });
        // The harness shares (and freezes) each plan's data among tests: change a copy of it.
        const plan: Plan = { ...run.plan, resources: structuredClone(run.plan.resources), registrations: structuredClone(run.plan.registrations) };
        const r = plan.resources.find((x) => x.type === "kubernetes:helm.sh/v3:Release" && (x.inputs as any).chart === chart)!;
        change((r.inputs as any).values);
        change((plan.registrations.find((x) => x.urn === r.urn)!.wireInputs as any).values);
        await renderCharts(plan, { projectDir: PROJECT_DIR, pull: false });
        return plan;
    }

    it("a wrong type for a JupyterHub key fails rendering with a mandatory finding naming the release and the value", async function () {
        needsHelm(this);
        const plan = await withValues("jupyterhub", (v) => (v.singleuser.storage.capacity = ["10Gi"]));
        const hub = plan.charts!.releases.find((r) => r.record.chart === "jupyterhub")!;
        assert.equal(hub.status, "failed");
        assert.equal(hub.objects.length, 0);
        const findings = runChecks(plan).findings.filter((f) => f.rule === "helm-render");
        assert.equal(findings.length, 1);
        assert.equal(findings[0].level, "mandatory");
        assert.equal(findings[0].subject, "helm/jupyterhub-jupyterhub.yaml");
        assert.match(findings[0].message, /Helm refused to render release jupyterhub\/jupyterhub \(chart jupyterhub 3\.1\.0\); the value `singleuser\.storage\.capacity`: .*got array, want null or string/);
    });

    it("a value the chart cannot iterate fails with the template's error", async function () {
        needsHelm(this);
        const plan = await withValues("metrics-server", (v) => (v.args = "--kubelet-insecure-tls"));
        const [f] = chartRenderFindings(plan);
        assert.match(f.message, /release metrics-server\/metrics-server .*the value `args`: template: metrics-server\/templates\/deployment\.yaml:\d+:\d+: .*range can't iterate over/);
    });

    it("a value Helm drops (a string where the chart has a map) is a finding too, though rendering succeeds", async function () {
        needsHelm(this);
        const plan = await withValues("kruise", (v) => (v.manager = { ...v.manager, resources: "large" }));
        const kruise = plan.charts!.releases.find((r) => r.record.chart === "kruise")!;
        assert.equal(kruise.status, "rendered");
        const findings = chartRenderFindings(plan);
        assert.equal(findings.length, 1);
        assert.match(findings[0].message, /Helm ignores the value `manager\.resources` of release kruise-system\/kruise: cannot overwrite table with non table/);
    });

    it("a secret value the chart checks still renders: placeholders have the secret's shape", async function () {
        needsHelm(this);
        // DiracX's S3 config is a JSON document passed as a secret: its placeholder is JSON too.
        const plan = await dev();
        const diracx = plan.charts!.releases.find((r) => r.record.chart === "diracx")!;
        assert.equal(diracx.status, "rendered");
        assert.ok(diracx.secretPaths.some((p) => p.startsWith("seaweedfs.")), diracx.secretPaths.join(", "));
    });
});

describe("helm: what rendering found in the platform's own values", function () {
    this.timeout(120_000);

    it("prod's DiracX with an external MySQL renders: the chart's init script needs the password keys set (to anything)", async function () {
        needsHelm(this);
        const run = await runProgram({ stack: "prod", placeholderSecrets: true });
        await renderCharts(run.plan, { projectDir: PROJECT_DIR, pull: false });
        const diracx = run.plan.charts!.releases.find((r) => r.record.chart === "diracx")!;
        assert.equal(diracx.status, "rendered", diracx.reason);
        assert.deepEqual(chartRenderFindings(run.plan), []);
    });

    it("the bundled MySQL's StatefulSet names its podManagementPolicy (the subchart's default \"\" fails the schema)", async function () {
        needsHelm(this);
        const plan = await dev();
        const mysql = chartObjects(plan).find((o) => o.path.endsWith("/StatefulSet-diracx-mysql.yaml"))!;
        assert.equal((mysql.object as { spec: { podManagementPolicy: string } }).spec.podManagementPolicy, "OrderedReady");
        assert.deepEqual(runChecks(plan).findings.filter((f) => f.rule === "manifest-schema" && f.subject === mysql.path), []);
    });
});

describe("helm: reading Helm's messages", () => {
    it("names the values in schema, template and fail/required errors", () => {
        assert.deepEqual(valuesNamed("values don't meet the specifications of the schema(s) in the following chart(s):\njupyterhub:\n- at '/hub/networkPolicy/egress': got string, want array"), ["hub.networkPolicy.egress"]);
        assert.deepEqual(valuesNamed('template: x/templates/d.yaml:78:27: executing "x/templates/d.yaml" at <.Values.args>: range can\'t iterate over --foo'), ["args"]);
        assert.deepEqual(valuesNamed("execution error at (diracx/templates/x.yaml:3:4): .Values.diracx.hostname is required"), ["diracx.hostname"]);
    });

    it("separates Helm's warnings from its error", () => {
        const stderr = "coalesce.go:316: warning: cannot overwrite table with non table for kruise.manager.resources (map[])Error: template: boom\n\nUse --debug flag to render out invalid YAML\n";
        assert.deepEqual(helmWarnings(stderr), ["cannot overwrite table with non table for kruise.manager.resources (map[])"]);
        assert.equal(helmError(stderr), "template: boom");
    });

    it("reads Helm's output as Kubernetes does: a plain date stays a string, merge keys merge", () => {
        const stdout = "---\n# Source: x/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  labels: &l {app: x}\n  annotations:\n    <<: *l\n    built: 2024-12-23\n";
        const [o] = parseRendered(stdout, "x", []);
        assert.deepEqual(o.object.metadata, { name: "a", labels: { app: "x" }, annotations: { app: "x", built: "2024-12-23" } });
    });
});
