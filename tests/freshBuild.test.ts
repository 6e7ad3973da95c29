import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { staleBuildProblem } from "../program/freshBuild";
import { PROJECT_DIR } from "./harness";

describe("compiled program freshness: the stale-build check", () => {
    function project(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-"));
        fs.mkdirSync(path.join(dir, "components", "apps"), { recursive: true });
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\n");
        fs.writeFileSync(path.join(dir, "components", "apps", "hub.ts"), "");
        fs.writeFileSync(path.join(dir, "bin", "index.js"), "");
        return dir;
    }
    const stamp = (dir: string, builtAtMs: number, sources = ["components/apps/hub.ts"]) => fs.writeFileSync(path.join(dir, "bin", ".build-stamp.json"), JSON.stringify({ builtAtMs, sources }));
    const at = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds);
    const entry = (dir: string) => path.join(dir, "bin", "index.js");

    it("refuses to deploy JavaScript older than a TypeScript source, naming the file and the fix", () => {
        const dir = project();
        stamp(dir, 1_000_000);
        at(path.join(dir, "components", "apps", "hub.ts"), 2_000);
        assert.match(staleBuildProblem(entry(dir), dir) ?? "", /^components\/apps\/hub\.ts is newer than the compiled program in bin\/: run `npm run compile`/);
    });

    it("refuses a bin/ that no build stamped, and a compiled source that is gone, naming the fix", () => {
        const dir = project();
        assert.match(staleBuildProblem(entry(dir), dir) ?? "", /no bin\/\.build-stamp\.json.*run `npm run compile`/);
        stamp(dir, 5_000_000, ["components/apps/hub.ts", "components/apps/gone.ts"]);
        at(path.join(dir, "components", "apps", "hub.ts"), 1_000);
        assert.match(staleBuildProblem(entry(dir), dir) ?? "", /^components\/apps\/gone\.ts was compiled into bin\/ but no longer exists: run `npm run compile`/);
    });

    it("refuses compiled files whose source is gone (a module that became a folder would still load), naming them and the fix", () => {
        const dir = project();
        stamp(dir, 2_000_000);
        fs.mkdirSync(path.join(dir, "bin", "components", "apps", "hub"), { recursive: true });
        fs.writeFileSync(path.join(dir, "bin", "components", "apps", "hub.js"), "");
        fs.writeFileSync(path.join(dir, "bin", "components", "apps", "old.js"), "");
        fs.writeFileSync(path.join(dir, "bin", "program.js"), "");
        at(path.join(dir, "components", "apps", "hub.ts"), 1_000);
        assert.match(staleBuildProblem(entry(dir), dir) ?? "", /^bin\/components\/apps\/old\.js and 1 more no longer have a TypeScript source .*npm run compile/);
        fs.rmSync(path.join(dir, "bin", "components", "apps", "old.js"));
        fs.rmSync(path.join(dir, "bin", "program.js"));
        assert.equal(staleBuildProblem(entry(dir), dir), undefined);
    });

    it("accepts a fresh build, and never checks when running from source", () => {
        const dir = project();
        stamp(dir, 2_000_000);
        at(path.join(dir, "components", "apps", "hub.ts"), 1_000);
        assert.equal(staleBuildProblem(entry(dir), dir), undefined);
        assert.equal(staleBuildProblem(path.join(dir, "index.ts"), dir), undefined);
    });
});

describe("compiled program freshness: npm run compile and the plan on a copy of the project", () => {
    let dir: string;
    const run = (file: string, args: string[] = []) => spawnSync(process.execPath, [file, ...args], { cwd: dir, encoding: "utf8" });
    /** Set a file's mtime to now, content unchanged (what a branch switch or an editor's save does). */
    const touch = (rel: string) => {
        const t = new Date();
        fs.utimesSync(path.join(dir, rel), t, t);
    };

    before(function () {
        this.timeout(120_000);
        // A copy of the committed tree (what a branch switch rewrites), with this checkout's node_modules.
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-project-"));
        const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: PROJECT_DIR, encoding: "utf8" }).split("\0").filter((f) => f && fs.existsSync(path.join(PROJECT_DIR, f)));
        for (const f of files) {
            fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
            fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
        }
        fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
        const r = run("scripts/build.mjs");
        assert.equal(r.status, 0, r.stderr);
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a compile after touching a source (content unchanged, as a branch switch does) always leaves a fresh build", () => {
        touch("components/platform.ts");
        assert.match(staleBuildProblem(path.join(dir, "bin", "index.js"), dir) ?? "", /components\/platform\.ts is newer/);
        const r = run("scripts/build.mjs");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(staleBuildProblem(path.join(dir, "bin", "index.js"), dir), undefined);
    });

    it("a compile after a module became a folder removes the old output (it would shadow the folder), so the build is fresh again", () => {
        // components/k8s/labels.ts -> components/k8s/labels/index.ts: every `./labels` import now means the folder.
        fs.mkdirSync(path.join(dir, "components", "k8s", "labels"));
        fs.renameSync(path.join(dir, "components", "k8s", "labels.ts"), path.join(dir, "components", "k8s", "labels", "index.ts"));
        const moved = path.join(dir, "components", "k8s", "labels", "index.ts");
        fs.writeFileSync(moved, fs.readFileSync(moved, "utf8").replace(/from "\.\.\//g, 'from "../../').replace(/from "\.\//g, 'from "../'));
        assert.match(staleBuildProblem(path.join(dir, "bin", "index.js"), dir) ?? "", /run `npm run compile`/);
        const r = run("scripts/build.mjs");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.existsSync(path.join(dir, "bin", "components", "k8s", "labels.js")), false, "the old output is gone");
        assert.ok(fs.existsSync(path.join(dir, "bin", "components", "k8s", "labels", "index.js")));
        assert.equal(staleBuildProblem(path.join(dir, "bin", "index.js"), dir), undefined);
    });

    it("a compile with nothing changed does no compile work", () => {
        const r = run("scripts/build.mjs");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, "", "no build line: nothing was compiled");
    });

    it("the compiled plan on a stale build exits 2 with the fix, no stack trace", function () {
        this.timeout(60_000);
        touch("components/platform.ts");
        const r = run("bin/tools/plan.js", ["--stack", "dev", "--out", path.join(dir, "plan-out")]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /components\/platform\.ts is newer than the compiled program in bin\/: run `npm run compile`/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(fs.existsSync(path.join(dir, "plan-out")), false);
    });
});
