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

const LOADED = `const has = (dir) => Object.keys(require.cache).some((f) => f.includes(dir)); const loaded = () => ({ typescript: has("/node_modules/typescript/"), arborist: has("/@npmcli/arborist/"), automation: has("/node_modules/execa/") });`;
const NONE = { typescript: false, arborist: false, automation: false };
const ALL = { typescript: true, arborist: true, automation: true };

/**
 * One Node process without the deferral (loading the SDK and the real modules costs a second):
 * what the plain SDK loads, and the functions each deferred module really exports.
 */
let plainSdk: { loaded: typeof NONE; exports: Record<string, string[]>; esModule: Record<string, boolean> } | undefined;
function withoutDeferral(): NonNullable<typeof plainSdk> {
    plainSdk ??= inFreshNode(
        `${LOADED} require("@pulumi/pulumi"); const l = loaded();
        const exports = {}, esModule = {};
        for (const file of ${JSON.stringify(DEFERRED.map((d) => path.join(sdkDir(), d.file)))}) { const m = require(file); exports[file] = Object.keys(m).filter((k) => k !== "__esModule" && typeof m[k] === "function").sort(); esModule[file] = m.__esModule === true; }
        return { loaded: l, exports, esModule };`,
        false,
    ) as NonNullable<typeof plainSdk>;
    return plainSdk;
}

describe("deferred SDK modules (offline plan and tests)", () => {
    it("loads the SDK without the TypeScript compiler, npm's Arborist or the Automation API", () => {
        const r = inFreshNode(`${LOADED} require("@pulumi/pulumi"); require("@pulumi/kubernetes"); require("@pulumi/random"); return loaded();`, true);
        assert.deepEqual(r, NONE);
        assert.deepEqual(withoutDeferral().loaded, ALL, "without the deferral the SDK loads all three (else this deferral is no longer needed)");
    });

    it("still serves code that uses them: function serialization, code paths and the Automation API load them on first use", () => {
        const r = inFreshNode(
            `${LOADED} const pulumi = require("@pulumi/pulumi");
            const before = loaded();
            const fn = await pulumi.runtime.serializeFunction(() => 6 * 7);
            const root = await require("@pulumi/pulumi/runtime/closure/codePaths").findWorkspaceRoot(require("os").tmpdir());
            const workspace = typeof pulumi.automation.LocalWorkspace.create;
            return { before, text: fn.text.includes("6 * 7"), root, workspace, after: loaded() };`,
            true,
        );
        assert.deepEqual(r, { before: NONE, text: true, root: null, workspace: "function", after: ALL });
    });

    it("stands in for exactly what the real modules export (an SDK upgrade that changes them fails here)", () => {
        for (const d of DEFERRED) {
            const keys = withoutDeferral().exports[path.join(sdkDir(), d.file)];
            const file = path.join(sdkDir(), d.file);
            if ("functions" in d.use) assert.deepEqual(keys, [...d.use.functions].sort(), d.file);
            else if (d.file === "typescript-shim.js") assert.ok(keys.includes("createSourceFile"), `${d.file} is the TypeScript compiler's namespace`);
            else assert.ok(keys.includes("LocalWorkspace"), `${d.file} is the Automation API`);
            // The stand-in answers `__esModule` without loading: only as the real module does.
            if ("namespace" in d.use) assert.equal(withoutDeferral().esModule[file], "esModule" in d.use, d.file);
        }
    });
});
