/**
 * Checks the offline plan runs over every plan and reports in summary.md. Each check is a plain
 * function of the plan; `plan --strict` fails on any mandatory finding.
 */
import type { Plan } from "./plan";
import { policyCheck } from "./policyCheck";
import type { Finding } from "./render";
import { secretLeakCheck } from "./secretScan";
import { helmValuesCheck } from "./validateHelmValues";
import { manifestSchemaCheck } from "./validateManifests";

export interface PlanCheck {
    name: string;
    run(plan: Plan): Finding[];
}

export const planChecks: PlanCheck[] = [manifestSchemaCheck, helmValuesCheck, policyCheck, secretLeakCheck];

export function runChecks(plan: Plan, checks: readonly PlanCheck[] = planChecks): { findings: Finding[]; checksRun: string[] } {
    const findings = checks.flatMap((c) => c.run(plan));
    findings.sort((a, b) => (a.rule + a.subject + a.message < b.rule + b.subject + b.message ? -1 : 1));
    return { findings, checksRun: checks.map((c) => c.name) };
}
