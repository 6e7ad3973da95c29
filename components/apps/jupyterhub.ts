import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import type { Environment } from "../../config";
import type { JupyterhubConfig, JupyterhubProfile } from "../../config/jupyterhub";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { appLabels } from "../k8s/labels";
import { podSecurityNamespace } from "../k8s/namespace";
import { policyException } from "../k8s/policyException";
import { opaqueSecret } from "../k8s/secret";
import type { HubOffload } from "./hubOffload";

/** Keys of the hub Secret the program creates (`hub.existingSecret`); the hub reads them before the chart's own Secret. */
export const HUB_SECRET_KEYS = {
    cookieSecret: "hub.config.JupyterHub.cookie_secret",
    cryptKeys: "hub.config.CryptKeeper.keys",
    proxyToken: "hub.config.ConfigurableHTTPProxy.auth_token",
    /** Chart values merged over the chart's own by the hub (`z2jh.py`): carries the authenticator's secret. */
    values: "values.yaml",
} as const;

export interface JupyterHubArgs {
    /** This hub's validated config slice. */
    config: JupyterhubConfig;
    /** `prod` protects the namespace, the release and the hub Secret, and keeps the hub database volume. */
    environment: Environment;
    /** The explicit Kubernetes provider. */
    provider: k8s.Provider;
    /** Namespace of this hub (created here). */
    namespace: string;
    /** Helm release name of this hub. */
    releaseName: string;
    /** GenericOAuthenticator client secret (required when `auth.type` is `generic-oauth`). */
    oauthClientSecret?: pulumi.Input<string>;
    /** The platform's IngressClass (used unless `config.ingress.className` names one). */
    ingressClassName?: string;
    ingressReady?: pulumi.Resource[];
    /** The platform's ClusterIssuer (used unless `config.ingress.clusterIssuer` names one). */
    clusterIssuerName?: string;
    issuerReady?: pulumi.Resource[];
    /** The platform's StorageClass (used unless the config names one). */
    storageClassName?: string;
    storageReady?: pulumi.Resource[];
    /** Profiles, hub values and dependencies an offload target (InterLink) adds. */
    offload?: HubOffload;
}

type Values = Record<string, unknown>;

function isPlainObject(v: unknown): v is Values {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** Deep-merge `extra` into `base` (objects merge key by key; anything else in `extra` wins). */
export function deepMerge(base: Values, extra: Values): Values {
    const out: Values = { ...base };
    for (const [k, v] of Object.entries(extra)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k] as Values, v) : v;
    return out;
}

