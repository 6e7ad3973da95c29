import type { PlatformSettings } from "./schema";

/**
 * A user-supplied secret: a top-level config key whose name ends in `ClientSecret`, `Password`
 * or `Token`, set with `pulumi config set --secret`. It is read (with `getSecret`) only when
 * `requiredWhen` says the enabled components need it.
 */
export interface SecretSpec {
    key: string;
    description: string;
    requiredWhen: (cfg: PlatformSettings) => boolean;
}

/** A check across components, run after every component's own schema has passed. */
export type CrossCheck = (cfg: PlatformSettings, report: (path: PropertyKey[], problem: string, fix: string) => void) => void;
