import { z } from "zod";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsLabel, dnsName, httpUrl, image, port, quantity } from "./types";

/** CPU for KubeSpawner: cores as in a pod spec ("500m", "0.5", "2"); the chart wants a number. */
const cpu = z
    .string({ error: msg("must be a CPU quantity string such as \"500m\" or \"2\"", "quote the value in the stack file, e.g. limit: \"2\"") })
    .regex(/^([0-9]+(\.[0-9]+)?|\.[0-9]+|[0-9]+m)$/, { message: msg("is not a CPU quantity", "use cores such as \"0.5\", \"2\" or millicores such as \"500m\"") });

/**
 * Memory as KubeSpawner's byte specification: a number with an optional K, M, G or T suffix
 * (powers of 1024). JupyterHub 4 refuses Kubernetes' "Gi"/"Mi" suffixes, so they are refused here.
 */
const memory = z
    .string({ error: msg("must be a memory size string such as \"1G\"", "quote the value in the stack file, e.g. limit: \"2G\"") })
    .regex(/^[0-9]+(\.[0-9]+)?[KMGT]?$/, { message: msg("is not a memory size KubeSpawner understands", "use a number with K, M, G or T, e.g. \"512M\" or \"2G\" (not \"2Gi\")") });

const cpuSpec = z.strictObject({ limit: cpu.optional(), guarantee: cpu.optional() });
const memorySpec = z.strictObject({ limit: memory.optional(), guarantee: memory.optional() });

/** An image with a tag (KubeSpawner joins name and tag, so digests are not supported here). */
const taggedImage = image.refine((s) => !s.includes("@"), { message: msg("uses a digest, which the chart cannot pass to KubeSpawner", "use a tag, e.g. \"quay.io/jupyter/minimal-notebook:2024-12-23\"") });

/** One entry of the spawn page: what `singleuser.profileList` holds (seed 003). */
export const profileSchema = z.strictObject({
    displayName: z.string().min(1),
    description: z.string().default(""),
    /** Pre-selected on the spawn page; at most one profile may be the default. */
    default: z.boolean().default(false),
    /** Image for this profile (overrides `singleuser.image`). */
    image: taggedImage.optional(),
    cpu: cpuSpec.optional(),
    memory: memorySpec.optional(),
});
export type JupyterhubProfile = z.output<typeof profileSchema>;

/** Groups claims whose names contain a dot, which GenericOAuthenticator's dotted-path lookup cannot address. */
const FLAT_DOTTED_CLAIMS = ["wlcg.groups"];

/** Traitlets options that carry secrets: refused in `hubConfig`, they come from the hub Secret. */
const SECRET_TRAIT = /(^|_)(secret|password|token)$/i;

const genericOauthSchema = z.strictObject({
    clientId: z.string().min(1),
    authorizeUrl: httpUrl,
    tokenUrl: httpUrl,
    userdataUrl: httpUrl,
    scopes: z.array(z.string().min(1)).min(1).default(["openid", "profile", "email", "offline_access"]),
    /** The userinfo claim that becomes the JupyterHub user name. */
    usernameClaim: z.string().min(1).default("preferred_username"),
    /** Text of the login button ("Sign in with ..."). */
    loginService: z.string().min(1).default("OAuth"),
    /** Only members of these groups may log in; everyone the identity provider accepts when empty. */
    allowedGroups: z.array(z.string().min(1)).default([]),
    /** Members of these groups are JupyterHub admins. */
    adminGroups: z.array(z.string().min(1)).default([]),
    /**
     * The userinfo claim that lists a user's groups (GenericOAuthenticator.claim_groups_key). It is
     * read from the **userinfo endpoint's** JSON, as a dotted path: `a.b` is `userinfo["a"]["b"]`
     * (oauthenticator 16.1.0 generic.py 123-145). So a claim whose name itself has a dot, such as
     * WLCG's `wlcg.groups` (INDIGO IAM's WLCG profile: iam v1.12.0 WLCGUserInfoAdapter.java 45-54),
     * can never be read: the groups would be empty and every non-admin login refused.
     */
    groupsClaim: z
        .string()
        .min(1)
        .default("groups")
        .refine((c) => !FLAT_DOTTED_CLAIMS.includes(c), {
            message: msg(
                "is a claim whose name has a dot, but OAuthenticator 16.1.0 reads the groups claim as a nested path (wlcg.groups means userinfo[\"wlcg\"][\"groups\"]), so no user would have groups",
                "use a claim without a dot (INDIGO IAM returns \"groups\" in userinfo with the profile scope), or set GenericOAuthenticator.claim_groups_key to a callable in jupyterhub.extraConfig",
            ),
        }),
    /** The OAuth callback URL registered with the identity provider; `<url>hub/oauth_callback` when unset. */
    callbackUrl: httpUrl.optional(),
    /**
     * How the access token reaches the userinfo endpoint (OAuthenticator.userdata_token_method):
     * `header` (Authorization: Bearer) or `url` (`?access_token=`). The request is always a GET;
     * 16.1.0 compares the value with "url" only (oauthenticator oauth2.py 422-430, 875-885), so
     * the pre-16 HTTP methods (seed 003's GET) are refused rather than silently meaning header.
     */
    userdataTokenMethod: z
        .enum(["header", "url"], { error: msg("must be \"header\" or \"url\" (OAuthenticator 16 sends the token in a header or the URL; the request is always a GET)", "set jupyterhub.auth.genericOauth.userdataTokenMethod to header (the default) or url") })
        .default("header"),
});

