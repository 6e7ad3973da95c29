import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** cert-manager and the platform's ClusterIssuers. */
export const certManagerSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type CertManagerConfig = z.output<typeof certManagerSchema>;
export const certManagerSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const certManagerCrossChecks: CrossCheck[] = [];
