/**
 * Isolation and availability: every Namespace is default-deny, replicated workloads have a
 * disruption budget and spread over nodes, budgets allow a drain, and in prod single-replica
 * workloads say why they cannot run twice (kube-score, Polaris and KubeLinter's checks).
 */
import { podTemplate } from "./pods";
import { GuardResource, Rule, RuleContext, exceptionReason, isKind, kindOf, nameOf, namespaceOf, objectsOf } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

const REPLICATED_KINDS = ["Deployment", "StatefulSet", "CloneSet", "ReplicaSet"];
const HOSTNAME = "kubernetes.io/hostname";

/** A label selector (`matchLabels` and `matchExpressions`) against a pod's labels. */
export function selectorMatches(selector: any, podLabels: Record<string, string>): boolean {
    if (!selector || typeof selector !== "object") return false;
    for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, unknown>)) if (podLabels[k] !== v) return false;
    for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
        const has = Object.prototype.hasOwnProperty.call(podLabels, e.key);
        const values: unknown[] = Array.isArray(e.values) ? e.values : [];
        if (e.operator === "In" && !(has && values.includes(podLabels[e.key]))) return false;
        if (e.operator === "NotIn" && has && values.includes(podLabels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

/** Whether the selector is empty (selects every pod of its namespace). */
function isEmptySelector(selector: any): boolean {
    return !selector || (Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0);
}

/** Whether a NetworkPolicy denies all ingress and egress of every pod of its namespace. */
export function isDefaultDeny(r: GuardResource): boolean {
    if (!isKind(r, "NetworkPolicy")) return false;
    const s = r.props?.spec ?? {};
    const types: unknown[] = Array.isArray(s.policyTypes) ? s.policyTypes : [];
    const empty = (rules: unknown) => rules === undefined || (Array.isArray(rules) && rules.length === 0);
    return isEmptySelector(s.podSelector) && types.includes("Ingress") && types.includes("Egress") && empty(s.ingress) && empty(s.egress);
}

export const defaultDenyRule: Rule = {
    name: "namespace-default-deny",
    description: "Every Namespace the program creates has a default-deny NetworkPolicy (all pods, Ingress and Egress, no rule); flows are opened by allow policies.",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        if (!isKind(r, "Namespace") || exceptionReason(r, "namespace-default-deny")) return [];
        const ns = nameOf(r);
        if (objectsOf(ctx, "NetworkPolicy", ns).some(isDefaultDeny)) return [];
        return [`Namespace "${ns}" has no default-deny NetworkPolicy (podSelector {}, policyTypes Ingress and Egress, no rules); use isolateNamespace() or declare an exception`];
    },
};

function replicas(r: GuardResource): number {
    const n = r.props?.spec?.replicas;
    return typeof n === "number" ? n : 1;
}

/** Whether the pod template spreads its replicas over nodes (anti-affinity or a topology spread on the hostname). */
export function spreadsOverNodes(spec: any): boolean {
    const anti = spec?.affinity?.podAntiAffinity;
    const terms = [...(anti?.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(anti?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((p: any) => p?.podAffinityTerm)];
    if (terms.some((t: any) => t?.topologyKey === HOSTNAME)) return true;
    return (spec?.topologySpreadConstraints ?? []).some((c: any) => c?.topologyKey === HOSTNAME);
}

function budgetsFor(ctx: RuleContext, ns: string, podLabels: Record<string, string>): GuardResource[] {
    return objectsOf(ctx, "PodDisruptionBudget", ns).filter((p) => selectorMatches(p.props?.spec?.selector, podLabels));
}

export const replicatedRule: Rule = {
    name: "replicated-pdb-spread",
    description: "A workload with replicas >= 2 has a PodDisruptionBudget selecting its pods and spreads them over nodes (pod anti-affinity or topologySpreadConstraints on kubernetes.io/hostname).",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        if (!isKind(r, ...REPLICATED_KINDS) || replicas(r) < 2 || exceptionReason(r, "replicated-pdb-spread")) return [];
        const t = podTemplate(r);
        if (!t) return [];
        const what = `${kindOf(r)} "${nameOf(r)}" (replicas ${replicas(r)})`;
        const out: string[] = [];
        if (budgetsFor(ctx, namespaceOf(r), t.labels).length === 0) out.push(`${what} has no PodDisruptionBudget selecting its pods`);
        if (!spreadsOverNodes(t.spec)) out.push(`${what} does not spread over nodes: add pod anti-affinity or a topologySpreadConstraint on ${HOSTNAME}`);
        return out;
    },
};

/** `"25%"` of `n`, rounded as the disruption controller does (up for minAvailable/maxUnavailable). */
function resolve(v: unknown, n: number): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "string" && /^\d+%$/.test(v)) return Math.ceil((Number(v.slice(0, -1)) / 100) * n);
    if (typeof v === "string" && /^\d+$/.test(v)) return Number(v);
    return undefined;
}

export const pdbRule: Rule = {
    name: "pdb-allows-disruption",
    description: "A PodDisruptionBudget allows at least one voluntary disruption of the pods it selects (no maxUnavailable 0, no minAvailable >= replicas, no budget on a single replica) and sets unhealthyPodEvictionPolicy: AlwaysAllow.",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        if (!isKind(r, "PodDisruptionBudget") || exceptionReason(r, "pdb-allows-disruption")) return [];
        const s = r.props?.spec ?? {};
        const what = `PodDisruptionBudget "${nameOf(r)}"`;
        const out: string[] = [];
        if (s.unhealthyPodEvictionPolicy !== "AlwaysAllow") out.push(`${what} must set unhealthyPodEvictionPolicy: AlwaysAllow (else a crash-looping pod blocks drains)`);
        const ns = namespaceOf(r);
        const selected = REPLICATED_KINDS.flatMap((k) => objectsOf(ctx, k, ns)).filter((w) => selectorMatches(s.selector, podTemplate(w)?.labels ?? {}));
        const total = selected.reduce((n, w) => n + replicas(w), 0);
        if (s.maxUnavailable !== undefined) {
            const max = resolve(s.maxUnavailable, Math.max(total, 1));
            if (max === 0) out.push(`${what} has maxUnavailable ${JSON.stringify(s.maxUnavailable)}: it blocks every drain`);
        }
        if (s.minAvailable !== undefined) {
            const min = resolve(s.minAvailable, Math.max(total, 1));
            if (s.minAvailable === "100%") out.push(`${what} has minAvailable "100%": it blocks every drain`);
            else if (selected.length > 0 && min !== undefined && min >= total) out.push(`${what} has minAvailable ${JSON.stringify(s.minAvailable)} for ${total} replica(s): it blocks every drain`);
        }
        if (selected.length > 0 && total < 2) out.push(`${what} selects a single replica: a budget there only blocks drains; remove it`);
        return out;
    },
};

export const prodReplicasRule: Rule = {
    name: "prod-replicas",
    description: "In prod, a Deployment, StatefulSet or CloneSet runs at least 2 replicas, or declares (exception annotation) why the software cannot run more than one.",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        if (ctx.environment !== "prod" || !isKind(r, "Deployment", "StatefulSet", "CloneSet") || exceptionReason(r, "prod-replicas")) return [];
        if (replicas(r) >= 2) return [];
        return [`${kindOf(r)} "${nameOf(r)}" runs ${replicas(r)} replica in prod: run 2 or more, or declare research-platform.io/policy-exception.prod-replicas saying why it cannot`];
    },
};
