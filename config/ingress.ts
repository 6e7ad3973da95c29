import { z } from "zod";
import type { CrossCheck, SecretSpec } from "./spec";

/** The ingress controller (Traefik by default) or an existing one named by its IngressClass. */
export const ingressSchema = z.strictObject({
    enabled: z.boolean().default(false),
});
export type IngressConfig = z.output<typeof ingressSchema>;
export const ingressSecrets: SecretSpec[] = [];
/** Checks against other components' settings (run after every schema passes). */
export const ingressCrossChecks: CrossCheck[] = [];
