/** Every guardrail rule, in the order they are reported. */
import { defaultDenyRule, pdbRule, prodReplicasRule, replicatedRule } from "./availability";
import { exposureRule } from "./exposure";
import { namespaceLabelsRule, podSecurityRule } from "./podSecurity";
import { statefulProtectRule } from "./stateful";
import type { Rule } from "./types";
import { webhookNamespaceRule } from "./webhooks";
import { automountRule, imageTagRule, readinessRule, resourcesRule, secretLiteralsRule } from "./workloads";

export const rules: readonly Rule[] = [
    podSecurityRule,
    namespaceLabelsRule,
    resourcesRule,
    readinessRule,
    imageTagRule,
    secretLiteralsRule,
    automountRule,
    statefulProtectRule,
    exposureRule,
    defaultDenyRule,
    replicatedRule,
    pdbRule,
    prodReplicasRule,
    webhookNamespaceRule,
];

export * from "./types";
export { POD_SECURITY_REASON_ANNOTATION, baselineViolations, restrictedViolations } from "./podSecurity";
export { HOLDS_DATA_LABEL } from "./stateful";
export { POD_WEBHOOK_CHARTS } from "./webhooks";
