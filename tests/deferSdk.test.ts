import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { DEFERRED, sdkDir } from "../tools/plan-engine/deferSdk";
import { PROJECT_DIR } from "./harness";

/** Run `script` in a fresh Node process (from the project, so it resolves the SDK), optionally after the compiled deferral; returns its JSON output. */
function inFreshNode(script: string, defer: boolean): unknown {
    const pre = defer ? `require(${JSON.stringify(path.join(PROJECT_DIR, "bin", "tools", "plan-engine", "deferSdk.js"))});` : "";
    const r = spawnSync(process.execPath, ["-e", `${pre}(async () => { ${script} })().then((v) => console.log(JSON.stringify(v)), (e) => { console.error(e); process.exit(1); });`], { cwd: PROJECT_DIR, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

const LOADED = `const loaded = () => ({ typescript: Object.keys(require.cache).some((f) => f.includes("/node_modules/typescript/")), arborist: Object.keys(require.cache).some((f) => f.includes("/@npmcli/arborist/")) });`;

/**
 * One Node process without the deferral (loading the SDK and the real modules costs a second):
 * what the plain SDK loads, and the functions each deferred module really exports.
 */
let plainSdk: { loaded: { typescript: boolean; arborist: boolean }; exports: Record<string, string[]> } | undefined;
function withoutDeferral(): NonNullable<typeof plainSdk> {
    plainSdk ??= inFreshNode(
        `${LOADED} require("@pulumi/pulumi"); const l = loaded();
        const exports = {};
        for (const file of ${JSON.stringify(DEFERRED.map((d) => path.join(sdkDir(), d.file)))}) { const m = require(file); exports[file] = Object.keys(m).filter((k) => k !== "__esModule" && typeof m[k] === "function").sort(); }
        return { loaded: l, exports };`,
        false,
    ) as NonNullable<typeof plainSdk>;
    return plainSdk;
}

describe("deferred SDK modules (offline plan and tests)", () => {
    it("loads the SDK without the TypeScript compiler or npm's Arborist", () => {
        const r = inFreshNode(`${LOADED} require("@pulumi/pulumi"); require("@pulumi/kubernetes"); require("@pulumi/random"); return loaded();`, true);
        assert.deepEqual(r, { typescript: false, arborist: false });
        assert.deepEqual(withoutDeferral().loaded, { typescript: true, arborist: true }, "without the deferral the SDK loads both (else this deferral is no longer needed)");
    });

    it("still serves code that uses them: function serialization and code paths load them on first use", () => {
        const r = inFreshNode(
            `${LOADED} const pulumi = require("@pulumi/pulumi");
            const before = loaded();
            const fn = await pulumi.runtime.serializeFunction(() => 6 * 7);
            const root = await require("@pulumi/pulumi/runtime/closure/codePaths").findWorkspaceRoot(require("os").tmpdir());
            return { before, text: fn.text.includes("6 * 7"), root, after: loaded() };`,
            true,
        );
        assert.deepEqual(r, { before: { typescript: false, arborist: false }, text: true, root: null, after: { typescript: true, arborist: true } });
    });

    it("stands in for exactly what the real modules export (an SDK upgrade that changes them fails here)", () => {
        for (const d of DEFERRED) {
            const keys = withoutDeferral().exports[path.join(sdkDir(), d.file)];
            if ("functions" in d.use) assert.deepEqual(keys, [...d.use.functions].sort(), d.file);
            else assert.ok(keys.includes("createSourceFile"), `${d.file} is the TypeScript compiler's namespace`);
        }
    });
});
