/* global process, console, performance */
// Usage: node scripts/build.mjs [--force] [--run SCRIPT ARGS...]   (`npm run compile`; `plan` and `plan:diff` run through it,
// `bench` and the tests' setup before they start bin/)
//
// Emits the JavaScript that `pulumi up` and the offline plan run: every source that
// tsconfig.build.json includes, transpiled file by file into bin/ by esbuild (no type-check here:
// `npm run build` and `npm test` type-check with tsc). When no source changed since the last build,
// it does nothing but a stat of each source, so `npm run plan` costs what the plan costs.
//
// Every run that finishes leaves a fresh build: it writes bin/.build-stamp.json (the sources and
// when they were built), which the program's stale-build check reads, and removes compiled files
// whose source is gone (tsc never deletes outputs, and Node would load a leftover bin/x.js before
// a new bin/x/index.js).
import * as fs from "node:fs";
import * as path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin");
const stampFile = path.join(bin, ".build-stamp.json");
const tsconfigFile = path.join(root, "tsconfig.build.json");

/** The `include` patterns of tsconfig.build.json (JSON with `//` comments). */
function includePatterns() {
    const text = fs.readFileSync(tsconfigFile, "utf8").replace(/^\s*\/\/.*$/gm, "");
    return JSON.parse(text).include;
}

/** Source files (relative, sorted) the patterns name: `dir/**\/*.ts` or a single file. */
function sources() {
    const out = [];
    const walk = (rel) => {
        for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
            const p = path.join(rel, e.name);
            if (e.isDirectory()) walk(p);
            else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(p);
        }
    };
    for (const pattern of includePatterns()) {
        const m = /^(.*)\/\*\*\/\*\.ts$/.exec(pattern);
        if (m) {
            if (fs.existsSync(path.join(root, m[1]))) walk(m[1]);
        } else if (fs.existsSync(path.join(root, pattern))) {
            out.push(pattern);
        }
    }
    return [...new Set(out)].sort();
}

function readStamp() {
    try {
        return JSON.parse(fs.readFileSync(stampFile, "utf8"));
    } catch {
        return undefined;
    }
}

const outputOf = (src) => path.join(bin, src.replace(/\.ts$/, ".js"));

/** Whether bin/ holds a build of exactly these sources, none changed since. */
function fresh(list, stamp) {
    if (!stamp || stamp.sources.length !== list.length || stamp.sources.some((s, i) => s !== list[i])) return false;
    if (fs.statSync(tsconfigFile).mtimeMs > stamp.builtAtMs) return false;
    return list.every((s) => fs.statSync(path.join(root, s)).mtimeMs <= stamp.builtAtMs && fs.existsSync(outputOf(s)));
}

/** Remove compiled files in bin/ whose source is not among `list`; returns how many. */
function pruneOrphans(list) {
    if (!fs.existsSync(bin)) return 0;
    const keep = new Set(list.map((s) => s.replace(/\.ts$/, "")));
    let removed = 0;
    const prune = (dir) => {
        let empty = true;
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, e.name);
            if (e.isDirectory()) {
                if (prune(p)) fs.rmdirSync(p);
                else empty = false;
                continue;
            }
            const m = /^(.*)\.(js|js\.map|d\.ts)$/.exec(path.relative(bin, p));
            if (m && !keep.has(m[1])) {
                fs.rmSync(p);
                removed++;
            } else {
                empty = false;
            }
        }
        return empty;
    };
    prune(bin);
    return removed;
}

async function main() {
    const at = process.argv.indexOf("--run");
    const force = process.argv.slice(0, at < 0 ? undefined : at).includes("--force");
    const list = sources();
    if (!force && fresh(list, readStamp())) return 0;

    // Stamp time first: a source saved while esbuild runs is newer than the stamp, so the next run rebuilds.
    const builtAtMs = Date.now();
    const esbuild = await import("esbuild");
    const started = performance.now();
    const result = await esbuild.build({
        entryPoints: list.map((s) => path.join(root, s)),
        outdir: bin,
        outbase: root,
        format: "cjs",
        platform: "node",
        target: "node20",
        sourcemap: true,
        bundle: false,
        logLevel: "silent",
    });
    for (const w of result.warnings) console.error(`build: warning: ${w.text}${w.location ? ` (${w.location.file}:${w.location.line})` : ""}`);
    const removed = pruneOrphans(list);
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(stampFile, `${JSON.stringify({ builtAtMs, sources: list }, null, 1)}\n`);
    // The stamp's own mtime must not be older than builtAtMs (coarse filesystem clocks).
    const t = new Date(Math.max(builtAtMs, Date.now()));
    fs.utimesSync(stampFile, t, t);
    console.error(`build: ${list.length} sources into bin/ in ${Math.round(performance.now() - started)} ms${removed ? `; removed ${removed} compiled file${removed === 1 ? "" : "s"} whose source is gone` : ""}`);
    return 0;
}

/**
 * `--run SCRIPT ARGS...` (what `npm run plan` and `plan:diff` use): once bin/ is fresh, run the
 * compiled SCRIPT as this process's main module with ARGS, instead of starting a second Node (a
 * Node start is a twentieth of a plan).
 */
function runAfterBuild() {
    const at = process.argv.indexOf("--run");
    if (at < 0) return false;
    const script = path.resolve(root, process.argv[at + 1]);
    process.argv = [process.argv[0], script, ...process.argv.slice(at + 2)];
    createRequire(import.meta.url)("node:module").runMain();
    return true;
}

main().then(
    (code) => {
        if (code !== 0 || !runAfterBuild()) process.exit(code);
    },
    (e) => {
        // esbuild's errors name file, line and column; a syntax error is the user's to fix.
        const errors = e && Array.isArray(e.errors) ? e.errors : undefined;
        if (errors) {
            for (const err of errors) console.error(`build: ${err.location ? `${path.relative(root, err.location.file)}:${err.location.line}:${err.location.column}: ` : ""}${err.text}`);
        } else {
            console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
        }
        process.exit(1);
    },
);
