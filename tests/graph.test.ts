import * as assert from "node:assert/strict";
import { buildGraph, componentEdges } from "../tools/plan-engine/graph";
import type { PlanResource } from "../tools/plan-engine/types";

function r(name: string, type: string, extra: Partial<PlanResource> = {}): PlanResource {
    return { urn: `urn:${name}`, type, name, parent: null, dependsOn: [], provider: null, custom: true, protect: false, retainOnDelete: false, inputs: {}, ...extra };
}

describe("plan graph: deploy order and critical path", () => {
    it("levels resources by what they wait for and finds the longest chain of waits", () => {
        const g = buildGraph([
            r("kruise", "kubernetes:helm.sh/v3:Release"),
            r("ms", "kubernetes:helm.sh/v3:Release", { dependsOn: ["urn:kruise"] }),
            r("gw", "kubernetes:apps/v1:Deployment", { dependsOn: ["urn:ms"] }),
            r("cm", "kubernetes:core/v1:ConfigMap"),
        ]);
        assert.deepEqual(g.levels, [["urn:cm", "urn:kruise"], ["urn:ms"], ["urn:gw"]]);
        assert.deepEqual(g.criticalPath, ["urn:kruise", "urn:ms", "urn:gw"]);
        assert.equal(g.criticalSeconds, 120 + 120 + 30);
        assert.equal(g.serialSeconds, 120 + 120 + 30 + 1);
    });

    it("expands a dependency on a component to its children, and waits on a remote component (no children) itself", () => {
        const g = buildGraph([
            r("addons", "research-platform:cluster:CertManager", { custom: false }),
            r("cert-manager", "kubernetes-cert-manager:index:CertManager", { custom: false, parent: "urn:addons" }),
            r("issuer", "kubernetes:cert-manager.io/v1:ClusterIssuer", { parent: "urn:addons", dependsOn: ["urn:cert-manager"] }),
            r("app", "research-platform:apps:Hub", { custom: false }),
            r("ingress", "kubernetes:networking.k8s.io/v1:Ingress", { parent: "urn:app", dependsOn: ["urn:addons"] }),
        ]);
        assert.deepEqual(g.waitsFor.get("urn:issuer"), ["urn:cert-manager"]);
        assert.deepEqual(g.waitsFor.get("urn:ingress"), ["urn:cert-manager", "urn:issuer"]);
        assert.deepEqual(g.criticalPath, ["urn:cert-manager", "urn:issuer", "urn:ingress"]);
        assert.equal(g.criticalSeconds, 90 + 1 + 5);
        assert.deepEqual(componentEdges(g), [
            ["urn:addons", "urn:app"],
            ["urn:cert-manager", "urn:app"],
        ]);
    });
});
