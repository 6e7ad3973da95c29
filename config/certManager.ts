import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { namespace, resources } from "./types";

export const LETSENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";
export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";

/** cert-manager and the platform's ClusterIssuers. */
export const certManagerSchema = z.strictObject({
    enabled: z.boolean().default(false),
    namespace: namespace.default("cert-manager"),
    /** Chart version; the pinned one from components/charts.ts when unset. */
    chartVersion: z.string().min(1).optional(),
    timeoutSeconds: z.number().int().positive().default(600),
    /**
     * Which ClusterIssuer apps get: `selfSigned` (a self-signed CA, for dev) or `acme` (Let's
     * Encrypt, HTTP-01 through the ingress class). Default: selfSigned in dev, acme in prod.
     */
    issuer: z.enum(["selfSigned", "acme"], { error: msg("must be \"selfSigned\" or \"acme\"", "set certManager.issuer to selfSigned or acme") }).optional(),
    /** The self-signed CA (issuer `selfSigned`). */
    ca: z
        .strictObject({
            commonName: z.string().min(1).max(64).default("research-platform dev CA"),
        })
        .prefault({}),
    /** Let's Encrypt (issuer `acme`): both the staging and the production ClusterIssuer are created. */
    acme: z
        .strictObject({
            /** Account e-mail for expiry notices; required for `acme`. */
            email: z.email({ message: msg("is not an e-mail address", "use an address such as \"ops@example.org\"") }).optional(),
            /** Which of the two issuers apps use: `production` (trusted) or `staging` (for testing, untrusted). */
            use: z.enum(["production", "staging"], { error: msg("must be \"production\" or \"staging\"", "set certManager.acme.use to production or staging") }).default("production"),
        })
        .prefault({}),
    /** The controller's requests and limits (chart value `resources`). */
    resources: resources.default({ requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } }),
    /** The admission webhook's (chart value `webhook.resources`; the chart sets none). */
    webhookResources: resources.default({ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } }),
    /** The CA injector's (chart value `cainjector.resources`; the chart sets none). */
    cainjectorResources: resources.default({ requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } }),
    /** The post-install `startupapicheck` Job's (chart value `startupapicheck.resources`; the chart sets none). */
    startupapicheckResources: resources.default({ requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } }),
});
export type CertManagerConfig = z.output<typeof certManagerSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { certManager: CertManagerConfig; ingress: Enabled; kubernetes: ClusterFacts };

export const certManagerSecrets: SecretSpec<Reads>[] = [];

/** The issuer kind in effect: the configured one, else selfSigned for the dev environment and acme otherwise. */
export function effectiveIssuer(cfg: { certManager: Pick<CertManagerConfig, "issuer">; kubernetes: Pick<ClusterFacts, "environment"> }, stack: string = pulumi.getStack()): "selfSigned" | "acme" {
    if (cfg.certManager.issuer) return cfg.certManager.issuer;
    const environment = cfg.kubernetes.environment ?? (stack === "dev" ? "dev" : "prod");
    return environment === "dev" ? "selfSigned" : "acme";
}

/** Checks against other components' settings (run after every schema passes). */
export const certManagerCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        if (!cfg.certManager.enabled || effectiveIssuer(cfg) !== "acme") return;
        if (!cfg.certManager.acme.email) {
            report(["certManager", "acme", "email"], "is required for the Let's Encrypt (acme) issuers but not set", "set certManager.acme.email to the operators' address, or use certManager.issuer: selfSigned");
        }
        if (!cfg.ingress.enabled) {
            report(["certManager", "issuer"], "is acme, whose HTTP-01 challenges need an ingress controller, but ingress is disabled", "enable ingress (Traefik or ingress.className of an existing controller), or use certManager.issuer: selfSigned");
        }
    },
];
