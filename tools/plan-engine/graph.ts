/**
 * The plan as a graph: components and their children, the deploy order by levels, and the
 * critical path of a `pulumi up` estimated with documented per-kind waits.
 */
import type { PlanResource } from "./types";

/**
 * Estimated seconds `pulumi up` spends creating one resource of a kind, before dependents may
 * start: what Pulumi or Helm awaits. Rough, documented numbers for comparing plans, not promises.
 */
export const WAIT_SECONDS: ReadonlyArray<{ match: (r: PlanResource) => boolean; seconds: number; why: string }> = [
    { match: (r) => r.type === "kubernetes:helm.sh/v3:Release", seconds: 120, why: "Helm install with atomic wait for every workload of the chart" },
    { match: (r) => r.type === "kubernetes-cert-manager:index:CertManager", seconds: 90, why: "cert-manager chart and its webhook becoming ready" },
    { match: (r) => /:(Deployment|StatefulSet|DaemonSet)$/.test(r.type), seconds: 30, why: "rollout: image pull and readiness probes" },
    { match: (r) => /:Job$/.test(r.type), seconds: 30, why: "job completion" },
    { match: (r) => r.type === "kubernetes:core/v1:Service" && inputAt(r, ["spec", "type"]) === "LoadBalancer", seconds: 10, why: "load-balancer address assignment" },
    { match: (r) => /:Ingress$/.test(r.type), seconds: 5, why: "ingress address assignment" },
    { match: (r) => r.type.startsWith("pulumi:providers:") || r.type.startsWith("random:"), seconds: 0, why: "no cluster round trip" },
    { match: () => true, seconds: 1, why: "one API call" },
];

function inputAt(r: PlanResource, path: string[]): unknown {
    let v: unknown = r.inputs;
    for (const p of path) v = v && typeof v === "object" ? (v as Record<string, unknown>)[p] : undefined;
    return v;
}

export function waitSeconds(r: PlanResource): number {
    return WAIT_SECONDS.find((w) => w.match(r))!.seconds;
}

/** Append `v` to the list under `k` (in place: building lists by copying them is quadratic). */
export function appendTo<K, V>(m: Map<K, V[]>, k: K, v: V): void {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
}

export function shortType(type: string): string {
    return type.split(":").pop() ?? type;
}

export interface PlanGraph {
    byUrn: Map<string, PlanResource>;
    /** Wait node (custom resource or remote component) URN -> the wait nodes it waits for (dependencies and provider). */
    waitsFor: Map<string, string[]>;
    /** Custom resource URN -> deploy level (0 = nothing to wait for). */
    level: Map<string, number>;
    levels: string[][];
    criticalPath: string[];
    criticalSeconds: number;
    serialSeconds: number;
}

/**
 * Whether a resource is something `pulumi up` waits on: a custom resource, or a component with no
 * children in the plan (a remote component such as cert-manager's, whose children the provider
 * creates: under mocks it is one resource).
 */
function isWaitNode(r: PlanResource, children: Map<string, string[]>): boolean {
    return r.custom || !children.has(r.urn);
}

/** Wait nodes a URN stands for: itself, or every wait node below a component. */
function expand(urn: string, byUrn: Map<string, PlanResource>, children: Map<string, string[]>): string[] {
    const r = byUrn.get(urn);
    if (!r) return [];
    if (isWaitNode(r, children)) return [urn];
    return (children.get(urn) ?? []).flatMap((c) => expand(c, byUrn, children));
}

export function buildGraph(resources: PlanResource[]): PlanGraph {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const children = new Map<string, string[]>();
    for (const r of resources) if (r.parent) appendTo(children, r.parent, r.urn);

    const nodes = resources.filter((r) => isWaitNode(r, children));
    const waitsFor = new Map<string, string[]>();
    for (const r of nodes) {
        const deps = new Set<string>();
        for (const d of r.dependsOn) for (const e of expand(d, byUrn, children)) deps.add(e);
        if (r.provider && byUrn.has(r.provider)) deps.add(r.provider);
        deps.delete(r.urn);
        waitsFor.set(r.urn, [...deps].sort());
    }

    // Longest path by levels and by weighted time, memoised (the graph is a DAG: the SDK cannot
    // register a cycle). Iterative post-order so a thousand-deep chain cannot overflow the stack.
    const level = new Map<string, number>();
    const finish = new Map<string, number>();
    const via = new Map<string, string | undefined>();
    for (const start of waitsFor.keys()) {
        const stack: [string, boolean][] = [[start, false]];
        while (stack.length > 0) {
            const [urn, expanded] = stack.pop()!;
            if (finish.has(urn)) continue;
            const deps = waitsFor.get(urn) ?? [];
            if (!expanded) {
                stack.push([urn, true]);
                for (const d of deps) if (!finish.has(d)) stack.push([d, false]);
                continue;
            }
            let lvl = 0;
            let best: string | undefined;
            let bestFinish = 0;
            for (const d of deps) {
                lvl = Math.max(lvl, (level.get(d) ?? 0) + 1);
                const f = finish.get(d) ?? 0;
                if (f > bestFinish || best === undefined) {
                    bestFinish = f;
                    best = d;
                }
            }
            level.set(urn, lvl);
            via.set(urn, best);
            finish.set(urn, bestFinish + waitSeconds(byUrn.get(urn)!));
        }
    }

    const levels: string[][] = [];
    for (const [urn, l] of [...level.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) (levels[l] ??= []).push(urn);

    let end: string | undefined;
    for (const [urn, f] of [...finish.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) if (end === undefined || f > finish.get(end)!) end = urn;
    const criticalPath: string[] = [];
    for (let u = end; u !== undefined; u = via.get(u)) criticalPath.unshift(u);

    return {
        byUrn,
        waitsFor,
        level,
        levels,
        criticalPath,
        criticalSeconds: end ? finish.get(end)! : 0,
        serialSeconds: nodes.reduce((s, r) => s + waitSeconds(r), 0),
    };
}

/** The nearest component (non-custom) ancestor of a resource, or the resource itself if it is one. */
export function owningComponent(urn: string, byUrn: Map<string, PlanResource>): string | null {
    let r = byUrn.get(urn);
    while (r && r.custom) r = r.parent ? byUrn.get(r.parent) : undefined;
    return r ? r.urn : null;
}

/** Dependency edges between components: A -> B when something in B waits for something in A. */
export function componentEdges(g: PlanGraph): [string, string][] {
    const isAncestor = (a: string, b: string) => {
        for (let r = g.byUrn.get(b); r; r = r.parent ? g.byUrn.get(r.parent) : undefined) if (r.urn === a) return true;
        return false;
    };
    const edges = new Set<string>();
    for (const [urn, deps] of g.waitsFor) {
        const to = owningComponent(urn, g.byUrn);
        for (const d of deps) {
            if (g.byUrn.get(d)?.type.startsWith("pulumi:providers:")) continue;
            const from = owningComponent(d, g.byUrn);
            if (!from || !to || from === to || isAncestor(from, to) || isAncestor(to, from)) continue;
            edges.add(`${from}\n${to}`);
        }
    }
    return [...edges].sort().map((e) => e.split("\n") as [string, string]);
}
