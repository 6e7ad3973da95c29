/**
 * The shape every guardrail rule works on. The same rule functions run in three places: the
 * CrossGuard policy pack (`policy/index.ts`, under `pulumi preview --policy-pack policy`), the
 * offline plan (`tools/guardrails/index.ts`, findings in summary.md) and the unit tests.
 */

/** One resource as a rule sees it: its inputs and the options that matter to the rules. */
export interface GuardResource {
    urn: string;
    /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
    type: string;
    name: string;
    /** The resource's inputs (for Kubernetes objects: the manifest). */
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    props: any;
    protect?: boolean;
    /** Unknown under CrossGuard (the engine does not pass it); the offline plan knows it. */
    retainOnDelete?: boolean;
}

export type Environment = "dev" | "prod";

export interface RuleContext {
    environment: Environment;
    /** Every resource of the stack (for rules that look at other objects, e.g. Namespaces, Services). */
    resources: readonly GuardResource[];
}

export interface Rule {
    /** Policy name, also the suffix of the exception annotation. */
    name: string;
    description: string;
    level: "mandatory" | "advisory";
    /**
     * `resource`: the rule needs only the resource itself (a CrossGuard resource policy).
     * `stack`: it needs other resources or the environment (a CrossGuard stack policy).
     */
    scope: "resource" | "stack";
    /** The violations of one resource, as messages. */
    check(r: GuardResource, ctx: RuleContext): string[];
}

export interface Violation {
    rule: string;
    level: Rule["level"];
    urn: string;
    message: string;
}

import { exceptionAnnotation } from "../../components/k8s/policyException";
export { POLICY_EXCEPTION_PREFIX, exceptionAnnotation } from "../../components/k8s/policyException";

/** The reason a Kubernetes object gives for an exception to `rule`, if any (an empty reason does not count). */
export function exceptionReason(r: GuardResource, rule: string): string | undefined {
    const v = annotations(r)[exceptionAnnotation(rule)];
    return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

export function annotations(r: GuardResource): Record<string, unknown> {
    return (r.props?.metadata?.annotations ?? {}) as Record<string, unknown>;
}

export function labels(r: GuardResource): Record<string, unknown> {
    return (r.props?.metadata?.labels ?? {}) as Record<string, unknown>;
}

/** `kubernetes:apps/v1:Deployment` -> `Deployment`; for custom resources, the manifest's `kind`. */
export function kindOf(r: GuardResource): string {
    if (typeof r.props?.kind === "string") return r.props.kind;
    return r.type.slice(r.type.lastIndexOf(":") + 1);
}

export function isKubernetesObject(r: GuardResource): boolean {
    return r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/") && !r.type.startsWith("kubernetes:yaml");
}

export function isKind(r: GuardResource, ...kinds: string[]): boolean {
    return isKubernetesObject(r) && kinds.includes(kindOf(r));
}

export function namespaceOf(r: GuardResource): string {
    return String(r.props?.metadata?.namespace ?? "default");
}

export function nameOf(r: GuardResource): string {
    return String(r.props?.metadata?.name ?? r.name);
}

const byKindAndNamespace = new WeakMap<readonly GuardResource[], Map<string, GuardResource[]>>();

/**
 * The stack's Kubernetes objects of one kind, in one namespace or (without `namespace`) in all.
 * Indexed once per resource list: rules that look at other objects do so for every resource, and
 * a scan each time would make a stack of n workloads cost n^2.
 */
export function objectsOf(ctx: RuleContext, kind: string, namespace?: string): readonly GuardResource[] {
    let index = byKindAndNamespace.get(ctx.resources);
    if (!index) {
        index = new Map();
        for (const r of ctx.resources) {
            if (!isKubernetesObject(r)) continue;
            for (const key of [kindOf(r), `${kindOf(r)}\0${namespaceOf(r)}`]) {
                const list = index.get(key);
                if (list) list.push(r);
                else index.set(key, [r]);
            }
        }
        byKindAndNamespace.set(ctx.resources, index);
    }
    return index.get(namespace === undefined ? kind : `${kind}\0${namespace}`) ?? [];
}

/** The stack's environment from the Platform component's inputs; `undefined` if there is none. */
export function environmentFromResources(resources: readonly GuardResource[]): Environment | undefined {
    for (const r of resources) {
        if (r.type !== "research-platform:index:Platform") continue;
        // The offline plan records the component's inputs (`config`); under the real engine a stack
        // policy sees a component's registered outputs instead, where the Platform exports `environment`.
        const env = r.props?.config?.kubernetes?.environment ?? r.props?.environment;
        if (env === "dev" || env === "prod") return env;
    }
    return undefined;
}

/** Run rules over every resource. */
export function evaluate(rules: readonly Rule[], ctx: RuleContext): Violation[] {
    const out: Violation[] = [];
    for (const rule of rules) {
        for (const r of ctx.resources) {
            for (const message of rule.check(r, ctx)) out.push({ rule: rule.name, level: rule.level, urn: r.urn, message });
        }
    }
    return out;
}
