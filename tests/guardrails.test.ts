import { EVERY_COMPONENT_ON } from "../tools/plan-engine/everything";
import * as assert from "node:assert/strict";
import * as path from "node:path";
import { secretSpecs } from "../config";
import { charts, referenceFolder } from "../components/charts";
import { planChecks, runChecks } from "../tools/guardrails";
import type { OffThreadCall, Plan, PlanResource } from "../tools/plan-engine/types";
import { policyFindings } from "../tools/guardrails/policyCheck";
import { referenceDirs } from "../tools/guardrails/reference";
import { helmValuesFindings } from "../tools/guardrails/helmValuesCheck";
import { chartFolder, mergeValues, unknownPaths, validateHelmValues } from "../tools/guardrails/validateHelmValues";
import { manifestFindings, validateManifest } from "../tools/guardrails/validateManifests";
import { findHelm } from "../tools/plan-engine/helmBinary";
import { chartSourceDir } from "../tools/plan-engine/chartSources";
import { renderCharts } from "../tools/plan-engine/helmRender";
import { PROJECT_DIR, runProgram } from "./harness";
import { needsReference } from "./referenceData";
import { deployment, goodContainer, goodPodSpec } from "./policyUtil";

const dirs = referenceDirs();
const missing = referenceDirs({ CHART_REFERENCE_DIR: path.join(__dirname, "no-such-reference-folder") });


