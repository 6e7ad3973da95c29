import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** The distributed-notebook system (seed 000): gateway, scheduler, local daemons, Jupyter front end. */
export const distributedNotebookSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type DistributedNotebookConfig = z.output<typeof distributedNotebookSchema>;
export const distributedNotebookSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const distributedNotebookCrossChecks: CrossCheck[] = [];
