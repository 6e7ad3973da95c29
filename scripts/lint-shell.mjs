/* global process, console */
// `npm run lint` part 2: shellcheck over every shell script. shellcheck is not an npm package (the
// npm wrapper downloads it from GitHub), so a machine without it skips this with a note; CI
// (env CI set, as .ci/run and GitHub Actions do) installs it and fails without it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const scripts = fs
    .readdirSync(path.join(root, "scripts"))
    .filter((f) => f.endsWith(".sh"))
    .sort()
    .map((f) => path.join("scripts", f));

const version = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
if (version.error || version.status !== 0) {
    const how = "install it (Debian/Ubuntu: apt-get install -y shellcheck; macOS: brew install shellcheck)";
    if (process.env.CI) {
        console.error(`lint-shell: shellcheck is required in CI and is not installed: ${how}`);
        process.exit(1);
    }
    console.log(`lint-shell: shellcheck is not installed, so ${scripts.length} shell scripts were not linted (CI lints them); to lint here, ${how}`);
    process.exit(0);
}
const r = spawnSync("shellcheck", ["-x", ...scripts], { cwd: root, stdio: "inherit" });
if (r.status === 0) console.log(`lint-shell: ${scripts.length} shell scripts pass shellcheck`);
process.exit(r.status ?? 1);
