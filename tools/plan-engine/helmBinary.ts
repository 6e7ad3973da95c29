/**
 * Which Helm the offline plan renders charts with: `HELM_BIN`, else the pinned version in the
 * cache that `scripts/install-helm.sh` fills, else `helm` on PATH.
 *
 * The pinned version is the Helm library the Kubernetes provider of `@pulumi/kubernetes` embeds
 * (docs/helm-rendering.md cites it), so that `helm template` renders what a `helm.v3.Release`
 * installs under `pulumi up`. A Helm of another version still renders; the plan says which one it
 * used, and the version is part of every render's cache key.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The pinned Helm (the same as `HELM_VERSION` in scripts/install-helm.sh; a test checks they agree). */
export const HELM_VERSION = "v3.20.2";

export interface HelmBinary {
    path: string;
    /** What `helm version` reports, e.g. `v3.20.2`. */
    version: string;
    /** Where it was found. */
    from: "HELM_BIN" | "cache" | "PATH";
}

/** The cache root of this project's tools outside the checkout: `$RESEARCH_PLATFORM_CACHE`, else `$XDG_CACHE_HOME/research-platform`, else `~/.cache/research-platform`. */
export function userCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
    if (env.RESEARCH_PLATFORM_CACHE) return path.resolve(env.RESEARCH_PLATFORM_CACHE);
    const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(env.HOME || os.homedir(), ".cache");
    return path.join(base, "research-platform");
}

/** Where `scripts/install-helm.sh` puts the pinned Helm. */
export function cachedHelmPath(env: NodeJS.ProcessEnv = process.env): string {
    return path.join(userCacheRoot(env), "helm", HELM_VERSION, "helm");
}

function executable(file: string): boolean {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        return fs.statSync(file).isFile();
    } catch {
        return false;
    }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        const file = path.join(dir, name);
        if (executable(file)) return file;
    }
    return undefined;
}

/** `helm version` of a binary, remembered by path, size and modification time, in memory and on disk (a spawn costs tens of milliseconds). */
const versions = new Map<string, string | undefined>();

function helmVersion(file: string, env: NodeJS.ProcessEnv): string | undefined {
    const st = fs.statSync(file);
    const key = createHash("sha256").update(`${file}\0${st.size}\0${st.mtimeMs}`).digest("hex").slice(0, 32);
    if (versions.has(key)) return versions.get(key);
    const memo = path.join(userCacheRoot(env), "helm", "versions", key);
    let version: string | undefined;
    try {
        version = fs.readFileSync(memo, "utf8").trim() || undefined;
    } catch {
        const r = spawnSync(file, ["version", "--template", "{{.Version}}"], { encoding: "utf8", timeout: 20_000 });
        version = r.status === 0 && /^v\d/.test(r.stdout.trim()) ? r.stdout.trim() : undefined;
        if (version) {
            try {
                fs.mkdirSync(path.dirname(memo), { recursive: true });
                fs.writeFileSync(memo, version);
            } catch {
                // a read-only cache: ask again next time
            }
        }
    }
    versions.set(key, version);
    return version;
}

/** The Helm to render with, or why there is none. */
export function findHelm(env: NodeJS.ProcessEnv = process.env): HelmBinary | { missing: string } {
    const candidates: [string | undefined, HelmBinary["from"]][] = env.HELM_BIN
        ? [[path.resolve(env.HELM_BIN), "HELM_BIN"]]
        : [
              [cachedHelmPath(env), "cache"],
              [onPath("helm", env), "PATH"],
          ];
    for (const [file, from] of candidates) {
        if (!file || !executable(file)) {
            if (from === "HELM_BIN") return { missing: `HELM_BIN=${env.HELM_BIN} is not an executable file` };
            continue;
        }
        const version = helmVersion(file, env);
        if (!version) {
            if (from === "HELM_BIN") return { missing: `HELM_BIN=${env.HELM_BIN} does not answer \`helm version\`` };
            continue;
        }
        if (!version.startsWith("v3.")) {
            if (from === "HELM_BIN") return { missing: `HELM_BIN=${env.HELM_BIN} is Helm ${version}; the plan renders with Helm 3 (${HELM_VERSION})` };
            continue;
        }
        return { path: file, version, from };
    }
    return { missing: `no Helm found (HELM_BIN unset, nothing at ${cachedHelmPath(env)}, no helm 3 on PATH); install Helm ${HELM_VERSION} with \`bash scripts/install-helm.sh\`` };
}
