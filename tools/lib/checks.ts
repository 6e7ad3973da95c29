/**
 * Checks the offline plan runs over every plan and reports in summary.md. Each check is a plain
 * function of the plan; `plan --strict` fails on any mandatory finding.
 */
import type { Plan } from "./plan";
import { policyCheck } from "./policyCheck";
import { Finding, provideManifestYaml } from "./render";
import { secretLeakCheck } from "./secretScan";
import { helmValuesCheck } from "./validateHelmValues";
import { manifestSchemaCheck } from "./validateManifests";

export interface PlanCheck {
    name: string;
    run(plan: Plan): Finding[];
    /** The check reads the rendered artifacts (so it runs once their YAML is ready). */
    readsArtifacts?: boolean;
}

export const planChecks: PlanCheck[] = [manifestSchemaCheck, helmValuesCheck, policyCheck, secretLeakCheck];

function result(checks: readonly PlanCheck[], findings: Finding[]): { findings: Finding[]; checksRun: string[] } {
    findings.sort((a, b) => (a.rule + a.subject + a.message < b.rule + b.subject + b.message ? -1 : 1));
    return { findings, checksRun: checks.map((c) => c.name) };
}

export function runChecks(plan: Plan, checks: readonly PlanCheck[] = planChecks): { findings: Finding[]; checksRun: string[] } {
    return result(checks, checks.flatMap((c) => c.run(plan)));
}

/**
 * The same, while the manifests' YAML is rendered on a worker (`renderWorker.ts`): the checks
 * that do not read the artifacts run meanwhile, then this thread helps finish the YAML, then the
 * others run.
 */
export async function runChecksBesideRendering(plan: Plan, rendering: { help(): Promise<string[]> }, checks: readonly PlanCheck[] = planChecks): Promise<{ findings: Finding[]; checksRun: string[] }> {
    const findings = checks.filter((c) => !c.readsArtifacts).flatMap((c) => c.run(plan));
    provideManifestYaml(plan, await rendering.help());
    findings.push(...checks.filter((c) => c.readsArtifacts).flatMap((c) => c.run(plan)));
    return result(checks, findings);
}
