import * as assert from "node:assert/strict";
import { LoadedPlan, MAX_COMMENT_CHARS, diffPlans } from "../tools/plan-engine/planDiff";
import type { PlanResource } from "../tools/plan-engine/types";

function res(name: string, inputs: unknown, extra: Partial<PlanResource> = {}): PlanResource {
    return {
        urn: `urn:pulumi:dev::research-platform::kubernetes:core/v1:ConfigMap::${name}`,
        type: "kubernetes:core/v1:ConfigMap",
        name,
        parent: null,
        dependsOn: [],
        provider: null,
        custom: true,
        protect: false,
        retainOnDelete: false,
        inputs,
        ...extra,
    };
}

function plan(resources: PlanResource[], helm: LoadedPlan["helm"] = new Map()): LoadedPlan {
    return { project: "research-platform", stack: "dev", resources, helm };
}

describe("plan diff", () => {
    it("says so when nothing changed", () => {
        const p = plan([res("a", { data: { x: "1" } })]);
        assert.match(diffPlans(p, p), /No changes: 1 resources/);
    });

    it("lists added, removed and changed resources with per-field changes", () => {
        const before = plan([res("keep", { data: { x: "1", y: "2" } }), res("gone", {})]);
        const after = plan([res("keep", { data: { x: "1", y: "3", z: "new" } }, { protect: true }), res("new", {})]);
        const md = diffPlans(before, after);
        assert.match(md, /\*\*1 added, 1 removed, 1 changed\*\*/);
        assert.match(md, /### Added \(1\)[\s\S]*`new`/);
        assert.match(md, /### Removed \(1\)[\s\S]*`gone`/);
        assert.match(md, /\| `inputs\.data\.y` \| `2` \| `3` \|/);
        assert.match(md, /\| `inputs\.data\.z` \| _\(none\)_ \| `new` \|/);
        assert.match(md, /\| `protect` \| `false` \| `true` \|/);
    });

    it("shows embedded multi-line configs as a unified diff", () => {
        const md = diffPlans(plan([res("cfg", { data: { "daemon.yml": "a: 1\nb: 2\n" } })]), plan([res("cfg", { data: { "daemon.yml": "a: 1\nb: 3\n" } })]));
        assert.match(md, /```diff[\s\S]*-b: 2\n\+b: 3/);
    });

    it("diffs Helm releases per values key and chart version", () => {
        const rel = (version: string) => ({ name: "hub", namespace: "jhub", chart: "jupyterhub", version, repository: "https://hub.jupyter.org/helm-chart/" });
        const before = plan([], new Map([["jhub/hub", { ...rel("3.1.0"), values: { singleuser: { memory: { limit: "2G" } }, hub: { existingSecret: "hub-secret" } } }]]));
        const after = plan([], new Map([["jhub/hub", { ...rel("4.4.0"), values: { singleuser: { memory: { limit: "4G" } }, hub: { existingSecret: "hub-secret" } } }]]));
        const md = diffPlans(before, after);
        assert.match(md, /release <code>jhub\/hub<\/code>/);
        assert.match(md, /\| `version` \| `3\.1\.0` \| `4\.4\.0` \|/);
        assert.match(md, /\| `singleuser\.memory\.limit` \| `2G` \| `4G` \|/);
        assert.doesNotMatch(md, /existingSecret/);
    });

    it("shows redacted secrets only as [secret]", () => {
        const md = diffPlans(plan([res("s", { stringData: "[secret]", data: { a: "1" } })]), plan([res("s", { stringData: "[secret]", data: { a: "2" } })]));
        assert.doesNotMatch(md, /stringData/);
        const added = diffPlans(plan([res("s", { data: { a: "1" } })]), plan([res("s", { data: { a: "1", token: "[secret]" } })]));
        assert.match(added, /`\[secret\]`/);
    });

    it("stays within the size of a pull-request comment", () => {
        const many = (v: string) => plan(Array.from({ length: 3000 }, (_, i) => res(`r${i}`, { data: { v } })));
        const md = diffPlans(many("a"), many("b"));
        assert.ok(md.length <= MAX_COMMENT_CHARS + 200, `length ${md.length}`);
        assert.match(md, /was cut here/);
    });
});
