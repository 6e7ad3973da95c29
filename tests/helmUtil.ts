/** What the tests that run Helm over the chart sources need, and how they skip without it. */
import { chartSourceDir } from "../tools/plan-engine/chartSources";
import { findHelm } from "../tools/plan-engine/helmBinary";
import { PROJECT_DIR } from "./harness";

/** The Helm the plan would use (HELM_BIN, the install script's cache, or PATH), or why there is none. */
export const helm = findHelm();
/** The local chart sources (CHART_SOURCE_DIR, default ../shared/reference/chart-src). */
export const sources = chartSourceDir(PROJECT_DIR);

/** Skip a test that runs Helm over the chart sources, saying what is missing. */
export function needsHelm(ctx: Mocha.Context): void {
    const missing = [..."missing" in helm ? [helm.missing] : [], ...(sources.exists ? [] : [`no chart sources at ${sources.dir} (set CHART_SOURCE_DIR)`])];
    if (missing.length) {
        console.log(`      (skipped: ${missing.join("; ")})`);
        ctx.skip();
    }
}
