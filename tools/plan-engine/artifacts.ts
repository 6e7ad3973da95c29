/**
 * Writes a rendered plan into its folder (the offline plan's `--out`, default `plan/<stack>/`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readTextIfExists } from "./files";

/**
 * The list of files the last plan wrote into a folder, one relative path per line: a re-plan
 * removes exactly those it no longer has, and never a file it did not write.
 */
export const WRITTEN_LIST = ".plan-files";

function previouslyWritten(outDir: string): string[] {
    const text = readTextIfExists(path.join(outDir, WRITTEN_LIST));
    if (text === undefined) return [];
    return text
        .split("\n")
        .filter((l) => l !== "")
        // Only paths inside the folder: a damaged or hand-edited list can never reach outside it.
        .filter((rel) => !path.isAbsolute(rel) && !path.normalize(rel).startsWith(".."));
}

/** Remove `dir` and its parents up to (not including) `outDir` while they are empty. */
function removeEmptyParents(outDir: string, dir: string): void {
    for (let d = dir; d.startsWith(outDir + path.sep); d = path.dirname(d)) {
        if (!fs.existsSync(d) || fs.readdirSync(d).length > 0) return;
        fs.rmdirSync(d);
    }
}

/**
 * Write the artifacts into `outDir`: files whose content is unchanged are left alone (a re-plan
 * of a large federation rewrites thousands of identical files otherwise), files the last plan
 * wrote and this one does not are removed (with the folders they leave empty), and nothing else in
 * the folder is touched, wherever it is.
 */
export function writeArtifacts(outDir: string, files: ReadonlyMap<string, string>): void {
    fs.mkdirSync(outDir, { recursive: true });
    for (const rel of previouslyWritten(outDir)) {
        if (files.has(rel)) continue;
        const file = path.join(outDir, rel);
        fs.rmSync(file, { force: true });
        removeEmptyParents(outDir, path.dirname(file));
    }
    for (const dir of new Set([...files.keys()].map((rel) => path.dirname(path.join(outDir, rel))))) fs.mkdirSync(dir, { recursive: true });
    for (const [rel, content] of files) {
        const file = path.join(outDir, rel);
        if (readTextIfExists(file) !== content) fs.writeFileSync(file, content);
    }
    const list = `${[...files.keys()].sort().join("\n")}\n`;
    if (readTextIfExists(path.join(outDir, WRITTEN_LIST)) !== list) fs.writeFileSync(path.join(outDir, WRITTEN_LIST), list);
}