const localAuthSchema = z.strictObject({
    /** The admin user; it logs in with the generated password (stack output `jupyterhubAdminPassword`). */
    adminUser: dnsLabel.default("admin"),
    /** Further users allowed to log in with the same generated password. */
    users: z.array(dnsLabel).default([]),
});

/** JupyterHub from the zero-to-jupyterhub chart (seed 003). */
export const jupyterhubSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** z2jh chart version: 3.1.0 (seed 003, the pinned default) or a 4.x release. */
        chartVersion: z
            .string()
            .regex(/^(3\.1\.0|4\.[0-9]+\.[0-9]+)$/, { message: msg("is not a supported chart version", "use \"3.1.0\" (seed 003) or a 4.x version such as \"4.4.0\"") })
            .optional(),
        namespace: dnsLabel.default("jupyterhub"),
        releaseName: dnsLabel.default("jupyterhub"),
        /** Seconds Helm waits for the release (the image pre-puller hook can be slow on first install). */
        timeoutSeconds: z.number().int().min(60).max(3600).default(900),
        /** Public host name of the hub. */
        host: dnsName.optional(),
        /** `ingress`: an Ingress with TLS from cert-manager; `nodePort`: a NodePort behind an external proxy (seed 003's HAProxy). */
        exposure: z.enum(["ingress", "nodePort"]).default("ingress"),
        /** The public URL of the hub; `https://<host>/` when unset (`http://` for an Ingress without TLS). */
        url: httpUrl.optional(),
        ingress: z
            .strictObject({
                /** IngressClass; the platform's ingress controller's class when unset. */
                className: dnsName.optional(),
                /** ClusterIssuer for the certificate; the platform's issuer when unset. */
                clusterIssuer: dnsName.optional(),
                /** Serve HTTPS with a cert-manager certificate. */
                tls: z.boolean().default(true),
            })
            .prefault({}),
        /** NodePort for `exposure: nodePort` (30000-32767); Kubernetes picks one when unset. */
        nodePort: port.min(30000, { message: msg("is outside the NodePort range", "use a port from 30000 to 32767") }).max(32767, { message: msg("is outside the NodePort range", "use a port from 30000 to 32767") }).optional(),
        auth: z
            .strictObject({
                /** `local`: a shared generated password, no identity provider (dev); `generic-oauth`: GenericOAuthenticator (seed 003). */
                type: z.enum(["local", "generic-oauth"]).default("local"),
                local: localAuthSchema.prefault({}),
                genericOauth: genericOauthSchema.optional(),
                /** Users who are JupyterHub admins whatever the authenticator. */
                adminUsers: z.array(z.string().min(1)).default([]),
            })
            .prefault({}),
        singleuser: z
            .strictObject({
                image: taggedImage.default("quay.io/jupyter/minimal-notebook:2024-12-23"),
                defaultUrl: z.string().startsWith("/", { message: msg("must be a path", "use a path such as \"/lab\"") }).default("/lab"),
                cpu: cpuSpec.default({ limit: "0.5", guarantee: "0.5" }),
                memory: memorySpec.default({ limit: "1G", guarantee: "1G" }),
                storage: z
                    .strictObject({
                        /** StorageClass of the users' home volumes; the platform's class when unset. */
                        storageClass: dnsName.optional(),
                        capacity: quantity.default("1Gi"),
                    })
                    .prefault({}),
                profiles: z.array(profileSchema).default([]),
            })
            .prefault({}),
        /** The hub database volume (sqlite on a PVC). */
        hubDb: z
            .strictObject({
                storageClass: dnsName.optional(),
                capacity: quantity.default("1Gi"),
            })
            .prefault({}),
        /** Extra traitlets configuration merged into `hub.config` (keys are class names). No secrets. */
        hubConfig: z.record(z.string().regex(/^[A-Z][A-Za-z0-9_]*$/, { message: msg("is not a traitlets class name", "use a class name that starts with a capital, e.g. \"KubeSpawner\"") }), z.record(z.string(), z.unknown())).default({}),
        /** Extra Python snippets for `hub.extraConfig`, by name. */
        extraConfig: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.string()).default({}),
    })
    .superRefine((c, ctx) => {
        if (!c.enabled) return;
        if (!c.host) ctx.addIssue({ code: "custom", path: ["host"], message: msg("is required when JupyterHub is enabled", "set jupyterhub.host to the hub's public host name, e.g. \"hub.example.org\"") });
        if (c.exposure === "ingress" && c.nodePort !== undefined) {
            ctx.addIssue({ code: "custom", path: ["nodePort"], message: msg("is set but exposure is \"ingress\"", "remove jupyterhub.nodePort or set jupyterhub.exposure to nodePort") });
        }
        if (c.auth.type === "generic-oauth" && !c.auth.genericOauth) {
            ctx.addIssue({
                code: "custom",
                path: ["auth", "genericOauth"],
                message: msg("is required when auth.type is \"generic-oauth\"", "set jupyterhub.auth.genericOauth with clientId, authorizeUrl, tokenUrl and userdataUrl"),
            });
        }
        if (c.singleuser.profiles.filter((p) => p.default).length > 1) {
            ctx.addIssue({ code: "custom", path: ["singleuser", "profiles"], message: msg("has more than one default profile", "set default: true on one profile only") });
        }
        for (const [cls, traits] of Object.entries(c.hubConfig)) {
            for (const trait of Object.keys(traits)) {
                if (SECRET_TRAIT.test(trait) || (cls === "CryptKeeper" && trait === "keys")) {
                    ctx.addIssue({
                        code: "custom",
                        path: ["hubConfig", cls, trait],
                        message: msg("is a secret, and hubConfig values reach the chart in plain text", "remove it: the component generates the hub's secrets and reads the OAuth client secret from jupyterhubOauthClientSecret"),
                    });
                }
            }
        }
    });
