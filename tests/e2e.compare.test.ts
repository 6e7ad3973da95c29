import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { diffLists, planDiffEntries, previewChangeList, urnEntry } from "../e2e/compare";

// The e2e's comparison of `pulumi preview --diff --json` with `npm run plan:diff` (e2e/compare.ts).
describe("e2e: preview --diff against plan:diff", () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::research-platform::research-platform:index:Platform$${type}::${name}`;

    it("names a resource by its type's last segment and its Pulumi name", () => {
        assert.equal(urnEntry(urn("kubernetes:apps/v1:Deployment", "nvflare-clients:nvflare/site-1")), "Deployment nvflare-clients:nvflare/site-1");
    });

    it("lists what the preview changes, without the stack, unchanged resources or component input updates", () => {
        const preview = {
            steps: [
                { op: "same", urn: urn("kubernetes:core/v1:Namespace", "ns") },
                { op: "update", urn: "urn:pulumi:dev::research-platform::pulumi:pulumi:Stack::research-platform-dev" },
                { op: "update", urn: urn("research-platform:apps:Nvflare", "nvflare"), newState: { custom: false } },
                { op: "update", urn: urn("kubernetes:helm.sh/v3:Release", "jupyterhub-release"), newState: { custom: true } },
                { op: "create", urn: urn("kubernetes:apps/v1:Deployment", "nvflare-clients:nvflare/site-1"), newState: { custom: true } },
                { op: "create-replacement", urn: urn("random:index/randomPassword:RandomPassword", "pw"), newState: { custom: true } },
                { op: "replace", urn: urn("random:index/randomPassword:RandomPassword", "pw"), newState: { custom: true } },
            ],
        };
        assert.deepEqual(previewChangeList(`Previewing...\n${JSON.stringify(preview)}`), ["Deployment nvflare-clients:nvflare/site-1", "RandomPassword pw", "Release jupyterhub-release"]);
    });

    it("reads plan:diff's added, removed and changed resources and its Helm releases", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rp-compare-"));
        fs.writeFileSync(
            path.join(dir, "resources.json"),
            JSON.stringify({ resources: [{ type: "kubernetes:helm.sh/v3:Release", name: "jupyterhub-release", inputs: { name: "jupyterhub", namespace: "jupyterhub" } }] }),
        );
        const md = [
            "## Offline plan diff: research-platform/dev",
            "",
            "### Added (1)",
            "",
            "| kind | name | type |",
            "|---|---|---|",
            "| Deployment | `nvflare-clients:nvflare/site-1` | `kubernetes:apps/v1:Deployment` |",
            "",
            "### Changed (1)",
            "",
            "<details>",
            "<summary>ConfigGroup `nvflare-clients`</summary>",
            "</details>",
            "",
            "### Helm releases (1)",
            "",
            "<details>",
            "<summary>release <code>jupyterhub/jupyterhub</code></summary>",
            "</details>",
        ].join("\n");
        assert.deepEqual(planDiffEntries(md, dir), ["ConfigGroup nvflare-clients", "Deployment nvflare-clients:nvflare/site-1", "Release jupyterhub-release"]);
        fs.rmSync(dir, { recursive: true });
    });

    it("tells which entries only one side lists", () => {
        assert.deepEqual(diffLists(["A a", "B b"], ["B b", "C c"]), { onlyInPreview: ["A a"], onlyInPlanDiff: ["C c"] });
    });
});
