import * as assert from "node:assert/strict";
import { diffLists, planDiffEntries, previewChangeList, urnEntry } from "../e2e/compare";
import { helmRecord } from "../tools/plan-engine/manifests";
import { LoadedPlan, diffJson } from "../tools/plan-engine/planDiff";
import type { PlanResource } from "../tools/plan-engine/types";

// The e2e's comparison of `pulumi preview --diff --json` with `npm run plan:diff` (e2e/compare.ts).
describe("e2e: preview --diff against plan:diff", () => {
    const urn = (type: string, name: string) => `urn:pulumi:dev::research-platform::research-platform:index:Platform$${type}::${name}`;

    it("names a resource by its type's last segment and its Pulumi name", () => {
        assert.equal(urnEntry(urn("kubernetes:apps/v1:Deployment", "nvflare-clients:nvflare/site-1")), "Deployment nvflare-clients:nvflare/site-1");
    });

    it("lists what the preview changes by operation, a replacement's three steps as one, without the stack, unchanged resources or component input updates", () => {
        const preview = {
            steps: [
                { op: "same", urn: urn("kubernetes:core/v1:Namespace", "ns") },
                { op: "update", urn: "urn:pulumi:dev::research-platform::pulumi:pulumi:Stack::research-platform-dev" },
                { op: "update", urn: urn("research-platform:apps:Nvflare", "nvflare"), newState: { custom: false } },
                { op: "update", urn: urn("kubernetes:helm.sh/v3:Release", "jupyterhub-release"), newState: { custom: true } },
                { op: "create", urn: urn("kubernetes:apps/v1:Deployment", "nvflare-clients:nvflare/site-1"), newState: { custom: true } },
                { op: "create-replacement", urn: urn("random:index/randomPassword:RandomPassword", "pw"), newState: { custom: true } },
                { op: "replace", urn: urn("random:index/randomPassword:RandomPassword", "pw"), newState: { custom: true } },
                { op: "delete-replaced", urn: urn("random:index/randomPassword:RandomPassword", "pw"), oldState: { custom: true } },
            ],
        };
        assert.deepEqual(previewChangeList(`Previewing...\n${JSON.stringify(preview)}`), ["create Deployment nvflare-clients:nvflare/site-1", "replace RandomPassword pw", "update Release jupyterhub-release"]);
    });

    it("reads what plan:diff --json lists: added, removed, replaced and changed resources, and releases as updates of the resource that deploys them", () => {
        const res = (type: string, name: string, inputs: unknown): PlanResource => ({ urn: urn(type, name), type, name, parent: null, dependsOn: [], provider: null, custom: true, protect: false, retainOnDelete: false, inputs });
        const hub = (values: unknown) => res("kubernetes:helm.sh/v3:Release", "jupyterhub-release", { name: "jupyterhub", namespace: "jupyterhub", chart: "jupyterhub", version: "4.3.1", values });
        const cm = (v: string) => res("kubernetes:core/v1:ConfigMap", "nvflare-project", { metadata: { name: "nvflare-project", namespace: "nvflare" }, data: { "project.yml": v } });
        const plan = (resources: PlanResource[]): LoadedPlan => ({
            project: "research-platform",
            stack: "dev",
            resources,
            helm: new Map(resources.flatMap((r) => (helmRecord(r) ? [[`${helmRecord(r)!.namespace}/${helmRecord(r)!.name}`, helmRecord(r)!] as const] : []))),
        });
        const before = plan([hub({ a: 1 }), cm("one"), res("kubernetes:core/v1:Secret", "old", {})]);
        const after = plan([hub({ a: 2 }), cm("two"), res("kubernetes:apps/v1:Deployment", "nvflare-clients:nvflare/site-1", { metadata: { namespace: "nvflare" } })]);
        assert.deepEqual(planDiffEntries(diffJson(before, after)), [
            "create Deployment nvflare-clients:nvflare/site-1",
            "delete Secret old",
            "replace ConfigMap nvflare-project",
            "update Release jupyterhub-release",
        ]);
    });

    it("tells which entries only one side lists", () => {
        assert.deepEqual(diffLists(["A a", "B b"], ["B b", "C c"]), { onlyInPreview: ["A a"], onlyInPlanDiff: ["C c"] });
    });
});
