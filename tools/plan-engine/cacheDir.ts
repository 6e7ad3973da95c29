import * as path from "node:path";
import { findProjectDir } from "../../program/projectDir";

/**
 * The plan's on-disk cache (derived reference data, compiled validators, rendered Helm charts):
 * env `PLAN_CACHE_DIR`, default `node_modules/.cache/research-platform` (git-ignored, emptied by
 * `npm ci`). Every entry is named by a hash of everything it was made from, so nothing needs
 * invalidating and `rm -rf` of the folder is always safe.
 */
export function planCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.PLAN_CACHE_DIR ? path.resolve(env.PLAN_CACHE_DIR) : path.join(findProjectDir(__dirname), "node_modules", ".cache", "research-platform");
}
