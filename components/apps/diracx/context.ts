/**
 * What every part of the DiracX component shares: its config, names, and how it makes children,
 * Secrets and generated passwords.
 */
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DiracxConfig } from "../../../config/diracx";
import { opaqueSecret } from "../../k8s/secret";

/** User-supplied secrets (from `SecretSpec`s) for the external services. */
export interface DiracxSecrets {
    mysqlPassword?: pulumi.Input<string>;
    mysqlRootPassword?: pulumi.Input<string>;
    opensearchPassword?: pulumi.Input<string>;
    s3ClientSecret?: pulumi.Input<string>;
}

/** Secrets the chart reads by fixed name: its init-secrets job creates each one only if it does not exist yet. */
export const CHART_SECRET_NAMES = {
    dynamic: "diracx-dynamic-secrets",
    sqlUrls: "diracx-sql-connection-urls",
    sqlRootUrls: "diracx-sql-root-connection-urls",
    osUrls: "diracx-os-connection-urls",
    osRootUrls: "diracx-os-root-connection-urls",
} as const;

/** The chart's values as the parts fill them in, in the order the chart's values.yaml reads best. */
export interface ChartValues {
    values: Record<string, unknown>;
    /** `diracx.settings`: the DiracX services' environment. */
    settings: Record<string, unknown>;
}

export interface DiracxContext {
    cfg: DiracxConfig;
    prod: boolean;
    hostname: string;
    /** The namespace's name. */
    ns: string;
    /** The Helm release's name (the chart names its objects after it). */
    release: string;
    /** `https://<hostname>[:<httpsPort>]`: the web app, the API and the token issuer. */
    base: string;
    /** The component (parent of every child; the subject of warnings). */
    parent: pulumi.ComponentResource;
    child: { parent: pulumi.ComponentResource; provider: k8s.Provider };
    /** What holds or unlocks data: protected (and retained) in prod. */
    keep: { protect: boolean; retainOnDelete: boolean };
    randomOpts: { parent: pulumi.ComponentResource; protect: boolean };
    /** Options of a child in the namespace (which it waits for); set once the namespace exists. */
    inNs: pulumi.CustomResourceOptions;
    /** Every Secret made with `secret`: the release waits for them. */
    secrets: pulumi.Resource[];
    /** An Opaque Secret in the namespace (kept like data when `stateful`). */
    secret(resourceName: string, secretName: string, data: Record<string, pulumi.Input<string>>, stateful?: boolean): k8s.core.v1.Secret;
    /** A generated password (letters and digits). */
    password(resourceName: string, length?: number): random.RandomPassword;
}

export function diracxContext(parent: pulumi.ComponentResource, args: { config: DiracxConfig; environment: string; provider: k8s.Provider }): DiracxContext {
    const cfg = args.config;
    const prod = args.environment === "prod";
    const hostname = cfg.hostname;
    if (!hostname) throw new Error("diracx.hostname is required (the config schema checks this)");
    const child = { parent, provider: args.provider };
    const keep = { protect: prod, retainOnDelete: prod };
    const randomOpts = { parent, protect: prod };
    const d: DiracxContext = {
        cfg,
        prod,
        hostname,
        ns: cfg.namespace,
        release: cfg.releaseName,
        base: `https://${hostname}${cfg.httpsPort === 443 ? "" : `:${cfg.httpsPort}`}`,
        parent,
        child,
        keep,
        randomOpts,
        inNs: child,
        secrets: [],
        secret: (resourceName, secretName, data, stateful = false) => {
            const s = opaqueSecret(resourceName, { name: secretName, namespace: d.ns, app: "diracx", data }, { ...d.inNs, ...(stateful ? keep : {}) });
            d.secrets.push(s);
            return s;
        },
        password: (resourceName, length = 32) => new random.RandomPassword(resourceName, { length, special: false }, randomOpts),
    };
    return d;
}

/** A user-supplied secret the config requires (loadConfig has checked that it is set). */
export function required(value: pulumi.Input<string> | undefined, key: string): pulumi.Input<string> {
    if (value === undefined) throw new Error(`diracx: secret ${key} is required (loadConfig checks this)`);
    return value;
}
