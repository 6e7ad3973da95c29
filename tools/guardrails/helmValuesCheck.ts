/**
 * The Helm values check of the plan (`validateHelmValues.ts` does the validating): each release's
 * values, secrets revealed, against its chart's reference data; a release that fails is a
 * mandatory finding, one without reference data an advisory. In the offline plan the validating
 * runs on the plan's worker thread while the main thread runs the manifest check: compiling the
 * charts' values schemas is most of a cold plan's checks. `validateHelmValues.ts` imports neither
 * the SDK nor the plan engine's runtime, so the worker loads it in a few milliseconds.
 */
import { helmPath, helmRecord } from "../plan-engine/manifests";
import type { Finding, Plan, PlanCheck } from "../plan-engine/types";
import { ReferenceDirs, referenceDirs } from "./reference";
import { ValuesJob, ValuesResult, validateReleases } from "./validateHelmValues";
import { revealedInputs } from "./validateManifests";

function valuesJobs(plan: Plan): ValuesJob[] {
    const revealed = revealedInputs(plan);
    return plan.resources.flatMap((r) => {
        const h = helmRecord({ ...r, inputs: revealed.get(r.urn) ?? r.inputs });
        return h ? [{ subject: helmPath(h), chart: h.chart, version: h.version, values: h.values }] : [];
    });
}

function findingsOf(jobs: readonly ValuesJob[], results: readonly ValuesResult[]): Finding[] {
    return jobs.flatMap((j, i): Finding[] => {
        const res = results[i];
        if (res.status === "invalid") return [{ level: "mandatory", rule: "helm-values", subject: j.subject, message: res.errors.join("; ") }];
        if (res.status === "no-reference") return [{ level: "advisory", rule: "helm-values", subject: j.subject, message: res.reason }];
        return [];
    });
}

export function helmValuesFindings(plan: Plan, dirs: ReferenceDirs = referenceDirs()): Finding[] {
    const jobs = valuesJobs(plan);
    return findingsOf(jobs, validateReleases(jobs, dirs));
}

/** The module the worker runs `validateReleases` from: the compiled file beside this one. */
const VALIDATOR_MODULE = require.resolve("./validateHelmValues");

export const helmValuesCheck: PlanCheck = {
    name: "helm-values",
    run: (plan) => helmValuesFindings(plan),
    async runOffThread(plan, call) {
        const jobs = valuesJobs(plan);
        const dirs = referenceDirs();
        let results: ValuesResult[];
        try {
            results = await call<ValuesResult[]>(VALIDATOR_MODULE, "validateReleases", [jobs, dirs]);
        } catch {
            // The worker failed or cannot load the module (a run from TypeScript sources): validate here.
            results = validateReleases(jobs, dirs);
        }
        return findingsOf(jobs, results);
    },
};
