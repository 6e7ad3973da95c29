import * as assert from "node:assert/strict";
import { runProgram } from "./harness";

describe("platform wiring", () => {
    it("builds one Kubernetes provider from config, with server-side apply, under the Platform", async () => {
        const run = await runProgram({ stack: "dev", set: ["kubernetes.kubeconfig=/tmp/kubeconfig"] });
        const platform = run.one("research-platform:index:Platform", "platform");
        const provider = run.one("pulumi:providers:kubernetes", "k8s");
        assert.equal(provider.parent, platform.urn);
        assert.equal(provider.inputs.context, "kind-research-platform");
        assert.equal(provider.inputs.kubeconfig, "/tmp/kubeconfig");
        assert.equal(String(provider.inputs.enableServerSideApply), "true");
    });

    it("gives every Kubernetes resource the platform's explicit provider", async () => {
        const run = await runProgram({ stack: "dev" });
        const provider = run.one("pulumi:providers:kubernetes", "k8s");
        for (const r of run.resources.filter((x) => x.custom && x.type.startsWith("kubernetes:"))) {
            assert.equal(r.provider, provider.urn, `${r.urn} must use the platform's provider`);
        }
    });

    it("parents every resource under the Platform component", async () => {
        const run = await runProgram({ stack: "dev" });
        const platform = run.one("research-platform:index:Platform", "platform");
        const orphans = run.resources.filter((r) => r.urn !== platform.urn && !run.descendants(platform).includes(r));
        assert.deepEqual(orphans.map((r) => r.urn), []);
    });
});
