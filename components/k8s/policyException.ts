/**
 * How a component declares an exception to a guardrail rule (see README, "Guardrails"): an
 * annotation on the object, whose value says why. An empty reason does not count.
 */
export const POLICY_EXCEPTION_PREFIX = "research-platform.io/policy-exception.";

/** The annotation that excepts an object from `rule`. */
export function exceptionAnnotation(rule: string): string {
    return `${POLICY_EXCEPTION_PREFIX}${rule}`;
}

/** Annotations to spread into an object's `metadata.annotations`, excepting it from `rule` for `reason`. */
export function policyException(rule: string, reason: string): Record<string, string> {
    if (!reason.trim()) throw new Error(`an exception to ${rule} needs a reason`);
    return { [exceptionAnnotation(rule)]: reason };
}
