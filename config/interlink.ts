import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** The InterLink virtual kubelet that offloads notebooks to a remote GPU host (seed 001). */
export const interlinkSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type InterlinkConfig = z.output<typeof interlinkSchema>;
export const interlinkSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const interlinkCrossChecks: CrossCheck[] = [];
