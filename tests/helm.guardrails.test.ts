/**
 * The rendered Helm charts in the guardrails and the plan diff (docs/helm-rendering.md): the
 * namespaces releases install into, the exception table, chart NetworkPolicies in the evaluator,
 * and `plan:diff` of a chart version bump. The tests that run Helm skip, saying why, without a
 * Helm or the chart sources; none needs the network.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EVERY_COMPONENT_ON } from "../tools/plan-engine/everything";
import { secretSpecs } from "../config";
import { runChecks } from "../tools/guardrails";
import { CHART_EXCEPTIONS, ChartException, applyChartExceptions, FOREIGN_NAMESPACES } from "../tools/guardrails/chartExceptions";
import { chartGuardResources, chartOfObject, releaseNamespaceFindings } from "../tools/guardrails/chartRender";
import { clusterFromPlan, mayConnect } from "../tools/guardrails/networkPolicyEval";
import { contractFindings, worldOf } from "../tools/guardrails/contracts";
import { guardResources } from "../tools/guardrails/policyCheck";
import { evaluate, rules } from "../policy/rules";
import { chartObjects, renderCharts } from "../tools/plan-engine/helmRender";
import { renderPlan } from "../tools/plan-engine/render";
import { writeArtifacts } from "../tools/plan-engine/artifacts";
import { diffPlans, loadPlanDir } from "../tools/plan-engine/planDiff";
import type { Finding, Plan } from "../tools/plan-engine/types";
import { PROJECT_DIR, runProgram } from "./harness";
import { needsHelm, sources } from "./helmUtil";


async function rendered(opts: Parameters<typeof runProgram>[0], env?: NodeJS.ProcessEnv): Promise<Plan> {
    const run = await runProgram(opts);
    await renderCharts(run.plan, { projectDir: PROJECT_DIR, pull: false, env });
    return run.plan;
}

const placeholderSecrets = secretSpecs.map((s) => `${s.key}=placeholder-${s.key}-0x5e`);
const PLANS: [string, { stack: string; set?: string[]; secrets?: string[] }][] = [
    ["dev", { stack: "dev" }],
    ["dev with every component enabled", { stack: "dev", set: [...EVERY_COMPONENT_ON], secrets: placeholderSecrets }],
    ["prod with every component enabled", { stack: "prod", set: [...EVERY_COMPONENT_ON], secrets: placeholderSecrets }],
];

describe("helm guardrails: the namespaces a release installs into", function () {
    this.timeout(120_000);

    it("flags a release whose namespace the platform does not create, and names what goes there", async () => {
        const run = await runProgram({ stack: "dev" });
        const plan = run.plan;
        // The JupyterHub release as if its Namespace were created by Helm (createNamespace), not by the program.
        plan.resources = plan.resources.filter((r) => !(r.type === "kubernetes:core/v1:Namespace" && (r.inputs as { metadata?: { name?: string } }).metadata?.name === "jupyterhub"));
        const findings = releaseNamespaceFindings(plan);
        assert.deepEqual(findings.map((f) => [f.level, f.rule, f.subject]), [["mandatory", "release-namespace", "helm/jupyterhub-jupyterhub.yaml"]]);
        assert.match(findings[0].message, /installs into namespace "jupyterhub" \(the release itself\), which the platform does not create/);
    });

    it("accepts the chart's own Namespace (checked by the rules) and the reasoned foreign ones, nothing else", async function () {
        needsHelm(this);
        const plan = await rendered({ stack: "dev" });
        assert.deepEqual(releaseNamespaceFindings(plan), []);
        const kubeSystem = chartObjects(plan).filter((o) => o.object.metadata?.namespace === "kube-system");
        assert.ok(kubeSystem.length > 0 && kubeSystem.every((o) => ["Role", "RoleBinding"].includes(String(o.object.kind))), "RBAC only in kube-system");
        assert.deepEqual(releaseNamespaceFindings(plan, []).map((f) => f.message.match(/namespace "([^"]+)"/)![1]).sort(), ["kube-system", "kube-system"]);
        for (const f of FOREIGN_NAMESPACES) assert.ok(f.reason.length > 40, f.namespace);
    });
});

describe("helm guardrails: chart objects go through every rule", function () {
    this.timeout(120_000);

    it("turns a chart object's violation into a finding on its file, and a table entry with a reason excepts it", async function () {
        needsHelm(this);
        const plan = await rendered({ stack: "dev" });
        const g = chartGuardResources(plan);
        const speaker = g.resources.find((r) => r.urn.endsWith("/DaemonSet-metallb-speaker.yaml"))!;
        assert.ok(speaker, "MetalLB's speaker is a chart object");
        assert.equal(speaker.type, "kubernetes:apps/v1:DaemonSet");
        const raw: Finding[] = evaluate(rules, { environment: "dev", resources: guardResources(plan) })
            .filter((v) => v.urn === speaker.urn && v.rule === "exposure")
            .map((v) => ({ level: v.level, rule: v.rule, subject: v.urn, message: v.message }));
        assert.equal(raw.length, 1, "the rule sees its hostNetwork");
        const entry: ChartException = { chart: "metallb", kind: "DaemonSet", name: /-speaker$/, rule: "exposure", reason: "the speaker answers ARP for Service addresses on the node's interface" };
        const used = new Set<ChartException>();
        assert.deepEqual(applyChartExceptions(raw, g.byUrn, chartOfObject(plan), used, [entry]), []);
        assert.ok(used.has(entry));
        assert.deepEqual(applyChartExceptions(raw, g.byUrn, chartOfObject(plan), undefined, [{ ...entry, chart: "kruise" }]), raw, "only for its chart");
    });

    it("every exception in the table has a reason and is used by a plan", async function () {
        needsHelm(this);
        for (const e of CHART_EXCEPTIONS) assert.ok(e.reason.trim().length > 30, `${e.chart} ${e.kind} ${String(e.name)} ${e.rule}: give a reason`);
        const used = new Set<ChartException>();
        for (const [, opts] of PLANS) {
            const plan = await rendered(opts);
            const g = chartGuardResources(plan);
            const all = evaluate(rules, { environment: opts.stack === "prod" ? "prod" : "dev", resources: guardResources(plan) }).map((v): Finding => ({ level: v.level, rule: v.rule, subject: v.urn, message: v.message }));
            applyChartExceptions(all, g.byUrn, chartOfObject(plan), used);
            // Findings of the other checks on chart objects (schema).
            applyChartExceptions(runChecks(plan).findings, g.byUrn, chartOfObject(plan), used);
        }
        const stale = CHART_EXCEPTIONS.filter((e) => !used.has(e));
        assert.deepEqual(stale.map((e) => `${e.chart} ${e.kind} ${String(e.name)} ${e.rule}`), [], "entries no plan needs: remove them");
    });

    it("has the charts' NetworkPolicies and pods in the evaluator: z2jh lets the proxy reach the hub, not another namespace", async function () {
        needsHelm(this);
        const plan = await rendered({ stack: "dev" });
        const { cluster, pods } = clusterFromPlan(plan);
        const hub = pods.find((p) => p.namespace === "jupyterhub" && p.name === "hub")!;
        const proxy = pods.find((p) => p.namespace === "jupyterhub" && p.name === "proxy")!;
        assert.ok(hub && proxy, "the chart's hub and proxy pods, with the chart's labels");
        assert.equal(hub.labels.component, "hub");
        assert.ok(mayConnect(cluster, proxy, hub, 8081).allowed, "proxy -> hub:8081 (z2jh's hub policy)");
        const stranger = { name: "stranger", namespace: "nvflare", labels: { app: "x" } };
        assert.ok(!mayConnect(cluster, stranger, hub, 8081).allowed, "another namespace -> hub:8081");
    });
});

describe("helm guardrails: plan:diff of a chart version bump", function () {
    this.timeout(180_000);

    it("lists the changed objects under their release", async function () {
        needsHelm(this);
        // A copy of the JupyterHub chart as "4.4.0" (a version the config accepts) that runs 3 proxies.
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "helm-bump-"));
        const src = path.join(root, "src");
        fs.mkdirSync(src);
        for (const d of fs.readdirSync(sources.dir)) fs.symlinkSync(path.join(sources.dir, d), path.join(src, d));
        const bumped = path.join(src, "jupyterhub-4.4.0");
        fs.cpSync(path.join(sources.dir, "jupyterhub-3.1.0"), bumped, { recursive: true });
        fs.writeFileSync(path.join(bumped, "Chart.yaml"), fs.readFileSync(path.join(bumped, "Chart.yaml"), "utf8").replace(/^version: 3\.1\.0$/m, "version: 4.4.0"));
        const proxy = path.join(bumped, "templates", "proxy", "deployment.yaml");
        fs.writeFileSync(proxy, fs.readFileSync(proxy, "utf8").replace(/^ {2}replicas: 1$/m, "  replicas: 3"));
        const env = { ...process.env, CHART_SOURCE_DIR: src };

        const before = await rendered({ stack: "dev" }, env);
        const after = await rendered({ stack: "dev", set: ["jupyterhub.chartVersion=4.4.0"] }, env);
        for (const [dir, plan] of [["before", before], ["after", after]] as const) writeArtifacts(path.join(root, dir), renderPlan(plan));
        const md = diffPlans(loadPlanDir(path.join(root, "before")), loadPlanDir(path.join(root, "after")));
        fs.rmSync(root, { recursive: true, force: true });

        assert.match(md, /### Objects rendered by Helm \(1 release\)/);
        assert.match(md, /#### release `jupyterhub\/jupyterhub`: 0 added, 0 removed, \d+ changed/);
        assert.match(md, /<summary>changed <code>jupyterhub\/Deployment-proxy\.yaml<\/code><\/summary>[\s\S]*?\| `spec\.replicas` \| `1` \| `3` \|/);
        assert.match(md, /<summary>changed \d+ objects, the same change: [\s\S]*?\| `metadata\.labels\.chart` \| `jupyterhub-3\.1\.0` \| `jupyterhub-4\.4\.0` \|/);
        assert.doesNotMatch(md, /release `kruise-system\/kruise`/, "unchanged releases are not listed");
    });
});

describe("helm guardrails: the runtime contracts see the rendered charts", function () {
    this.timeout(120_000);

    it("gives the checker the charts' pods with their real labels, Services and NetworkPolicies", async function () {
        needsHelm(this);
        const plan = await rendered({ stack: "dev" });
        const w = worldOf(plan)!;
        assert.ok(w.renderedCharts.has("jupyterhub") && w.renderedCharts.has("metallb"));
        const hub = w.pods.find((p) => p.workload === "Deployment jupyterhub/hub")!;
        assert.deepEqual(hub.createdBy, { chart: "jupyterhub" });
        assert.equal(hub.labels["hub.jupyter.org/network-access-singleuser"], "true", "the chart's own label, not one the contract guessed");
        assert.ok(w.services.some((s) => s.metadata?.name === "proxy-public"), "the chart's Services");
        assert.ok(w.cluster.policies.some((p) => p.metadata?.name === "singleuser"), "the chart's NetworkPolicies");
        assert.deepEqual(contractFindings(w), []);
    });

    it("turns a label a contract guessed wrong for a rendered chart's pods into a finding", async function () {
        needsHelm(this);
        const plan = await rendered({ stack: "dev" });
        const w = worldOf(plan)!;
        const hubRef = w.contracts.flatMap((c) => c.listeners).find((l) => l.pod.kind === "pods" && l.pod.name === "hub")!.pod;
        const wrong = { ...hubRef, labels: { ...hubRef.labels, component: "jupyterhub-hub" } };
        const jh = w.contracts.find((c) => c.system === "jupyterhub")!;
        const broken = { ...w, contracts: [{ ...jh, listeners: jh.listeners.map((l) => (l.pod === hubRef ? { ...l, pod: wrong } : l)) }] };
        const findings = contractFindings(broken);
        assert.ok(findings.some((f) => /^jupyterhub\/pods\/hub$/.test(f.subject) && /no pod template of the plan|no pod/.test(f.message)), findings.map((f) => `${f.subject}: ${f.message}`).join("\n"));
    });

    it("without rendering, synthesises a chart's pods from the contract (no finding either way)", async () => {
        const run = await runProgram({ stack: "dev" });
        const w = worldOf(run.plan)!;
        assert.equal(w.renderedCharts.size, 0);
        assert.ok(!w.pods.some((p) => p.createdBy !== "program"));
    });
});
