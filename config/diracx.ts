import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** DiracX from its Helm chart, with its databases (seed 004). */
export const diracxSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type DiracxConfig = z.output<typeof diracxSchema>;
export const diracxSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const diracxCrossChecks: CrossCheck[] = [];
