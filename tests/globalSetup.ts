/**
 * Mocha global setup (runs once, before the parallel workers start):
 * - build bin/ as `npm run compile` does, so the tests that run the compiled command line find it
 *   built and never see bin/ written while another test reads it;
 * - say once, when the upstream reference data is absent, what that skips (the tests that need it
 *   skip without a word; see referenceData.ts);
 * and, as root hooks around every test file in the workers (`mochaHooks`):
 * - give the file a temporary folder of its own (TMPDIR, so `os.tmpdir()` is inside it, and every
 *   process a test starts inherits it), removed with everything in it when the file is done: the
 *   tests' scratch folders and plans do not pile up in the machine's /tmp. Set once tsx is loaded,
 *   so its transform cache stays where it persists between runs.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceNote } from "./referenceData";

export function mochaGlobalSetup(): void {
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, [path.join(root, "scripts", "build.mjs")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run compile failed:\n${r.stdout}${r.stderr}`);
    const note = referenceNote();
    if (note) console.log(`${note}\n`);
}

const machineTmp = process.env.TMPDIR;
let fileTmp: string | undefined;

export const mochaHooks = {
    beforeAll(): void {
        fileTmp = fs.mkdtempSync(path.join(machineTmp ?? os.tmpdir(), "research-platform-test-"));
        process.env.TMPDIR = fileTmp;
    },
    afterAll(): void {
        if (machineTmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = machineTmp;
        if (fileTmp) fs.rmSync(fileTmp, { recursive: true, force: true });
        fileTmp = undefined;
    },
};
