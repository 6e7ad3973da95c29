/**
 * What a plan says in words: `summary.md` (resources per component, deploy order, critical path,
 * stack outputs, findings) and the component tree the plan command prints.
 */
import { PlanGraph, WAIT_SECONDS, appendTo, owningComponent, shortType, waitSeconds } from "./graph";
import { artifactYaml, helmRecord } from "./manifests";
import type { Finding, Plan, PlanResource } from "./types";

export function label(r: PlanResource): string {
    return `${shortType(r.type)} ${r.name}`;
}

export function renderSummary(plan: Plan, g: PlanGraph, findings: Finding[], checksRun: string[]): string {
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

    out.push(...chartSection(plan));

    out.push("## Stack outputs", "", "```yaml", artifactYaml(plan.outputs).trimEnd(), "```", "");

    out.push("## Policy findings", "");
    out.push(checksRun.length > 0 ? `Checks run: ${checksRun.join(", ")}.` : "No checks are registered.", "");
    if (findings.length === 0) out.push("No findings.");
    for (const f of findings) out.push(`- **${f.level}** \`${f.rule}\` ${f.subject}: ${f.message}`);
    out.push("");
    return out.join("\n");
}

/** The components as an indented tree, each with its number of own resources: what the plan command prints. */
export function componentTree(plan: Plan): string[] {
    const children = new Map<string | null, Plan["resources"]>();
    for (const r of plan.resources) appendTo(children, r.parent, r);
    const lines: string[] = [];
    const walk = (parent: string | null, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            if (r.custom) continue;
            const own = (children.get(r.urn) ?? []).filter((c) => c.custom).length;
            lines.push(`${"  ".repeat(depth)}${shortType(r.type)} ${r.name} (${own} resource${own === 1 ? "" : "s"})`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 1);
    return lines;
}

/** "Helm releases": how each release was rendered and what it holds. */
function chartSection(plan: Plan): string[] {
    const c = plan.charts;
    const records = plan.resources.map(helmRecord).filter((h) => h !== undefined);
    if (records.length === 0) return [];
    const out = ["## Helm releases", ""];
    if (!c) return [...out, `${records.length} release${records.length === 1 ? "" : "s"}, not rendered (the plan ran without rendering charts).`, ""];
    out.push(
        c.helm
            ? `Rendered with Helm ${c.helm.split(" ")[0]} for Kubernetes ${c.kubeVersion} (${c.kubeVersionFrom}); API versions of the platform's CRDs given to Helm: ${c.apiVersions.filter((v) => v.split("/").length === 2).join(", ") || "none"}.`
            : `Not rendered: ${c.releases[0]?.reason ?? "no Helm"}.`,
        "",
        "| release | chart | status | objects | hooks | kinds |",
        "|---|---|---|---:|---:|---|",
    );
    for (const r of c.releases) {
        const kinds = new Map<string, number>();
        for (const o of r.objects) kinds.set(String(o.object.kind), (kinds.get(String(o.object.kind)) ?? 0) + 1);
        const status = r.status === "rendered" ? "rendered" : `**${r.status}**: ${r.reason?.split("\n")[0] ?? ""}`;
        out.push(
            `| ${r.key} | ${r.record.chart} ${r.record.version} | ${status.replace(/\|/g, "\\|")} | ${r.objects.length} | ${r.objects.filter((o) => o.hook).length} | ${[...kinds.entries()].sort().map(([k, n]) => `${k} ${n}`).join(", ")} |`,
        );
    }
    out.push("");
    return out;
}
