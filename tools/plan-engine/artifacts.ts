/**
 * Writes a rendered plan into its folder (the offline plan's `--out`, default `plan/<stack>/`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readTextIfExists } from "./files";

/** The artifacts a plan folder holds: everything else in the folder is left alone. */
const ARTIFACTS = ["resources.json", "graph.mmd", "summary.md", "manifests", "helm"];

/**
 * Write the artifacts into `outDir`: files whose content is unchanged are left alone (a re-plan
 * of a large federation rewrites thousands of identical files otherwise), files and folders the
 * plan no longer has are removed, and nothing outside the artifacts is touched.
 */
export function writeArtifacts(outDir: string, files: ReadonlyMap<string, string>): void {
    fs.mkdirSync(outDir, { recursive: true });
    for (const a of ARTIFACTS) {
        const top = path.join(outDir, a);
        if (!fs.existsSync(top)) continue;
        if (!fs.statSync(top).isDirectory()) {
            if (!files.has(a)) fs.rmSync(top);
            continue;
        }
        const entries = fs.readdirSync(top, { recursive: true, withFileTypes: true });
        for (const e of entries) {
            const rel = path.relative(outDir, path.join(e.parentPath, e.name));
            if (!e.isDirectory() && !files.has(rel)) fs.rmSync(path.join(outDir, rel));
        }
        // Folders left empty, deepest first.
        const dirs = entries.filter((e) => e.isDirectory()).map((e) => path.join(e.parentPath, e.name));
        for (const d of [...dirs, top].sort((x, y) => y.length - x.length)) if (fs.readdirSync(d).length === 0) fs.rmdirSync(d);
    }
    for (const dir of new Set([...files.keys()].map((rel) => path.dirname(path.join(outDir, rel))))) fs.mkdirSync(dir, { recursive: true });
    for (const [rel, content] of files) {
        const file = path.join(outDir, rel);
        if (readTextIfExists(file) !== content) fs.writeFileSync(file, content);
    }
}
