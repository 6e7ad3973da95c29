/**
 * The guardrails: checks that stop a component from landing if the cluster would reject it, a
 * chart would silently ignore part of it, or it is unsafe. The offline plan runs every check in
 * `planChecks` over every plan and reports the findings in summary.md; each check is a plain
 * function of the plan; `plan --strict` fails on any mandatory finding.
 *
 *   validateManifests    raw objects against the Kubernetes schema and reference CRDs
 *   validateHelmValues   each release's values against its chart's schema or values.yaml
 *   helmValuesCheck      the plan check of the Helm values (validated on the plan's worker thread)
 *   chartRender          releases Helm refused or could not render; chart objects as guard resources
 *   chartExceptions      the reasoned exceptions for chart objects
 *   policyCheck          the policy pack's rules (policy/rules), as CrossGuard runs them
 *   secretScan           no secret value in any artifact
 *   scheduling           the pods fit the kind cluster's nodes (kind/cluster.yaml); other clusters: not known
 *   contractsDoc         the generated flow tables of docs/contracts.md (npm run contracts:doc)
 *   contracts            every system's runtime contract (contracts/) against the plan: flows allowed, flows
 *                        no system needs denied, listeners, writable paths, accepted values, host facts
 *   networkPolicyEval    who may talk to whom under the plan's NetworkPolicies (contracts, tests)
 *   pulumiStackRule      secretlint rule (npm run lint:secrets): secret-looking stack config must be `secure:`
 *   reference, referenceCache   the upstream reference data and its on-disk cache
 *
 * A new check is a `PlanCheck` (plan-engine/types.ts) in its own module, added to `planChecks`.
 */
import { provideManifestYaml } from "../plan-engine/render";
import type { ChartRendering, Finding, OffThreadCall, Plan, PlanCheck } from "../plan-engine/types";
import { chartRenderCheck, releaseNamespaceCheck } from "./chartRender";
import { contractsCheck } from "./contracts";
import { policyCheck } from "./policyCheck";
import { schedulingCheck } from "./scheduling";
import { secretLeakCheck } from "./secretScan";
import { helmValuesCheck } from "./helmValuesCheck";
import { manifestSchemaCheck } from "./validateManifests";

export { contractsDocTables, withContractsDocTables } from "./contractsDoc";
export { planConfig } from "./contracts";

export const planChecks: PlanCheck[] = [manifestSchemaCheck, helmValuesCheck, chartRenderCheck, releaseNamespaceCheck, policyCheck, secretLeakCheck, contractsCheck, schedulingCheck];

function result(checks: readonly PlanCheck[], findings: Finding[]): { findings: Finding[]; checksRun: string[] } {
    findings.sort((a, b) => (a.rule + a.subject + a.message < b.rule + b.subject + b.message ? -1 : 1));
    return { findings, checksRun: checks.map((c) => c.name) };
}

export function runChecks(plan: Plan, checks: readonly PlanCheck[] = planChecks): { findings: Finding[]; checksRun: string[] } {
    return result(checks, checks.flatMap((c) => c.run(plan)));
}

/**
 * The same, while the manifests' YAML is rendered on the plan's worker (`planWorker.ts`) and the
 * Helm charts by Helm (`charts`, from `renderCharts`, which attaches them to the plan): once the
 * charts are in, the checks that can hand their heavy part to the worker (`runOffThread`, via
 * `call`) start there, the checks that do not read the artifacts run here, then this thread helps
 * finish the YAML, then the others run.
 */
export async function runChecksBesideRendering(
    plan: Plan,
    rendering: { help(): Promise<string[]> },
    charts?: Promise<ChartRendering>,
    call?: OffThreadCall,
    checks: readonly PlanCheck[] = planChecks,
): Promise<{ findings: Finding[]; checksRun: string[] }> {
    if (charts) await charts;
    const offThread = call ? checks.filter((c) => c.runOffThread && !c.readsArtifacts) : [];
    const elsewhere = offThread.map((c) => c.runOffThread!(plan, call!));
    const findings = checks.filter((c) => !c.readsArtifacts && !offThread.includes(c)).flatMap((c) => c.run(plan));
    provideManifestYaml(plan, await rendering.help());
    findings.push(...checks.filter((c) => c.readsArtifacts).flatMap((c) => c.run(plan)));
    for (const f of await Promise.all(elsewhere)) findings.push(...f);
    return result(checks, findings);
}
