/**
 * The guardrail rules as CrossGuard policies. Resource rules become resource policies, rules that
 * need the rest of the stack (Namespaces, Services, the environment) become stack policies.
 *
 * The environment ("dev" | "prod") comes from the policy config `environment` when given, else
 * from the Platform component's inputs (`config.kubernetes.environment`), else "prod" (strictest).
 */
import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Environment, GuardResource, Rule, RuleContext, environmentFromResources, rules } from "./rules";

const configSchema = {
    properties: { environment: { type: "string" as const, enum: ["dev", "prod"] } },
};

function guard(r: ResourceValidationArgs | PolicyResource): GuardResource {
    return { urn: r.urn, type: r.type, name: r.name, props: r.props, protect: r.opts?.protect };
}

function configured(args: { getConfig<T extends object>(): T }): Environment | undefined {
    try {
        return args.getConfig<{ environment?: Environment }>().environment;
    } catch {
        return undefined;
    }
}

export function toPolicy(rule: Rule): ResourceValidationPolicy | StackValidationPolicy {
    const base = { name: rule.name, description: rule.description, enforcementLevel: rule.level, configSchema };
    if (rule.scope === "resource") {
        return {
            ...base,
            validateResource: (args: ResourceValidationArgs, report: (message: string) => void) => {
                const r = guard(args);
                const ctx: RuleContext = { environment: configured(args) ?? "prod", resources: [r] };
                for (const m of rule.check(r, ctx)) report(m);
            },
        };
    }
    return {
        ...base,
        validateStack: (args: StackValidationArgs, report: (message: string, urn?: string) => void) => {
            const resources = args.resources.map(guard);
            const ctx: RuleContext = { environment: configured(args) ?? environmentFromResources(resources) ?? "prod", resources };
            for (const r of resources) for (const m of rule.check(r, ctx)) report(m, r.urn);
        },
    };
}

export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = rules.map(toPolicy);
