/** What tests/diracx.test.ts and tests/diracx.config.test.ts share: constants and helpers. */
import { Run, TestResource, runProgram } from "./harness";

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const SECRET = "kubernetes:core/v1:Secret";
export const NAMESPACE = "kubernetes:core/v1:Namespace";

/** DiracX on, with the platform's ingress controller and cert-manager (the cross-check needs them). */
export const ON = ["diracx.enabled=true", "ingress.enabled=true", "certManager.enabled=true"];

/** User-supplied secrets with recognisable values, to hunt for in values and ConfigMaps. */
export const SENTINELS = {
    diracxMysqlPassword: "SentinelMysqlUserPw0001",
    diracxMysqlRootPassword: "SentinelMysqlRootPw0002",
    diracxOpensearchPassword: "SentinelOpensearchPw0003",
    diracxS3ClientSecret: "SentinelS3SecretKey0004",
};
export const SENTINEL_SECRETS = Object.entries(SENTINELS).map(([k, v]) => `${k}=${v}`);

/**
 * Values the chart only accepts inline, where a generated secret unavoidably appears in the
 * Release values (documented in docs/diracx.md). Keep this list short.
 */
export const UNAVOIDABLE_SECRET_VALUE_PATHS = ["seaweedfs.config.configMap.data.seaweedfs-s3.json"];

export const dev = (set: string[] = []) => runProgram({ stack: "dev", set: [...ON, ...set] });
export const prod = (set: string[] = []) => runProgram({ stack: "prod", set: [...ON, ...set], secrets: SENTINEL_SECRETS, placeholderSecrets: true });

export function release(run: Run): TestResource {
    return run.one(RELEASE, "diracx");
}
export function values(run: Run) {
    return release(run).inputs.values;
}

/** Every leaf of a values tree as [path segments, value]; arrays and nulls are leaves. */
export function leaves(v: unknown, at: string[] = []): [string[], unknown][] {
    if (v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length > 0) {
        return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => leaves(x, [...at, k]));
    }
    return [[at, v]];
}

/** The secret strings the program delivers: each Secret's values, split into password-like atoms, plus the user's secrets. */
export function secretAtoms(run: Run): Set<string> {
    const atoms = new Set<string>(Object.values(SENTINELS));
    for (const s of run.all(SECRET)) {
        for (const [k, v] of Object.entries(s.inputs.stringData ?? {})) {
            if (k === "admin-user") continue;
            for (const atom of String(v).split(/[^A-Za-z0-9+/=]+/)) if (atom.length >= 16) atoms.add(atom);
        }
    }
    return atoms;
}

/** Paths of the Release values whose text contains a secret atom. */
export function leakedPaths(run: Run): string[] {
    const atoms = [...secretAtoms(run)];
    return leaves(values(run))
        .filter(([, v]) => {
            const text = typeof v === "string" ? v : JSON.stringify(v ?? null);
            return atoms.some((a) => text.includes(a));
        })
        .map(([p]) => p.join("."));
}
