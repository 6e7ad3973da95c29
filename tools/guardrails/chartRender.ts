/**
 * The rendered Helm charts in the guardrails (docs/helm-rendering.md):
 *
 * - `helm-render`: a release Helm refuses to render (a chart's `fail`/`required`, a template or
 *   values-schema error) is a mandatory finding naming the release and, where Helm's message says
 *   it, the value; a release that could not be rendered at all (no Helm, no chart) is reported
 *   once, mandatory where rendering was expected (a Helm or chart sources were found), advisory in
 *   a clone with neither.
 * - The chart objects as guard resources, so the policy rules see them as they see raw objects.
 */
import { chartObjects } from "../plan-engine/helmRender";
import { helmPath } from "../plan-engine/manifests";
import { kubernetesType } from "../plan-engine/mockRuntime";
import type { ChartObject, Finding, Plan, PlanCheck } from "../plan-engine/types";
import type { GuardResource } from "../../policy/rules";

/** The values a Helm error names: `<.Values.a.b>` in a template error, `- a.b:` in a schema error, `.Values.a.b` in a `fail`/`required` message. */
export function valuesNamed(message: string): string[] {
    const out = new Set<string>();
    for (const m of message.matchAll(/at '\/([^']*)'/g)) out.add(m[1].split("/").join("."));
    for (const m of message.matchAll(/<\.Values\.([\w.-]+)>/g)) out.add(m[1]);
    for (const m of message.matchAll(/^- ([\w.[\]-]+): /gm)) if (m[1] !== "(root)") out.add(m[1]);
    for (const m of message.matchAll(/\.Values\.([\w.-]*\w)/g)) out.add(m[1]);
    return [...out];
}

export function chartRenderFindings(plan: Plan): Finding[] {
    const c = plan.charts;
    if (!c) return [];
    const out: Finding[] = [];
    const unrendered = new Map<string, string[]>();
    for (const r of c.releases) {
        if (r.status === "unrendered") {
            const list = unrendered.get(r.reason ?? "") ?? [];
            list.push(r.key);
            unrendered.set(r.reason ?? "", list);
        } else if (r.status === "failed") {
            const values = valuesNamed(r.reason ?? "");
            const secret = values.filter((v) => r.secretPaths.some((p) => p === v || p.startsWith(`${v}.`) || v.startsWith(`${p}.`)));
            out.push({
                level: "mandatory",
                rule: "helm-render",
                subject: helmPath(r.record),
                message:
                    `Helm refused to render release ${r.key} (chart ${r.record.chart} ${r.record.version})` +
                    (values.length ? `; the value${values.length > 1 ? "s" : ""} ${values.map((v) => `\`${v}\``).join(", ")}` : "") +
                    (secret.length ? ` (passed as a secret, rendered with a placeholder)` : "") +
                    `: ${(r.reason ?? "").replace(/\n/g, " / ")}`,
            });
        }
    }
    for (const r of c.releases) {
        for (const w of r.warnings) {
            // Helm names the value from the chart's root: `<chart>.a.b`.
            const m = /for ([\w.-]+)/.exec(w);
            const value = m ? m[1].replace(new RegExp(`^${r.record.chart.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.`), "") : undefined;
            out.push({
                level: "mandatory",
                rule: "helm-render",
                subject: helmPath(r.record),
                message: `Helm ignores ${value ? `the value \`${value}\` of release ${r.key}` : `a value of release ${r.key}`}: ${w.replace(/\s*\(map\[.*$/, "")}; give it the type of the chart's default`,
            });
        }
    }
    for (const [reason, keys] of unrendered) {
        out.push({
            level: c.expected ? "mandatory" : "advisory",
            rule: "helm-render",
            subject: "helm/",
            message: `${keys.length} Helm release${keys.length === 1 ? "" : "s"} not rendered (${keys.join(", ")}): ${reason}; their objects are checked by nothing but the helm-values check`,
        });
    }
    return out;
}

export const chartRenderCheck: PlanCheck = { name: "helm-render", run: chartRenderFindings };

const guardOf = new WeakMap<Plan, { resources: GuardResource[]; byUrn: Map<string, ChartObject> }>();

/**
 * The chart objects as the policy rules see a resource: `urn` is the object's artifact path (so a
 * finding names its file), `type` the provider's type token, the release's `protect` and
 * `retainOnDelete` (they decide what happens to its objects).
 */
export function chartGuardResources(plan: Plan): { resources: GuardResource[]; byUrn: Map<string, ChartObject> } {
    let g = guardOf.get(plan);
    if (!g) {
        const releases = new Map(plan.resources.map((r) => [r.urn, r]));
        const owner = new Map((plan.charts?.releases ?? []).map((r) => [r.key, releases.get(r.urn)]));
        const byUrn = new Map<string, ChartObject>();
        const resources = chartObjects(plan).map((o) => {
            byUrn.set(o.path, o);
            const rel = owner.get(o.release);
            return { urn: o.path, type: kubernetesType(String(o.object.apiVersion), String(o.object.kind)), name: String(o.object.metadata?.name ?? ""), props: o.object, protect: rel?.protect ?? false, retainOnDelete: rel?.retainOnDelete ?? false };
        });
        g = { resources, byUrn };
        guardOf.set(plan, g);
    }
    return g;
}

/** The chart a rendered object belongs to, by its release. */
export function chartOfObject(plan: Plan): (o: { release: string }) => string {
    const charts = new Map((plan.charts?.releases ?? []).map((r) => [r.key, r.record.chart]));
    return (o) => charts.get(o.release) ?? "";
}