/** A hand-built plan: just enough for the checks (registrations in wire form = plain values). */
function planOf(stack: string, resources: Partial<PlanResource>[]): Plan {
    const full: PlanResource[] = resources.map((r, i) => ({
        urn: r.urn ?? `urn:pulumi:${stack}::research-platform::${r.type}::${r.name ?? `r${i}`}`,
        type: r.type ?? "kubernetes:core/v1:ConfigMap",
        name: r.name ?? `r${i}`,
        parent: null,
        dependsOn: [],
        provider: null,
        custom: r.custom ?? true,
        protect: r.protect ?? false,
        retainOnDelete: r.retainOnDelete ?? false,
        inputs: r.inputs ?? {},
    }));
    return {
        project: "research-platform",
        stack,
        resources: full,
        outputs: {},
        registrations: full.map((r) => ({ ...r, wireInputs: r.inputs })),
        rawOutputs: {},
    };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const goodDeployment: Record<string, any> = { apiVersion: "apps/v1", kind: "Deployment", ...deployment("web", "apps") };

describe("guardrails: manifest validation", () => {
    it("accepts a valid Deployment against the Kubernetes schema", () => {
        assert.deepEqual(validateManifest(goodDeployment, dirs), { status: "valid" });
    });

    it("rejects a deliberately broken manifest, naming the fields", () => {
        const broken = { ...goodDeployment, spec: { ...goodDeployment.spec, replicas: "three", template: { spec: { containers: [{ image: "x:1" }] } } } };
        const res = validateManifest(broken, dirs);
        assert.equal(res.status, "invalid");
        const errors = res.status === "invalid" ? res.errors.join("\n") : "";
        assert.match(errors, /\/spec\/replicas must be integer/);
        assert.match(errors, /\/spec\/template\/spec\/containers\/0 must have required property name/);
    });

    it("rejects an object without apiVersion or kind", () => {
        assert.equal(validateManifest({ metadata: { name: "x" } }, dirs).status, "invalid");
    });

    it("validates an OpenKruise CloneSet against its CRD, unknown fields included", function () {
        needsReference(this);
        const cloneSet = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", metadata: { name: "k", namespace: "apps" }, spec: { replicas: 1, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: goodPodSpec() } } };
        assert.deepEqual(validateManifest(cloneSet, dirs), { status: "valid" });
        const res = validateManifest({ ...cloneSet, spec: { ...cloneSet.spec, replicas: "1", scaleStrategyy: {} } }, dirs);
        assert.equal(res.status, "invalid");
        const errors = res.status === "invalid" ? res.errors.join("\n") : "";
        assert.match(errors, /\/spec\/replicas must be integer/);
        assert.match(errors, /must NOT have additional properties: scaleStrategyy/);
    });

    it("reads the CloneSet CRD as Kubernetes does, quoted descriptions continued at their key's indentation included", function () {
        needsReference(this);
        // OpenKruise 1.5.2's CRD continues 12 single-quoted descriptions on lines as deep as their key (go-yaml accepts it):
        // read strictly, those descriptions swallowed the `type` after them, and a hook's markPodNotReady took any value.
        const cloneSet = { apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", metadata: { name: "k", namespace: "apps" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: goodPodSpec() } } };
        const hook = (markPodNotReady: unknown) => validateManifest({ ...cloneSet, spec: { ...cloneSet.spec, lifecycle: { preDelete: { markPodNotReady } } } }, dirs);
        assert.deepEqual(hook(true), { status: "valid" });
        assert.deepEqual(hook("yes"), { status: "invalid", errors: ["/spec/lifecycle/preDelete/markPodNotReady must be boolean (CRD charts/kruise-1.5.2/crds/apps.kruise.io_clonesets.yaml)"] });
    });

    it("reports a custom resource whose CRD is not in the reference folder instead of skipping it silently", () => {
        const res = validateManifest({ apiVersion: "widgets.example.org/v1", kind: "Widget", metadata: { name: "x" }, spec: {} }, dirs);
        assert.equal(res.status, "no-schema");
    });

    it("says clearly that CRD checks are skipped when the reference folder is absent", () => {
        const res = validateManifest({ apiVersion: "apps.kruise.io/v1alpha1", kind: "CloneSet", metadata: { name: "k" } }, missing);
        assert.equal(missing.exists, false);
        assert.equal(res.status, "no-schema");
        assert.match(res.status === "no-schema" ? res.reason : "", /reference folder .*no-such-reference-folder.* not found \(set CHART_REFERENCE_DIR\).*skipped/);
    });

    it("turns a broken manifest in a plan into a mandatory finding on its file", () => {
        const plan = planOf("dev", [{ type: "kubernetes:apps/v1:Deployment", name: "web", inputs: { ...goodDeployment, spec: { selector: {} } } }]);
        const findings = manifestFindings(plan, dirs);
        assert.equal(findings.length, 1);
        assert.equal(findings[0].level, "mandatory");
        assert.equal(findings[0].subject, "manifests/apps/Deployment-web.yaml");
        assert.match(findings[0].message, /must have required property template/);
    });
});

describe("guardrails: Helm values validation", () => {
    it("merges values over chart defaults as Helm does", () => {
        assert.deepEqual(mergeValues({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: 3, c: null }, d: [2], e: 1 }), { a: { b: 3 }, d: [2], e: 1 });
    });

    it("has reference data for every pinned chart", function () {
        needsReference(this);
        for (const ref of Object.values(charts)) assert.ok(chartFolder(ref.chart, ref.version, dirs), `no reference folder ${referenceFolder(ref)} under ${dirs.charts}`);
    });

    it("validates against the chart's schema: JupyterHub rejects an unknown key", function () {
        needsReference(this);
        const { version } = charts.jupyterhub;
        assert.deepEqual(validateHelmValues({ chart: "jupyterhub", version, values: { hub: { config: { JupyterHub: { admin_access: false } } }, cull: { timeout: 3600 } } }, dirs), { status: "valid" });
        const res = validateHelmValues({ chart: "jupyterhub", version, values: { hub: { extraEnvv: {} } } }, dirs);
        assert.equal(res.status, "invalid");
        assert.match(res.status === "invalid" ? res.errors.join("\n") : "", /\/hub must NOT have additional properties: extraEnvv/);
    });

    it("validates against the chart's schema: cert-manager and Traefik reject unknown keys, MetalLB a wrong type", function () {
        needsReference(this);
        assert.equal(validateHelmValues({ chart: "cert-manager", version: charts.certManager.version, values: { crds: { enabled: true } } }, dirs).status, "valid");
        assert.equal(validateHelmValues({ chart: "cert-manager", version: charts.certManager.version, values: { installCRDz: true } }, dirs).status, "invalid");
        assert.equal(validateHelmValues({ chart: "traefik", version: charts.traefik.version, values: { ports: { web: { bogus: 1 } } } }, dirs).status, "invalid");
        assert.equal(validateHelmValues({ chart: "metallb", version: charts.metallb.version, values: { speaker: { tolerateMaster: "yes" } } }, dirs).status, "invalid");
        assert.equal(validateHelmValues({ chart: "metallb", version: charts.metallb.version, values: { speaker: { tolerateMaster: false } } }, dirs).status, "valid");
    });

    it("without a schema, every leaf key must exist in values.yaml (kruise)", function () {
        needsReference(this);
        const { version } = charts.kruise;
        assert.deepEqual(validateHelmValues({ chart: "kruise", version, values: { manager: { replicas: 1, resources: { limits: { cpu: "1" } } }, featureGates: "KruiseDaemon=false" } }, dirs), { status: "valid" });
        const res = validateHelmValues({ chart: "kruise", version, values: { manager: { replicaz: 1 } } }, dirs);
        assert.deepEqual(res, { status: "invalid", errors: ["manager.replicaz is not a key of the chart's values.yaml"] });
    });

    it("accepts keys below free-form maps and lists, not below other maps", () => {
        const reference = { podAnnotations: {}, hub: { config: {} }, args: [], image: { tag: "1" }, extra: {} };
        assert.deepEqual(unknownPaths("x", reference, { podAnnotations: { a: "b" }, args: [{ x: 1 }], image: { tag: "2" } }), []);
        assert.deepEqual(unknownPaths("jupyterhub", reference, { hub: { config: { JupyterHub: { x: 1 } } } }), []);
        assert.equal(unknownPaths("x", reference, { hub: { config: { a: 1 } } }).length, 1); // hub.config is free-form for jupyterhub only
        assert.deepEqual(unknownPaths("x", reference, { image: { tag: { nested: 1 } } }), ["image.tag.nested"]);
        assert.match(unknownPaths("x", reference, { extra: { a: 1 } })[0], /an empty map in values.yaml: add "x:extra" to FREE_FORM/);
    });

    it("reports a chart version without reference data, and a missing reference folder", () => {
        const res = validateHelmValues({ chart: "kruise", version: "0.0.0-none", values: {} }, dirs);
        assert.equal(res.status, "no-reference");
        const skipped = validateHelmValues({ chart: "kruise", version: "1.5.2", values: {} }, missing);
        assert.equal(skipped.status, "no-reference");
        assert.match(skipped.status === "no-reference" ? skipped.reason : "", /not found \(set CHART_REFERENCE_DIR\): values check of kruise 1.5.2 skipped/);
    });

    it("turns an unknown Helm value key in a plan into a mandatory finding on its release", function () {
        needsReference(this);
        const release = { name: "kruise", namespace: "kruise-system", chart: "kruise", version: charts.kruise.version, repositoryOpts: { repo: charts.kruise.repo }, values: { manager: { replicaz: 1 } } };
        const findings = helmValuesFindings(planOf("dev", [{ type: "kubernetes:helm.sh/v3:Release", name: "kruise", inputs: release }]), dirs);
        assert.deepEqual(findings.map((f) => [f.level, f.rule, f.subject]), [["mandatory", "helm-values", "helm/kruise-system-kruise.yaml"]]);
    });

    it("finds the same with the validating done on the plan's worker thread, or here when the worker cannot", async function () {
        needsReference(this);
        const release = (name: string, key: keyof typeof charts, values: object) => ({ type: "kubernetes:helm.sh/v3:Release", name, inputs: { name, namespace: `${name}-system`, chart: charts[key].chart, version: charts[key].version, repositoryOpts: { repo: charts[key].repo }, values } });
        const plan = planOf("dev", [release("kruise", "kruise", { manager: { replicaz: 1 } }), release("metallb", "metallb", { speaker: { frr: { enabled: "no" } } }), release("metrics-server", "metricsServer", { args: ["--kubelet-insecure-tls"] })]);
        const here = helmValuesFindings(plan, dirs);
        assert.deepEqual(here.map((f) => f.subject), ["helm/kruise-system-kruise.yaml", "helm/metallb-system-metallb.yaml"]);
        // The compiled check, as the offline plan runs it: the worker loads only compiled modules.
        const bin = path.join(PROJECT_DIR, "bin", "tools");
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const compiled = (require(path.join(bin, "guardrails", "helmValuesCheck.js")) as typeof import("../tools/guardrails/helmValuesCheck")).helmValuesCheck;
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const worker = (require(path.join(bin, "plan-engine", "planWorker.js")) as typeof import("../tools/plan-engine/planWorker")).startPlanWorker();
        try {
            const answered: string[] = [];
            const call: OffThreadCall = async (file, fn, args) => {
                const result = await worker.call(file, fn, args);
                answered.push(fn);
                return result as never;
            };
            assert.deepEqual(await compiled.runOffThread!(plan, call), here);
            assert.deepEqual(answered, ["validateReleases"], "the worker did the validating");
            assert.deepEqual(await compiled.runOffThread!(plan, () => Promise.reject(new Error("no worker"))), here);
        } finally {
            worker.close();
        }
    });
});

describe("guardrails: the plan runs the policy rules", () => {
    it("reports a privileged container in a restricted namespace as a mandatory finding", () => {
        const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps", labels: { "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/audit": "restricted" } } };
        const spec = goodPodSpec({ containers: [goodContainer({ securityContext: { privileged: true } })] });
        const plan = planOf("dev", [
            { type: "kubernetes:core/v1:Namespace", name: "apps", inputs: ns },
            { type: "kubernetes:apps/v1:Deployment", name: "web", inputs: { apiVersion: "apps/v1", kind: "Deployment", ...deployment("web", "apps", spec) } },
        ]);
        const findings = policyFindings(plan).filter((f) => f.rule === "pod-security");
        assert.equal(findings.length, 1);
        assert.equal(findings[0].level, "mandatory");
        assert.match(findings[0].message, /container "app": privileged/);
    });

    it("uses the plan's retainOnDelete (which CrossGuard cannot see) in prod", () => {
        const pvc = { apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "data", namespace: "db" }, spec: {} };
        const findings = policyFindings(planOf("prod", [{ type: "kubernetes:core/v1:PersistentVolumeClaim", name: "data", protect: true, inputs: pvc }]));
        assert.deepEqual(findings.map((f) => f.message), ['PersistentVolumeClaim "data" must be retainOnDelete: true in prod: deleting it loses data']);
    });

    it("registers every guardrail with the offline plan", () => {
        assert.deepEqual(planChecks.map((c) => c.name), ["manifest-schema", "helm-values", "helm-render", "release-namespace", "policy", "secret-leak", "runtime-contracts", "scheduling"]);
    });
});

