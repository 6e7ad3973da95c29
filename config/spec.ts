import type { KubernetesConfig } from "./kubernetes";

/**
 * The shapes every component config uses to take part in validation, without knowing the other
 * components: its user-supplied secrets and its checks across components. Each is typed by what
 * it reads of the platform's settings (`S`): the component's own settings plus the few settings
 * of others it looks at, declared where the check is. The assembler (`schema.ts`) lists them
 * against the whole settings, so the compiler checks that everything a check reads exists.
 */

/** Reports a problem at a config path (below the project namespace): what is wrong and how to fix it. */
export type Report = (path: PropertyKey[], problem: string, fix: string) => void;

/**
 * A user-supplied secret: a top-level config key whose name ends in `ClientSecret`, `Password`
 * or `Token`, set with `pulumi config set --secret`. It is read (with `getSecret`) only when
 * `requiredWhen` says the enabled components need it. When the settings are invalid,
 * `requiredWhen` sees the raw input: read it defensively (`cfg.x?.enabled === true`).
 */
export interface SecretSpec<S> {
    key: string;
    description: string;
    requiredWhen: (cfg: S) => boolean;
}

/** A check across components, run after every component's own schema has passed. */
export type CrossCheck<S> = (cfg: S, report: Report) => void;

/** What a check reads of a component that it only needs to know is on. */
export interface Enabled {
    enabled: boolean;
}

/** What checks read of the cluster's settings (`kubernetes`): its distribution and environment. */
export type ClusterFacts = Pick<KubernetesConfig, "distribution" | "environment">;
