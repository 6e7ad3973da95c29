/** The policy pack's rules, run by the offline plan over every resource. */
import { Environment, GuardResource, environmentFromResources, evaluate, rules } from "../../policy/rules";
import type { Finding, Plan, PlanCheck } from "../plan-engine/types";

export function guardResources(plan: Plan): GuardResource[] {
    return plan.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs, protect: r.protect, retainOnDelete: r.retainOnDelete }));
}

/** The plan's environment: the Platform's `config.kubernetes.environment`, else the stack name. */
export function planEnvironment(plan: Plan, resources: readonly GuardResource[]): Environment {
    return environmentFromResources(resources) ?? (plan.stack === "dev" ? "dev" : "prod");
}

export function policyFindings(plan: Plan): Finding[] {
    const resources = guardResources(plan);
    return evaluate(rules, { environment: planEnvironment(plan, resources), resources }).map((v) => ({ level: v.level, rule: v.rule, subject: v.urn, message: v.message }));
}

export const policyCheck: PlanCheck = { name: "policy", run: policyFindings };