/** Every component's `enabled` switch on. */
const everyComponent = [...EVERY_COMPONENT_ON];
const placeholderSecrets = secretSpecs.map((s) => `${s.key}=placeholder-${s.key}-0x5e`);

describe("guardrails over the full plans", () => {
    for (const [label, opts] of [
        ["dev", { stack: "dev" }],
        ["dev with every component enabled", { stack: "dev", set: everyComponent, secrets: placeholderSecrets }],
        ["prod with every component enabled", { stack: "prod", set: everyComponent, secrets: placeholderSecrets }],
    ] as const) {
        it(`finds no problem in ${label}, the objects its Helm charts render included`, async () => {
            const run = await runProgram(opts);
            // With a Helm and the chart sources (CI has both), every chart object is checked too.
            const helm = findHelm();
            if (!("missing" in helm) && chartSourceDir(PROJECT_DIR).exists) await renderCharts(run.plan, { projectDir: PROJECT_DIR, pull: false });
            else console.log(`      (charts not rendered: ${"missing" in helm ? helm.missing : `no chart sources at ${chartSourceDir(PROJECT_DIR).dir}`})`);
            const { findings, checksRun } = runChecks(run.plan);
            assert.deepEqual(checksRun, ["manifest-schema", "helm-values", "helm-render", "release-namespace", "policy", "secret-leak", "runtime-contracts", "scheduling"]);
            const mandatory = findings.filter((f) => f.level === "mandatory");
            assert.deepEqual(mandatory.map((f) => `${f.rule} ${f.subject}: ${f.message}`), []);
            // Without the reference data the chart-values and CRD checks are advisories (the global setup said so
            // once); with it, every one of them runs.
            const skipped = findings.filter((f) => /reference folder .* not found/.test(f.message)).map((f) => `${f.rule} ${f.subject}`);
            if (dirs.exists) assert.deepEqual(skipped, [], "with the reference data every check runs");
        });
    }
});
