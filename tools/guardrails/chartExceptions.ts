/**
 * Exceptions for objects the charts render, in one table: a chart object cannot carry the
 * exception annotation the program's own objects do (the chart writes it, not the program), so
 * each exception is declared here, with its reason, for one rule on the objects of one chart
 * matched by kind and name. Keep it short: a chart value that fixes the object is always better
 * (docs/helm-rendering.md lists the values the components set for that).
 *
 * An entry no plan uses is stale: a test fails on it.
 */
import type { ChartObject, Finding } from "../plan-engine/types";

export interface ChartException {
    /** The chart's name (`kruise`, `jupyterhub`...): release names and namespaces vary by stack. */
    chart: string;
    kind: string;
    /** The object's name, or a pattern for names derived from the release name. */
    name: string | RegExp;
    /** The rule excepted (`pod-security`, `exposure`, `manifest-schema`...). */
    rule: string;
    reason: string;
}

export const CHART_EXCEPTIONS: readonly ChartException[] = [];

/** The exception that covers a finding on a chart object, if any. */
export function chartException(o: ChartObject, chart: string, rule: string, table: readonly ChartException[] = CHART_EXCEPTIONS): ChartException | undefined {
    const name = String(o.object.metadata?.name ?? "");
    return table.find((e) => e.chart === chart && e.rule === rule && e.kind === o.object.kind && (typeof e.name === "string" ? e.name === name : e.name.test(name)));
}

/** Findings on chart objects minus those a table entry excepts; `used` collects the entries that applied. */
export function applyChartExceptions(
    findings: Finding[],
    objects: ReadonlyMap<string, ChartObject>,
    chartOf: (o: ChartObject) => string,
    used?: Set<ChartException>,
    table: readonly ChartException[] = CHART_EXCEPTIONS,
): Finding[] {
    return findings.filter((f) => {
        const o = objects.get(f.subject);
        if (!o) return true;
        const e = chartException(o, chartOf(o), f.rule, table);
        if (e) used?.add(e);
        return !e;
    });
}
