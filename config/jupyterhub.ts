import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** JupyterHub from the zero-to-jupyterhub chart (seed 003). */
export const jupyterhubSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type JupyterhubConfig = z.output<typeof jupyterhubSchema>;
export const jupyterhubSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const jupyterhubCrossChecks: CrossCheck[] = [];
