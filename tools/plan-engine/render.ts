/**
 * Turn a plan into the offline plan's artifacts (README, "The offline plan"):
 * resources.json, manifests/, helm/ (each release's values, and the objects Helm rendered for it),
 * graph.mmd, summary.md. Pure: the same plan gives the same bytes.
 */
import { PlanGraph, buildGraph, componentEdges } from "./graph";
import { artifactYaml, helmPath, helmRecord, isManifest, manifestPath } from "./manifests";
import { label, renderSummary } from "./summary";
import type { Finding, Plan } from "./types";

function renderGraph(plan: Plan, g: PlanGraph): string {
    const components = plan.resources.filter((r) => !r.custom);
    const id = new Map(components.map((r, i) => [r.urn, `c${i}`]));
    const lines = ["flowchart TD"];
    for (const c of components) lines.push(`  ${id.get(c.urn)}["${label(c).replace(/"/g, "'")}"]`);
    for (const c of components) if (c.parent && id.has(c.parent)) lines.push(`  ${id.get(c.parent)} -.- ${id.get(c.urn)}`);
    for (const [from, to] of componentEdges(g)) lines.push(`  ${id.get(from)} --> ${id.get(to)}`);
    return `${lines.join("\n")}\n`;
}

/** Everything but summary.md, which alone depends on the findings: rendered once per plan (the secret scan reads it too). */
const artifactsOf = new WeakMap<Plan, { files: Map<string, string>; graph: PlanGraph }>();
/** Manifests' YAML rendered elsewhere (`planWorker.ts`), in `plan.resources` order of the manifests. */
const manifestYamlOf = new WeakMap<Plan, readonly string[]>();

/** The manifests' inputs in the order `artifacts` renders them: what a render worker is given. */
export function manifestDocs(plan: Plan): unknown[] {
    return plan.resources.filter(isManifest).map((r) => r.inputs);
}

/** Hand over the manifests' YAML rendered from `manifestDocs(plan)` (by the render worker), before anything renders the plan. */
export function provideManifestYaml(plan: Plan, texts: readonly string[]): void {
    if (artifactsOf.has(plan)) throw new Error("the plan is already rendered");
    const expected = plan.resources.filter(isManifest).length;
    if (texts.length !== expected) throw new Error(`expected ${expected} rendered manifests, got ${texts.length}`);
    manifestYamlOf.set(plan, texts);
}

function artifacts(plan: Plan): { files: Map<string, string>; graph: PlanGraph } {
    let a = artifactsOf.get(plan);
    if (!a) {
        const files = new Map<string, string>();
        const rendered = manifestYamlOf.get(plan);
        let m = 0;
        files.set("resources.json", `${JSON.stringify({ project: plan.project, stack: plan.stack, resources: plan.resources }, null, 2)}\n`);
        for (const r of plan.resources) {
            if (isManifest(r)) {
                const p = manifestPath(r);
                if (files.has(p)) throw new Error(`two objects would be written to ${p}: ${r.urn}`);
                files.set(p, rendered ? rendered[m++] : artifactYaml(r.inputs));
            }
            const h = helmRecord(r);
            if (h) files.set(helmPath(h), artifactYaml(h));
        }
        // The objects Helm renders for each release (`helmRender.ts`), when the plan rendered them.
        for (const rel of plan.charts?.releases ?? []) {
            for (const o of rel.objects) {
                if (files.has(o.path)) throw new Error(`two objects would be written to ${o.path}: ${o.source}`);
                files.set(o.path, o.text);
            }
        }
        const graph = buildGraph(plan.resources);
        files.set("graph.mmd", renderGraph(plan, graph));
        a = { files, graph };
        artifactsOf.set(plan, a);
    }
    return a;
}

/** Every artifact, by path relative to the output folder. */
export function renderPlan(plan: Plan, findings: Finding[] = [], checksRun: string[] = []): Map<string, string> {
    const { files, graph } = artifacts(plan);
    const all = new Map(files).set("summary.md", renderSummary(plan, graph, findings, checksRun));
    return new Map([...all.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}
