/**
 * Mocha global setup (runs once, before the parallel workers start): compile the program and the
 * tools, as `npm run plan` does, so the tests that run the compiled command line find it built and
 * their own (incremental, then no-op) compiles never write bin/ while another test reads it.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

export function mochaGlobalSetup(): void {
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, [path.join(root, "node_modules", "typescript", "bin", "tsc"), "-p", path.join(root, "tsconfig.build.json")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`npm run compile failed:\n${r.stdout}${r.stderr}`);
}
