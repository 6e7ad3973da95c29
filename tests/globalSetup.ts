/**
 * Mocha global setup (runs once, before the parallel workers start):
 * - build bin/ as `npm run compile` does, so the tests that run the compiled command line find it
 *   built and never see bin/ written while another test reads it;
 * - say once, when the upstream reference data is absent, what that skips (the tests that need it
 *   skip without a word; see referenceData.ts).
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { referenceNote } from "./referenceData";

export function mochaGlobalSetup(): void {
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run compile failed:\n${r.stdout}${r.stderr}`);
    const note = referenceNote();
    if (note) console.log(`${note}\n`);
}
