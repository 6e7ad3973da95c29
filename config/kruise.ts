import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** OpenKruise: the CloneSet controller the distributed-notebook gateway uses at run time. */
export const kruiseSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type KruiseConfig = z.output<typeof kruiseSchema>;
export const kruiseSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const kruiseCrossChecks: CrossCheck[] = [];
