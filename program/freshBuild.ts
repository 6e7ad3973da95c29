import * as fs from "node:fs";
import * as path from "node:path";

const SOURCE_DIRS = ["program", "config", "components"];
const SOURCE_FILES = ["index.ts"];

function newestSource(projectDir: string): { file: string; mtimeMs: number } {
    let newest = { file: "", mtimeMs: 0 };
    const consider = (file: string) => {
        const m = fs.statSync(file).mtimeMs;
        if (m > newest.mtimeMs) newest = { file, mtimeMs: m };
    };
    for (const f of SOURCE_FILES) if (fs.existsSync(path.join(projectDir, f))) consider(path.join(projectDir, f));
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".ts")) consider(p);
        }
    };
    for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(projectDir, d))) walk(path.join(projectDir, d));
    return newest;
}

/**
 * Compiled program files whose source is gone (moved or deleted). tsc never deletes outputs, and
 * Node loads a leftover `bin/x.js` before a new `bin/x/index.js`: after `x.ts` became a folder,
 * the program would still run the old file. `npm run compile` removes them (scripts/prune-bin.mjs).
 */
function orphans(compiledEntry: string, projectDir: string): string[] {
    const binDir = path.dirname(compiledEntry);
    const out: string[] = [];
    const consider = (js: string) => {
        const rel = path.relative(binDir, js);
        if (js !== compiledEntry && !fs.existsSync(path.join(projectDir, rel.replace(/\.js$/, ".ts")))) out.push(rel);
    };
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".js")) consider(p);
        }
    };
    for (const e of fs.readdirSync(binDir, { withFileTypes: true })) if (e.isFile() && e.name.endsWith(".js")) consider(path.join(binDir, e.name));
    for (const d of SOURCE_DIRS) if (fs.existsSync(path.join(binDir, d))) walk(path.join(binDir, d));
    return out.sort();
}

/**
 * `pulumi up` runs the compiled `bin/index.js`. Refuse to deploy JavaScript older than its
 * TypeScript sources, or compiled files whose source is gone: either would silently deploy
 * yesterday's program.
 */
export function staleBuildProblem(compiledEntry: string, projectDir: string): string | undefined {
    if (!compiledEntry.endsWith(".js")) return undefined; // running from source (tests, tsx)
    // An incremental build rewrites only what changed, but always its build info: that is the stamp.
    const buildInfo = path.join(path.dirname(compiledEntry), ".tsbuildinfo");
    const built = fs.statSync(fs.existsSync(buildInfo) ? buildInfo : compiledEntry).mtimeMs;
    const newest = newestSource(projectDir);
    if (newest.mtimeMs > built) return `${path.relative(projectDir, newest.file)} is newer than the compiled program in bin/: run \`npm run compile\` before \`pulumi up\``;
    const gone = orphans(compiledEntry, projectDir);
    return gone.length > 0
        ? `bin/${gone[0]}${gone.length > 1 ? ` and ${gone.length - 1} more no longer have` : " no longer has"} a TypeScript source but would still be loaded: run \`npm run compile\` (it removes them) before \`pulumi up\``
        : undefined;
}
