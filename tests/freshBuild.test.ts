import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { staleBuildProblem } from "../program/freshBuild";

describe("compiled program freshness", () => {
    function project(): string {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fresh-"));
        fs.mkdirSync(path.join(dir, "components", "apps"), { recursive: true });
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: x\n");
        fs.writeFileSync(path.join(dir, "components", "apps", "hub.ts"), "");
        fs.writeFileSync(path.join(dir, "bin", "index.js"), "");
        return dir;
    }
    const at = (file: string, seconds: number) => fs.utimesSync(file, seconds, seconds);

    it("refuses to deploy JavaScript older than a TypeScript source, naming the file and the fix", () => {
        const dir = project();
        at(path.join(dir, "bin", "index.js"), 1_000);
        at(path.join(dir, "components", "apps", "hub.ts"), 2_000);
        assert.match(staleBuildProblem(path.join(dir, "bin", "index.js"), dir) ?? "", /components\/apps\/hub\.ts is newer .*npm run compile/);
    });

    it("takes the incremental build's info file as the build time, since unchanged outputs are not rewritten", () => {
        const dir = project();
        fs.writeFileSync(path.join(dir, "bin", ".tsbuildinfo"), "{}");
        at(path.join(dir, "bin", "index.js"), 1_000);
        at(path.join(dir, "components", "apps", "hub.ts"), 2_000);
        at(path.join(dir, "bin", ".tsbuildinfo"), 3_000);
        assert.equal(staleBuildProblem(path.join(dir, "bin", "index.js"), dir), undefined);
    });

    it("refuses compiled files whose source is gone (a module that became a folder would still load), naming them and the fix", () => {
        const dir = project();
        fs.writeFileSync(path.join(dir, "bin", ".tsbuildinfo"), "{}");
        fs.mkdirSync(path.join(dir, "bin", "components", "apps", "hub"), { recursive: true });
        fs.writeFileSync(path.join(dir, "bin", "components", "apps", "hub.js"), "");
        fs.writeFileSync(path.join(dir, "bin", "components", "apps", "old.js"), "");
        fs.writeFileSync(path.join(dir, "bin", "program.js"), "");
        at(path.join(dir, "components", "apps", "hub.ts"), 1_000);
        at(path.join(dir, "bin", ".tsbuildinfo"), 2_000);
        assert.match(staleBuildProblem(path.join(dir, "bin", "index.js"), dir) ?? "", /^bin\/components\/apps\/old\.js and 1 more no longer have a TypeScript source .*npm run compile/);
        fs.rmSync(path.join(dir, "bin", "components", "apps", "old.js"));
        fs.rmSync(path.join(dir, "bin", "program.js"));
        assert.equal(staleBuildProblem(path.join(dir, "bin", "index.js"), dir), undefined);
    });

    it("accepts a fresh build, and never checks when running from source", () => {
        const dir = project();
        at(path.join(dir, "components", "apps", "hub.ts"), 1_000);
        at(path.join(dir, "bin", "index.js"), 2_000);
        assert.equal(staleBuildProblem(path.join(dir, "bin", "index.js"), dir), undefined);
        assert.equal(staleBuildProblem(path.join(dir, "index.ts"), dir), undefined);
    });
});
