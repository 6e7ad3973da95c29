/**
 * The upstream reference data the tests compare against (the pinned charts' values and schemas,
 * CRDs, the seeds' facts), found as the plan finds it (`tools/guardrails/reference.ts`): env
 * `CHART_REFERENCE_DIR`, the reference root or its `charts/` folder, default `../shared/reference`
 * beside the project. A test that needs a file of it is skipped when the file is absent, without
 * a word: the mocha global setup says once per run that the data is missing and what that skips
 * (README, "Reference data").
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ReferenceDirs, referenceDirs } from "../tools/guardrails/reference";

export const REFERENCE: ReferenceDirs = referenceDirs();

/** A file under the reference root, e.g. `referenceFile("nvflare", "x.json")`. */
export function referenceFile(...parts: string[]): string {
    return path.join(REFERENCE.root, ...parts);
}

/** A file of a reference chart, e.g. `chartFile("jupyterhub-3.1.0", "values.yaml")`. */
export function chartFile(...parts: string[]): string {
    return path.join(REFERENCE.charts, ...parts);
}

/** Skip the running test (or hook) when `file` of the reference data is absent. */
export function needsReference(ctx: Mocha.Context, file: string = REFERENCE.charts): void {
    if (!fs.existsSync(file)) ctx.skip();
}

/** The one note a run prints when the reference data is absent (undefined when it is there). */
export function referenceNote(dirs: ReferenceDirs = REFERENCE): string | undefined {
    if (dirs.exists) return undefined;
    return `note: no reference data at ${dirs.charts} (set CHART_REFERENCE_DIR to the reference root or its charts/ folder): the tests that compare the program with the upstream charts, CRDs and seeds are skipped, and the plan's chart-values and CRD checks are advisories (README, "Reference data")`;
}
