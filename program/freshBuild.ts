import * as fs from "node:fs";
import * as path from "node:path";

const SOURCE_DIRS = ["program", "config", "components"];

/** What `scripts/build.mjs` records after every build: the sources it compiled, and when. */
interface BuildStamp {
    builtAtMs: number;
    sources: string[];
}

function readStamp(binDir: string): BuildStamp | undefined {
    try {
        const stamp = JSON.parse(fs.readFileSync(path.join(binDir, ".build-stamp.json"), "utf8")) as BuildStamp;
        return typeof stamp.builtAtMs === "number" && Array.isArray(stamp.sources) ? stamp : undefined;
    } catch {
        return undefined;
    }
}

/**
 * Compiled program files whose source is gone (moved or deleted). tsc never deletes outputs, and
 * Node loads a leftover `bin/x.js` before a new `bin/x/index.js`: after `x.ts` became a folder,
 * the program would still run the old file. `npm run compile` removes them (scripts/build.mjs).
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
 * yesterday's program. The message names the command that fixes it.
 */
export function staleBuildProblem(compiledEntry: string, projectDir: string): string | undefined {
    if (!compiledEntry.endsWith(".js")) return undefined; // running from source (tests, tsx)
    const binDir = path.dirname(compiledEntry);
    const fix = "run `npm run compile` (it rebuilds bin/ from the sources)";
    const stamp = readStamp(binDir);
    if (!stamp) return `bin/ was not built by \`npm run compile\` (no bin/.build-stamp.json): ${fix}`;
    for (const source of stamp.sources) {
        const file = path.join(projectDir, source);
        if (!fs.existsSync(file)) return `${source} was compiled into bin/ but no longer exists: ${fix}`;
        if (fs.statSync(file).mtimeMs > stamp.builtAtMs) return `${source} is newer than the compiled program in bin/: ${fix}`;
    }
    const gone = orphans(compiledEntry, projectDir);
    return gone.length > 0 ? `bin/${gone[0]}${gone.length > 1 ? ` and ${gone.length - 1} more no longer have` : " no longer has"} a TypeScript source but would still be loaded: ${fix}` : undefined;
}
