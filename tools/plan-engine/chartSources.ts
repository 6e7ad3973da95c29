/**
 * Where a release's chart comes from for rendering: a local source folder, else the chart's
 * repository (`helm pull` into a cache outside the checkout), for users with network access.
 *
 *   1. `CHART_SOURCE_DIR` (default `../shared/reference/chart-src` beside the project):
 *      `<chart>-<version>/` holding the chart with its dependencies unpacked under `charts/`.
 *   2. `<user cache>/charts/<chart>-<version>/<chart>/`, a chart pulled before.
 *   3. `helm pull <chart> --repo <repository> --version <version> --untar` into that cache, unless
 *      pulling is off (`PLAN_CHART_PULL=0`).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { createHash } from "node:crypto";
import { userCacheRoot } from "./helmBinary";
import type { HelmRecord } from "./types";

export interface ChartSourceDir {
    dir: string;
    /** Whether the folder was given (`CHART_SOURCE_DIR`) or is the default. */
    given: boolean;
    exists: boolean;
}

export function chartSourceDir(projectDir: string, env: NodeJS.ProcessEnv = process.env): ChartSourceDir {
    const given = !!env.CHART_SOURCE_DIR;
    const dir = given ? path.resolve(env.CHART_SOURCE_DIR!) : path.resolve(projectDir, "..", "shared", "reference", "chart-src");
    let exists = false;
    try {
        exists = fs.statSync(dir).isDirectory();
    } catch {
        // absent
    }
    return { dir, given, exists };
}

export type LocatedChart = { dir: string; from: "local" | "pulled" } | { missing: string };

function isChart(dir: string): boolean {
    return fs.existsSync(path.join(dir, "Chart.yaml"));
}

export function pulledChartDir(h: Pick<HelmRecord, "chart" | "version">, env: NodeJS.ProcessEnv = process.env): string {
    return path.join(userCacheRoot(env), "charts", `${h.chart}-${h.version}`, h.chart);
}

/** Seconds a `helm pull` may take before the plan gives up on it. */
const PULL_TIMEOUT_MS = 60_000;

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ status: number | null; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], timeout: timeoutMs });
        let stderr = "";
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", (e) => resolve({ status: null, stderr: e.message }));
        child.on("close", (status) => resolve({ status, stderr }));
    });
}

/** The chart's folder: local sources, a chart pulled before, or one pulled now. */
export async function locateChart(h: HelmRecord, sources: ChartSourceDir, helm: string | undefined, opts: { pull: boolean; env?: NodeJS.ProcessEnv }): Promise<LocatedChart> {
    const env = opts.env ?? process.env;
    const local = path.join(sources.dir, `${h.chart}-${h.version}`);
    // The real path: a folder of symlinks to the sources shares their render cache entries.
    if (sources.exists && isChart(local)) return { dir: fs.realpathSync(local), from: "local" };
    const pulled = pulledChartDir(h, env);
    if (isChart(pulled)) return { dir: pulled, from: "pulled" };
    const notLocal = sources.exists ? `no ${h.chart}-${h.version}/ in ${sources.dir}` : `no chart sources at ${sources.dir}${sources.given ? "" : " (set CHART_SOURCE_DIR)"}`;
    if (!opts.pull) return { missing: `${notLocal}, and pulling is off (PLAN_CHART_PULL=0)` };
    if (!helm) return { missing: notLocal };
    if (!h.repository) return { missing: `${notLocal}, and the release names no repository to pull from` };
    // Pull into a fresh folder beside the cache entry, then rename it into place.
    const parent = path.dirname(pulled);
    fs.mkdirSync(parent, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(parent, `.pull-${createHash("sha256").update(h.repository).digest("hex").slice(0, 8)}-`));
    try {
        const r = await run(helm, ["pull", h.chart, "--repo", h.repository, "--version", h.version, "--untar", "--untardir", tmp], PULL_TIMEOUT_MS);
        if (r.status !== 0 || !isChart(path.join(tmp, h.chart))) {
            const why = r.status === null && !r.stderr ? `timed out after ${PULL_TIMEOUT_MS / 1000} s` : r.stderr.trim().split("\n").pop() || `exit ${r.status}`;
            return { missing: `${notLocal}, and \`helm pull ${h.chart} --repo ${h.repository} --version ${h.version}\` failed: ${why}` };
        }
        try {
            fs.renameSync(path.join(tmp, h.chart), pulled);
        } catch {
            // Another plan pulled it meanwhile: use theirs.
            if (!isChart(pulled)) throw new Error(`could not move the pulled chart into ${pulled}`);
        }
        return { dir: pulled, from: "pulled" };
    } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
    }
}

/**
 * A fingerprint of a chart folder, part of each render's cache key, so that editing a local chart
 * source renders it again: the relative path, size and modification time of the chart's own files
 * and of each bundled subchart's Chart.yaml (a subchart's other files are not looked at: a
 * `<chart>-<version>` folder is not edited in place; after editing one, `rm -rf` the cache).
 * Stat only, no reads.
 */
export function chartFingerprint(dir: string): string {
    const rows: string[] = [];
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const file = path.join(d, e.name);
            if (e.isDirectory()) {
                if (path.relative(dir, file) === "charts") {
                    for (const sub of fs.readdirSync(file, { withFileTypes: true })) stat(sub.isDirectory() ? path.join(file, sub.name, "Chart.yaml") : path.join(file, sub.name));
                } else walk(file);
            } else if (e.isFile()) stat(file);
        }
    };
    const stat = (file: string) => {
        try {
            const st = fs.statSync(file);
            rows.push(`${path.relative(dir, file)}\0${st.size}\0${Math.round(st.mtimeMs)}`);
        } catch {
            // a subchart folder without Chart.yaml: Helm will say so
        }
    };
    walk(dir);
    const h = createHash("sha256");
    for (const row of rows.sort()) h.update(row).update("\n");
    return h.digest("hex");
}
