import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** MetalLB and its address pool (LoadBalancer Services on kind and bare metal). */
export const metallbSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type MetallbConfig = z.output<typeof metallbSchema>;
export const metallbSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const metallbCrossChecks: CrossCheck[] = [];
