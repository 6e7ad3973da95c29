import * as assert from "node:assert/strict";
import * as path from "node:path";
import { charts, useLocalCharts } from "../components/charts";
import { PROJECT_DIR, runProgram } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const CERT_MANAGER = "kubernetes-cert-manager:index:CertManager";

// config `charts.sourceDir` (what the e2e run sets): every Helm release installs the pinned chart
// from `<sourceDir>/<chart>-<version>`, with no repository.
describe("charts.sourceDir (local chart folders)", function () {
    this.timeout(120_000);
    // The Platform sets the chart source for the rest of the process (components/charts.ts): a test
    // file that builds releases without a Platform, later in the same worker, must not inherit it.
    afterEach(() => useLocalCharts(undefined));

    it("points every release and the cert-manager component at <sourceDir>/<chart>-<version>", async () => {
        const dir = path.join(PROJECT_DIR, "..", "shared", "reference", "chart-src");
        const run = await runProgram({ stack: "dev", set: [`charts={"sourceDir":${JSON.stringify(dir)}}`] });
        const releases = run.resources.filter((r) => r.type === RELEASE);
        assert.ok(releases.length >= 5, `dev has its Helm releases (${releases.length})`);
        const known = new Map(Object.values(charts).map((c) => [path.join(dir, `${c.chart}-${c.version}`), c]));
        for (const r of releases) {
            const ref = known.get(r.inputs.chart);
            assert.ok(ref, `${r.name}: chart ${r.inputs.chart} is a pinned chart's folder under ${dir}`);
            assert.equal(r.inputs.version, ref.version, `${r.name} keeps the pinned version`);
            assert.equal(r.inputs.repositoryOpts, undefined, `${r.name} names no repository`);
        }
        const cm = run.resources.find((r) => r.type === CERT_MANAGER);
        assert.ok(cm, "dev has cert-manager");
        assert.equal(cm.inputs.helmOptions.chart, path.join(dir, `cert-manager-${charts.certManager.version}`));
        assert.equal(cm.inputs.helmOptions.repositoryOpts, undefined);
    });

    it("resolves a relative sourceDir against the project and leaves the default on repositories", async () => {
        const local = await runProgram({ stack: "dev", set: ['charts={"sourceDir":"../shared/reference/chart-src"}', ...["jupyterhub", "diracx", "nvflare", "distributedNotebook"].map((c) => `${c}.enabled=false`)] });
        for (const r of local.resources.filter((x) => x.type === RELEASE)) assert.ok(path.isAbsolute(r.inputs.chart), `${r.name}: ${r.inputs.chart} is absolute`);
        const remote = await runProgram({ stack: "dev" });
        for (const r of remote.resources.filter((x) => x.type === RELEASE)) {
            assert.ok(!r.inputs.chart.includes("/"), `${r.name} names a chart in a repository`);
            assert.ok(r.inputs.repositoryOpts?.repo, `${r.name} has its repository`);
        }
    });

    it("refuses an empty sourceDir and unknown keys", async () => {
        await assert.rejects(runProgram({ stack: "dev", set: ['charts={"sourceDir":""}'] }), /charts/);
        await assert.rejects(runProgram({ stack: "dev", set: ['charts={"dir":"x"}'] }), /charts/);
    });
});
