/** The policy pack's rules, run by the offline plan over every resource and every object the charts render. */
import { Environment, GuardResource, environmentFromResources, evaluate, rules } from "../../policy/rules";
import type { Finding, Plan, PlanCheck } from "../plan-engine/types";
import { applyChartExceptions } from "./chartExceptions";
import { chartGuardResources, chartOfObject } from "./chartRender";

/** The plan's own resources as the rules see them (not the objects its charts render). */
export function ownGuardResources(plan: Plan): GuardResource[] {
    return plan.resources.map((r) => ({ urn: r.urn, type: r.type, name: r.name, props: r.inputs, protect: r.protect, retainOnDelete: r.retainOnDelete }));
}

/** The plan's resources as the rules see them, followed by the objects its charts rendered. */
export function guardResources(plan: Plan): GuardResource[] {
    return [...ownGuardResources(plan), ...chartGuardResources(plan).resources];
}

/** The plan's environment: the Platform's `config.kubernetes.environment`, else the stack name. */
export function planEnvironment(plan: Plan, resources: readonly GuardResource[]): Environment {
    return environmentFromResources(resources) ?? (plan.stack === "dev" ? "dev" : "prod");
}

export function policyFindings(plan: Plan): Finding[] {
    const resources = guardResources(plan);
    const findings = evaluate(rules, { environment: planEnvironment(plan, resources), resources }).map((v) => ({ level: v.level, rule: v.rule, subject: v.urn, message: v.message }));
    return applyChartExceptions(findings, chartGuardResources(plan).byUrn, chartOfObject(plan));
}

export const policyCheck: PlanCheck = { name: "policy", run: policyFindings };
