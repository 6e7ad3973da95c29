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
 * `pulumi up` runs the compiled `bin/index.js`. Refuse to deploy JavaScript older than its
 * TypeScript sources: that would silently deploy yesterday's program.
 */
export function staleBuildProblem(compiledEntry: string, projectDir: string): string | undefined {
    if (!compiledEntry.endsWith(".js")) return undefined; // running from source (tests, tsx)
    // An incremental build rewrites only what changed, but always its build info: that is the stamp.
    const buildInfo = path.join(path.dirname(compiledEntry), ".tsbuildinfo");
    const built = fs.statSync(fs.existsSync(buildInfo) ? buildInfo : compiledEntry).mtimeMs;
    const newest = newestSource(projectDir);
    return newest.mtimeMs > built
        ? `${path.relative(projectDir, newest.file)} is newer than the compiled program in bin/: run \`npm run compile\` before \`pulumi up\``
        : undefined;
}
