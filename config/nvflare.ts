import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** NVIDIA FLARE overseer, servers and clients (seed 002). */
export const nvflareSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type NvflareConfig = z.output<typeof nvflareSchema>;
export const nvflareSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const nvflareCrossChecks: CrossCheck[] = [];