export type JupyterhubConfig = z.output<typeof jupyterhubSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { jupyterhub: JupyterhubConfig; ingress: Enabled; certManager: Enabled; kubernetes: ClusterFacts };

export const jupyterhubSecrets: SecretSpec<Reads>[] = [
    {
        key: "jupyterhubOauthClientSecret",
        description: "the OAuth client secret of JupyterHub's GenericOAuthenticator",
        requiredWhen: (cfg) => cfg.jupyterhub.enabled && cfg.jupyterhub.auth?.type === "generic-oauth",
    },
];

/** Checks against other components' settings (run after every schema passes). */
export const jupyterhubCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        const hub = cfg.jupyterhub;
        if (!hub.enabled) return;
        if (hub.exposure === "ingress" && !hub.ingress.className && !cfg.ingress.enabled) {
            report(
                ["jupyterhub", "ingress", "className"],
                "is needed: exposure is \"ingress\" but the platform deploys no ingress controller",
                "enable ingress, name an existing IngressClass in jupyterhub.ingress.className, or set jupyterhub.exposure to nodePort",
            );
        }
        if (hub.exposure === "ingress" && hub.ingress.tls && !hub.ingress.clusterIssuer && !cfg.certManager.enabled) {
            report(
                ["jupyterhub", "ingress", "clusterIssuer"],
                "is needed: TLS is on but the platform deploys no cert-manager issuer",
                "enable certManager, name an existing ClusterIssuer in jupyterhub.ingress.clusterIssuer, or set jupyterhub.ingress.tls to false",
            );
        }
        if (hub.auth.type === "local" && cfg.kubernetes.environment === "prod") {
            report(["jupyterhub", "auth", "type"], "is \"local\" (one shared generated password) in a prod environment", "use generic-oauth with your identity provider in prod");
        }
    },
];
