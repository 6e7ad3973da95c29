import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** metrics-server: resource metrics for the notebook scheduler and `kubectl top`. */
export const metricsServerSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type MetricsServerConfig = z.output<typeof metricsServerSchema>;
export const metricsServerSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const metricsServerCrossChecks: CrossCheck[] = [];