/** "500m" -> 0.5, "2" -> 2: the chart's `cpu.limit`/`cpu.guarantee` are numbers. */
export function cpuCores(q: string | undefined): number | undefined {
    if (q === undefined) return undefined;
    return q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** Split `registry/name:tag` into the chart's `{ name, tag }`. */
export function splitImage(ref: string): { name: string; tag: string } {
    const cut = ref.lastIndexOf(":");
    return { name: ref.slice(0, cut), tag: ref.slice(cut + 1) };
}

function dropUndefined(o: Values): Values {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A profile as KubeSpawner's `profile_list` entry. */
export function kubespawnerProfile(p: JupyterhubProfile): Values {
    const override = dropUndefined({
        image: p.image,
        cpu_limit: cpuCores(p.cpu?.limit),
        cpu_guarantee: cpuCores(p.cpu?.guarantee),
        mem_limit: p.memory?.limit,
        mem_guarantee: p.memory?.guarantee,
    });
    return dropUndefined({
        display_name: p.displayName,
        description: p.description,
        default: p.default || undefined,
        kubespawner_override: Object.keys(override).length > 0 ? override : undefined,
    });
}

/** Restricted container securityContext for a chart container that runs as `uid`. */
function restrictedContainer(uid: number): Values {
    return {
        runAsUser: uid,
        runAsGroup: uid,
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * JupyterHub from the zero-to-jupyterhub chart (seed 003): GenericOAuthenticator or a local
 * login, profiles, per-user storage, Ingress + cert-manager TLS or a NodePort, hub secrets
 * generated here and given to the chart by Secret name only, and z2jh's network policies with
 * the cloud-metadata block done by NetworkPolicy instead of a privileged init container.
 */
export class JupyterHub extends pulumi.ComponentResource {
    /** The hub's public URL. */
    readonly url: pulumi.Output<string>;
    /** The generated password for the local login (secret); undefined with generic-oauth. */
    readonly adminPassword?: pulumi.Output<string>;
    /** The Helm release. */
    readonly release: k8s.helm.v3.Release;
    /** Name of the Secret that holds the hub's secrets (`hub.existingSecret`). */
    readonly hubSecretName: string;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:JupyterHub", name, args, opts);
        const cfg = args.config;
        const prod = args.environment === "prod";
        const childOpts = { parent: this, provider: args.provider };
        const chart = chartAt("jupyterhub", cfg.chartVersion);

        if (!cfg.host) throw new Error(`JupyterHub ${name}: config.host is required`);
        const className = cfg.ingress.className ?? args.ingressClassName;
        const issuer = cfg.ingress.clusterIssuer ?? args.clusterIssuerName;
        const ingress = cfg.exposure === "ingress";
        const tls = ingress && cfg.ingress.tls;
        if (ingress && !className) throw new Error(`JupyterHub ${name}: exposure is ingress but no IngressClass is known (set jupyterhub.ingress.className)`);
        if (tls && !issuer) throw new Error(`JupyterHub ${name}: TLS is on but no ClusterIssuer is known (set jupyterhub.ingress.clusterIssuer)`);
        if (cfg.auth.type === "generic-oauth" && !args.oauthClientSecret) throw new Error(`JupyterHub ${name}: generic-oauth needs the OAuth client secret`);

        const publicUrl = cfg.url ?? `${!ingress || tls ? "https" : "http"}://${cfg.host}/`;
        this.url = pulumi.output(publicUrl);
        const storageClass = cfg.singleuser.storage.storageClass ?? args.storageClassName;
        const dbStorageClass = cfg.hubDb.storageClass ?? args.storageClassName;

        // Pod Security: user pods and the hub/proxy run restricted (set below), but the chart's
        // image puller, user scheduler and placeholder pods do not all set seccomp/capabilities.
        const ns = podSecurityNamespace(
            `${name}-namespace`,
            {
                name: args.namespace,
                podSecurity: "baseline",
                reason: "z2jh chart pods (image puller, user scheduler, user placeholder) do not all meet \"restricted\"; hub, proxy and user pods do",
                annotations: policyException(
                    "namespace-default-deny",
                    "z2jh's own NetworkPolicies (hub, proxy, singleuser: networkPolicy.enabled) isolate hub, proxy and user pods by their hub.jupyter.org/network-access-* labels; a namespace-wide default-deny would also cut the user scheduler's and image puller's API and registry traffic, which the chart declares no policy for",
                ),
            },
            { ...childOpts, protect: prod, retainOnDelete: prod },
        );
        const namespace = ns.metadata.name;

        // Hub secrets: 32 random bytes each, hex (what `openssl rand -hex 32` gives), stable in state.
        const bytes = (suffix: string) => new random.RandomBytes(`${name}-${suffix}`, { length: 32 }, { parent: this, protect: prod });
        const cookieSecret = bytes("cookie-secret").hex;
        const cryptKey = bytes("crypt-key").hex;
        const proxyToken = bytes("proxy-token").hex;

        // Authenticator: public settings go in the values, its secret only in the hub Secret.
        const hubConfig: Values = { JupyterHub: { admin_access: true } };
        let authSecretValues: pulumi.Output<string>;
        if (cfg.auth.type === "generic-oauth") {
            const o = cfg.auth.genericOauth!;
            const groups = o.allowedGroups.length > 0;
            hubConfig.JupyterHub = { ...(hubConfig.JupyterHub as Values), authenticator_class: "generic-oauth" };
            hubConfig.Authenticator = dropUndefined({
                enable_auth_state: true,
                allow_all: groups ? undefined : true,
                admin_users: cfg.auth.adminUsers.length > 0 ? cfg.auth.adminUsers : undefined,
            });
            hubConfig.GenericOAuthenticator = dropUndefined({
                client_id: o.clientId,
                oauth_callback_url: o.callbackUrl ?? `${publicUrl}hub/oauth_callback`,
                authorize_url: o.authorizeUrl,
                token_url: o.tokenUrl,
                userdata_url: o.userdataUrl,
                scope: o.scopes,
                username_claim: o.usernameClaim,
                login_service: o.loginService,
                userdata_token_method: o.userdataTokenMethod,
                claim_groups_key: groups || o.adminGroups.length > 0 ? o.groupsClaim : undefined,
                allowed_groups: groups ? o.allowedGroups : undefined,
                admin_groups: o.adminGroups.length > 0 ? o.adminGroups : undefined,
            });
            authSecretValues = pulumi.output(args.oauthClientSecret!).apply((s) => stringify({ hub: { config: { GenericOAuthenticator: { client_secret: s } } } }));
        } else {
            const password = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent: this });
            this.adminPassword = pulumi.secret(password.result);
            const users = [cfg.auth.local.adminUser, ...cfg.auth.local.users];
            hubConfig.JupyterHub = { ...(hubConfig.JupyterHub as Values), authenticator_class: "dummy" };
            hubConfig.Authenticator = { allowed_users: users, admin_users: [...new Set([cfg.auth.local.adminUser, ...cfg.auth.adminUsers])] };
            authSecretValues = password.result.apply((p) => stringify({ hub: { config: { DummyAuthenticator: { password: p } } } }));
        }

        // User pods: restricted securityContext (KubeSpawner adds it to the chart's uid/fsGid).
        hubConfig.KubeSpawner = {
            container_security_context: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
            pod_security_context: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        };

        this.hubSecretName = `${args.releaseName}-hub-secrets`;
        const hubSecret = opaqueSecret(
            `${name}-hub-secrets`,
            {
                name: this.hubSecretName,
                namespace,
                app: "jupyterhub",
                data: {
                    [HUB_SECRET_KEYS.cookieSecret]: cookieSecret,
                    [HUB_SECRET_KEYS.cryptKeys]: cryptKey,
                    [HUB_SECRET_KEYS.proxyToken]: proxyToken,
                    [HUB_SECRET_KEYS.values]: authSecretValues,
                },
            },
            { ...childOpts, protect: prod },
        );

        // The chart reads the proxy token only from its own Secret; these env entries come after the
        // chart's and so take precedence, pointing hub and proxy at the program's Secret instead.
        const proxyTokenEnv = { CONFIGPROXY_AUTH_TOKEN: { valueFrom: { secretKeyRef: { name: this.hubSecretName, key: HUB_SECRET_KEYS.proxyToken } } } };
        const noCloudMetadata = { enabled: true, egressAllowRules: { cloudMetadataServer: false } };
        const su = cfg.singleuser;

        const certSecretName = `${args.releaseName}-tls`;
        const baseValues: Values = {
            hub: {
                existingSecret: this.hubSecretName,
                config: deepMerge(hubConfig, cfg.hubConfig),
                extraConfig: cfg.extraConfig,
                extraEnv: proxyTokenEnv,
                db: {
                    type: "sqlite-pvc",
                    pvc: dropUndefined({
                        storage: cfg.hubDb.capacity,
                        storageClassName: dbStorageClass,
                        // Helm keeps the database volume when the release is uninstalled.
                        annotations: prod ? { "helm.sh/resource-policy": "keep" } : undefined,
                    }),
                },
                networkPolicy: noCloudMetadata,
                podSecurityContext: { fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                containerSecurityContext: restrictedContainer(1000),
            },
            proxy: {
                service: cfg.exposure === "nodePort" ? { type: "NodePort", nodePorts: dropUndefined({ http: cfg.nodePort }) } : { type: "ClusterIP" },
                chp: {
                    extraEnv: proxyTokenEnv,
                    networkPolicy: noCloudMetadata,
                    containerSecurityContext: restrictedContainer(65534),
                },
            },
            singleuser: {
                image: splitImage(su.image),
                defaultUrl: su.defaultUrl,
                extraEnv: { JUPYTERHUB_SINGLEUSER_APP: "jupyter_server.serverapp.ServerApp" },
                cpu: dropUndefined({ limit: cpuCores(su.cpu.limit), guarantee: cpuCores(su.cpu.guarantee) }),
                memory: dropUndefined({ limit: su.memory.limit, guarantee: su.memory.guarantee }),
                storage: { type: "dynamic", capacity: su.storage.capacity, dynamic: dropUndefined({ storageClass }) },
                // Block the cloud metadata server with the NetworkPolicy, not the privileged iptables init container.
                cloudMetadata: { blockWithIptables: false, ip: "169.254.169.254" },
                networkPolicy: { enabled: true, egressAllowRules: { cloudMetadataServer: false, privateIPs: false } },
                allowPrivilegeEscalation: false,
                uid: 1000,
                fsGid: 100,
            },
            ingress: ingress
                ? {
                      enabled: true,
                      ingressClassName: className,
                      hosts: [cfg.host],
                      pathType: "Prefix",
                      tls: tls ? [{ hosts: [cfg.host], secretName: certSecretName }] : [],
                  }
                : { enabled: false },
        };

        const offload = args.offload;
        const values = pulumi
            .all([pulumi.output(offload?.profiles ?? [])])
            .apply(([offloadProfiles]) => {
                const profileList = [...su.profiles.map(kubespawnerProfile), ...(offloadProfiles as Values[])];
                const withProfiles = profileList.length > 0 ? deepMerge(baseValues, { singleuser: { profileList } }) : baseValues;
                return offload ? deepMerge(withProfiles, offload.hubValues) : withProfiles;
            });

        // TLS: a cert-manager Certificate for the host; the chart's Ingress serves its Secret.
        if (tls) {
            new k8s.apiextensions.CustomResource(
                `${name}-certificate`,
                {
                    apiVersion: "cert-manager.io/v1",
                    kind: "Certificate",
                    metadata: { name: certSecretName, namespace, labels: appLabels("jupyterhub", { instance: args.releaseName }) },
                    spec: { secretName: certSecretName, dnsNames: [cfg.host], issuerRef: { kind: "ClusterIssuer", name: issuer, group: "cert-manager.io" } },
                },
                { ...childOpts, dependsOn: args.issuerReady ?? [] },
            );
        }

        this.release = helmRelease(
            `${name}-release`,
            { name: args.releaseName, namespace, chart, values, timeoutSeconds: cfg.timeoutSeconds },
            {
                ...childOpts,
                // The hub database lives in the release's volume: keep it even if the stack is destroyed.
                protect: prod,
                retainOnDelete: prod,
                dependsOn: [hubSecret, ...(args.storageReady ?? []), ...(ingress ? (args.ingressReady ?? []) : []), ...(offload?.dependsOn ?? [])],
            },
        );

        this.registerOutputs({ url: this.url, adminPassword: this.adminPassword, hubSecretName: this.hubSecretName });
    }
}
