import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/**
 * Where Helm charts come from. By default every release pulls its pinned chart from the chart's
 * repository (components/charts.ts). With `sourceDir`, every release installs the unpacked chart
 * at `<sourceDir>/<chart>-<version>` instead, with no repository: for offline installs and the
 * end-to-end run (e2e/), which points it at `../shared/reference/chart-src`.
 */
export const chartsSchema = z.strictObject({
    /** A folder holding one `<chart>-<version>` folder per pinned chart; relative to the project. */
    sourceDir: z.string().min(1).optional(),
});
export type ChartsConfig = z.output<typeof chartsSchema>;
/** What this component's secrets and cross-component checks read of the platform's settings: its own. */
type Reads = { charts: ChartsConfig };
export const chartsSecrets: SecretSpec<Reads>[] = [];
export const chartsCrossChecks: CrossCheck<Reads>[] = [];
