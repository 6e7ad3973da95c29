import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../../config";
import type { JupyterhubConfig } from "../../../config/jupyterhub";
import { chartAt } from "../../charts";
import { helmRelease } from "../../k8s/helmRelease";
import { appLabels } from "../../k8s/labels";
import { podSecurityNamespace } from "../../k8s/namespace";
import { policyException } from "../../k8s/policyException";
import type { HubOffload } from "../hubOffload";
import { authenticator } from "./auth";
import { chartValues } from "./chartValues";
import { hubSecret } from "./hubSecret";

export { HUB_SECRET_KEYS } from "./hubSecret";

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

        // Exposure: through the platform's (or a named) ingress with TLS from a ClusterIssuer, or a NodePort.
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

        // The authenticator, and the hub's secrets in one Secret the chart reads by name.
        const auth = authenticator(this, name, cfg, publicUrl, args.oauthClientSecret);
        this.adminPassword = auth.adminPassword;
        this.hubSecretName = `${args.releaseName}-hub-secrets`;
        const { secret, checksum: hubSecretChecksum } = hubSecret(this, name, { secretName: this.hubSecretName, namespace, authSecretValues: auth.authSecretValues, prod, childOpts });

        // The chart's values, with the profiles and hub values an offload target adds.
        const certSecretName = `${args.releaseName}-tls`;
        const values = chartValues({
            cfg,
            prod,
            hubConfig: auth.hubConfig,
            hubSecretName: this.hubSecretName,
            hubSecretChecksum,
            certSecretName,
            ingress,
            tls,
            className,
            storageClass: cfg.singleuser.storage.storageClass ?? args.storageClassName,
            dbStorageClass: cfg.hubDb.storageClass ?? args.storageClassName,
            offload: args.offload,
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
                dependsOn: [secret, ...(args.storageReady ?? []), ...(ingress ? (args.ingressReady ?? []) : []), ...(args.offload?.dependsOn ?? [])],
            },
        );

        this.registerOutputs({ url: this.url, adminPassword: this.adminPassword, hubSecretName: this.hubSecretName });
    }
}
