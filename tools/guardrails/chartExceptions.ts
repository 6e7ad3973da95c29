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

/**
 * Namespaces a chart puts objects into that the platform does not create (so they carry no Pod
 * Security label and no default-deny of the platform's), each with why that is right. Every other
 * namespace a release installs into must be one the program creates (`podSecurityNamespace` +
 * `isolateNamespace`), or one the chart itself creates, whose Namespace object the rules then check.
 */
export interface ForeignNamespace {
    namespace: string;
    /** The charts allowed to put objects there. */
    charts: readonly string[];
    /** Which objects, and why they are there. */
    reason: string;
}

export const FOREIGN_NAMESPACES: readonly ForeignNamespace[] = [
    {
        namespace: "kube-system",
        charts: ["cert-manager", "metrics-server"],
        reason:
            "Kubernetes' own namespace: cert-manager keeps its leader-election Roles and RoleBindings there (global.leaderElection.namespace, default kube-system) and metrics-server binds the Role extension-apiserver-authentication-reader, which exists only there; RBAC objects only, no pod",
    },
];
