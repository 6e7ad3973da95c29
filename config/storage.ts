import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** The `local-path` StorageClass and, optionally, the local-path provisioner itself. */
export const storageSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type StorageConfig = z.output<typeof storageSchema>;
export const storageSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const storageCrossChecks: CrossCheck[] = [];
