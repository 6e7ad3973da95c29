/**
 * Turn a plan into the offline plan's artifacts (ARCHITECTURE.md, "The offline plan"):
 * resources.json, manifests/, helm/, graph.mmd, summary.md. Pure: the same plan gives the same
 * bytes.
 */
import { stringify } from "yaml";
import { PlanGraph, WAIT_SECONDS, appendTo, buildGraph, componentEdges, owningComponent, shortType, waitSeconds } from "./graph";
import type { Plan, PlanResource } from "./plan";

/** A policy or validation finding shown in summary.md. */
export interface Finding {
    /** `mandatory` findings fail `plan --strict`. */
    level: "mandatory" | "advisory";
    rule: string;
    /** URN or file the finding is about. */
    subject: string;
    message: string;
}

const CLUSTER_SCOPED = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "IngressClass",
    "RuntimeClass",
    "PriorityClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ClusterIssuer",
]);

/** A raw Kubernetes object the program creates (not a Helm release, not a provider). */
export function isManifest(r: PlanResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/") && !r.type.startsWith("kubernetes:yaml");
}

export interface Manifest {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [key: string]: unknown;
}

export function manifestPath(r: PlanResource): string {
    const m = r.inputs as Manifest;
    const kind = m.kind ?? shortType(r.type);
    const ns = m.metadata?.namespace ?? (CLUSTER_SCOPED.has(kind) ? "_cluster" : "default");
    return `manifests/${ns}/${kind}-${m.metadata?.name ?? r.name}.yaml`;
}

/** A Helm release as `helm/<namespace>-<release>.yaml` records it. */
export interface HelmRecord {
    name: string;
    namespace: string;
    chart: string;
    version: string;
    repository: string;
    values: Record<string, unknown>;
}

/** Helm releases, including those wrapped by a remote component (cert-manager). */
export function helmRecord(r: PlanResource): HelmRecord | undefined {
    const i = (r.inputs ?? {}) as Record<string, unknown>;
    if (r.type === "kubernetes:helm.sh/v3:Release") {
        const repo = (i.repositoryOpts ?? {}) as Record<string, unknown>;
        return {
            name: String(i.name ?? r.name),
            namespace: String(i.namespace ?? "default"),
            chart: String(i.chart),
            version: String(i.version ?? ""),
            repository: String(repo.repo ?? ""),
            values: (i.values ?? {}) as Record<string, unknown>,
        };
    }
    if (r.type === "kubernetes-cert-manager:index:CertManager") {
        const { helmOptions, ...values } = i as { helmOptions?: Record<string, unknown> };
        const h = helmOptions ?? {};
        const repo = (h.repositoryOpts ?? {}) as Record<string, unknown>;
        return {
            name: String(h.name ?? r.name),
            namespace: String(h.namespace ?? "default"),
            chart: String(h.chart ?? "cert-manager"),
            version: String(h.version ?? ""),
            repository: String(repo.repo ?? "https://charts.jetstack.io"),
            values,
        };
    }
    return undefined;
}

export function helmPath(h: HelmRecord): string {
    return `helm/${h.namespace}-${h.name}.yaml`;
}

/** How every artifact is written as YAML (also by the render worker, which must produce the same bytes). */
export function yaml(doc: unknown): string {
    return stringify(doc, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false });
}

function label(r: PlanResource): string {
    return `${shortType(r.type)} ${r.name}`;
}

function renderGraph(plan: Plan, g: PlanGraph): string {
    const components = plan.resources.filter((r) => !r.custom);
    const id = new Map(components.map((r, i) => [r.urn, `c${i}`]));
    const lines = ["flowchart TD"];
    for (const c of components) lines.push(`  ${id.get(c.urn)}["${label(c).replace(/"/g, "'")}"]`);
    for (const c of components) if (c.parent && id.has(c.parent)) lines.push(`  ${id.get(c.parent)} -.- ${id.get(c.urn)}`);
    for (const [from, to] of componentEdges(g)) lines.push(`  ${id.get(from)} --> ${id.get(to)}`);
    return `${lines.join("\n")}\n`;
}

function renderSummary(plan: Plan, g: PlanGraph, findings: Finding[], checksRun: string[]): string {
    const out: string[] = [`# Offline plan: ${plan.project} / ${plan.stack}`, ""];
    const custom = plan.resources.filter((r) => r.custom);
    out.push(`${plan.resources.length} resources: ${custom.length} custom, ${plan.resources.length - custom.length} components.`, "");

    out.push("## Resources per component", "", "| component | resources | kinds |", "|---|---:|---|");
    const perComponent = new Map<string, PlanResource[]>();
    for (const r of custom) {
        const c = owningComponent(r.parent ?? "", g.byUrn) ?? "(stack)";
        appendTo(perComponent, c, r);
    }
    for (const [c, rs] of [...perComponent.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const kinds = new Map<string, number>();
        for (const r of rs) kinds.set(shortType(r.type), (kinds.get(shortType(r.type)) ?? 0) + 1);
        const name = g.byUrn.get(c) ? label(g.byUrn.get(c)!) : c;
        out.push(`| ${name} | ${rs.length} | ${[...kinds.entries()].sort().map(([k, n]) => `${k} ${n}`).join(", ")} |`);
    }
    out.push("");

    out.push("## Deploy order by levels", "", "A resource starts once everything on earlier levels that it waits for is ready.", "");
    g.levels.forEach((urns, i) => {
        const names = urns.map((u) => label(g.byUrn.get(u)!));
        const shown = names.slice(0, 12).join(", ");
        out.push(`${i}. ${urns.length} resource${urns.length === 1 ? "" : "s"}: ${shown}${names.length > 12 ? `, and ${names.length - 12} more` : ""}`);
    });
    out.push("");

    out.push(
        "## Critical path",
        "",
        `Estimated ${g.criticalSeconds} s along the longest chain of waits, against ${g.serialSeconds} s if every wait ran one after another (${g.serialSeconds ? Math.round((100 * g.criticalSeconds) / g.serialSeconds) : 0}%).`,
        "",
    );
    for (const u of g.criticalPath) out.push(`- ${label(g.byUrn.get(u)!)} (${waitSeconds(g.byUrn.get(u)!)} s)`);
    out.push("", "Waits per kind: " + WAIT_SECONDS.map((w) => `${w.seconds} s ${w.why}`).join("; ") + ".", "");

    out.push("## Stack outputs", "", "```yaml", yaml(plan.outputs).trimEnd(), "```", "");

    out.push("## Policy findings", "");
    out.push(checksRun.length > 0 ? `Checks run: ${checksRun.join(", ")}.` : "No checks are registered.", "");
    if (findings.length === 0) out.push("No findings.");
    for (const f of findings) out.push(`- **${f.level}** \`${f.rule}\` ${f.subject}: ${f.message}`);
    out.push("");
    return out.join("\n");
}

/** Everything but summary.md, which alone depends on the findings: rendered once per plan (the secret scan reads it too). */
const artifactsOf = new WeakMap<Plan, { files: Map<string, string>; graph: PlanGraph }>();
/** Manifests' YAML rendered elsewhere (`renderWorker.ts`), in `plan.resources` order of the manifests. */
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
                files.set(p, rendered ? rendered[m++] : yaml(r.inputs));
            }
            const h = helmRecord(r);
            if (h) files.set(helmPath(h), yaml(h));
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
