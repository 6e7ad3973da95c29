import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { referenceDirs } from "../tools/guardrails/reference";
import { PROJECT_DIR } from "./harness";
import { REFERENCE, referenceNote } from "./referenceData";

/**
 * Mocha, with the project's setup (.mocharc.json: the global setup that prints the note), on a
 * scratch test file of four tests that need reference files through referenceData.ts, as the
 * suite's tests do (a test file of the suite would load the whole program: a second more).
 */
function mocha(referenceDir: string) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "reference-tests-"));
    const file = path.join(dir, "needs.test.ts");
    const helper = JSON.stringify(path.join(PROJECT_DIR, "tests", "referenceData"));
    fs.writeFileSync(
        file,
        `import { chartFile, needsReference, referenceFile } from ${helper};\n` +
            `describe("needs the reference data", () => {\n` +
            `    it("a chart's values", function () { needsReference(this, chartFile("jupyterhub-3.1.0", "values.yaml")); });\n` +
            `    it("a chart's schema", function () { needsReference(this, chartFile("jupyterhub-3.1.0", "values.schema.yaml")); });\n` +
            `    it("the charts", function () { needsReference(this); });\n` +
            `    it("a seed's facts", function () { needsReference(this, referenceFile("nvflare", "nvflare_hc.expected_resources.2.5.2.json")); });\n` +
            `});\n`,
    );
    const bin = path.join(PROJECT_DIR, "node_modules", "mocha", "bin", "mocha.js");
    return spawnSync(process.execPath, [bin, "--no-parallel", file], { cwd: PROJECT_DIR, encoding: "utf8", env: { ...process.env, CHART_REFERENCE_DIR: referenceDir } });
}
const count = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);

describe("reference data (CHART_REFERENCE_DIR)", () => {
    it("is found from the reference root as from its charts/ folder", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "reference-"));
        fs.mkdirSync(path.join(root, "charts"));
        const want = { root, charts: path.join(root, "charts"), exists: true };
        assert.deepEqual(referenceDirs({ CHART_REFERENCE_DIR: root }), want);
        assert.deepEqual(referenceDirs({ CHART_REFERENCE_DIR: path.join(root, "charts") }), want);
        assert.equal(referenceNote(want), undefined);
        assert.match(referenceNote(referenceDirs({ CHART_REFERENCE_DIR: path.join(root, "none") })) ?? "", /^note: no reference data at .*none.*README, "Reference data"/);
    });

    it("absent: the run says so once, and skips the tests that need it without a word each", () => {
        const r = mocha(path.join(os.tmpdir(), "no-such-reference-data"));
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.equal(r.stdout.match(/no reference data at/g)?.length, 1, r.stdout);
        assert.doesNotMatch(r.stdout.replace(/^note: no reference data at .*$/m, ""), /skipped|not found/, "no note per test");
        assert.equal(count(r.stdout, /(\d+) pending/), 4, r.stdout);
        assert.equal(count(r.stdout, /(\d+) passing/), 0, r.stdout);
    });

    it("given as the root (not its charts/ folder), the tests that need it run", function () {
        if (!REFERENCE.exists) this.skip();
        const r = mocha(REFERENCE.root);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.equal(count(r.stdout, /(\d+) passing/), 4, r.stdout);
        assert.equal(count(r.stdout, /(\d+) pending/), 0, r.stdout);
    });

    it("is read by every test through referenceData.ts, so each accepts the root as well as charts/", () => {
        // A test that computes its own default (`CHART_REFERENCE_DIR ?? .../charts`) misses the data when given the root.
        const own = fs
            .readdirSync(path.join(PROJECT_DIR, "tests"))
            .filter((f) => f.endsWith(".ts") && !f.startsWith("referenceData"))
            .filter((f) => /process\.env\.CHART_REFERENCE_DIR/.test(fs.readFileSync(path.join(PROJECT_DIR, "tests", f), "utf8")));
        assert.deepEqual(own, []);
    });
});
