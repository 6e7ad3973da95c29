/* global console */
// Usage: node scripts/prune-bin.mjs     (run by `npm run compile`, `plan`, `plan:diff`, `bench` and the tests before tsc)
// Removes compiled files in bin/ whose TypeScript source no longer exists. tsc never deletes
// outputs, and Node resolves `./x` to a leftover bin/x.js before a new bin/x/index.js: after a
// module became a folder (program.ts -> program/, components/apps/diracx.ts -> diracx/), the
// compiled program would otherwise keep loading the old file.
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = path.join(root, "bin");

/** The source of a compiled file (`bin/a/b.js`, `.js.map` or `.d.ts` -> `a/b.ts`), or undefined for anything else. */
function sourceOf(rel) {
    const m = /^(.*)\.(js|js\.map|d\.ts)$/.exec(rel);
    return m ? path.join(root, `${m[1]}.ts`) : undefined;
}

let removed = 0;
/** Remove stale outputs below `dir`; returns whether `dir` is empty afterwards. */
function prune(dir) {
    let empty = true;
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (prune(p)) fs.rmdirSync(p);
            else empty = false;
            continue;
        }
        const source = sourceOf(path.relative(bin, p));
        if (source && !fs.existsSync(source)) {
            fs.rmSync(p);
            removed++;
        } else empty = false;
    }
    return empty;
}

if (fs.existsSync(bin)) prune(bin);
if (removed > 0) console.error(`prune-bin: removed ${removed} compiled file${removed === 1 ? "" : "s"} whose source is gone`);
