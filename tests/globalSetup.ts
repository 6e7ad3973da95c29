/**
 * Mocha global setup (runs once, before the parallel workers start):
 * - build bin/ as `npm run compile` does, so the tests that run the compiled command line find it
 *   built and never see bin/ written while another test reads it;
 * - say once, when the upstream reference data is absent, what that skips (the tests that need it
 *   skip without a word; see referenceData.ts);
 * - give the run a temporary folder of its own (TMPDIR, which the workers and every process they
 *   start inherit, so `os.tmpdir()` is inside it), removed with everything in it when the run ends:
 *   the tests' scratch folders and plans do not pile up in the machine's /tmp.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceNote } from "./referenceData";

let runTmp: string | undefined;

export function mochaGlobalSetup(): void {
    runTmp = fs.mkdtempSync(path.join(os.tmpdir(), "research-platform-tests-"));
    process.env.TMPDIR = runTmp;
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run compile failed:\n${r.stdout}${r.stderr}`);
    const note = referenceNote();
    if (note) console.log(`${note}\n`);
}

export function mochaGlobalTeardown(): void {
    if (runTmp) fs.rmSync(runTmp, { recursive: true, force: true });
}
