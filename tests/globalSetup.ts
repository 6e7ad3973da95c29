/**
 * Mocha global setup (runs once, before the parallel workers start): compile the program and the
 * tools, as `npm run plan` does, so the tests that run the compiled command line find it built and
 * their own (incremental, then no-op) compiles never write bin/ while another test reads it.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export function mochaGlobalSetup(): void {
    const root = path.resolve(__dirname, "..");
    // As `npm run compile`: first remove compiled files whose source is gone (they would shadow moved modules).
    const pruned = spawnSync(process.execPath, [path.join(root, "scripts", "prune-bin.mjs")], { encoding: "utf8" });
    if (pruned.status !== 0) throw new Error(`scripts/prune-bin.mjs failed:\n${pruned.stdout}${pruned.stderr}`);
    const r = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(root, "tsconfig.build.json")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run compile failed:\n${r.stdout}${r.stderr}`);
}
