/**
 * Issue 19, item 6: the review-stack template `Pulumi.pr.yaml` that the deployments/ project
 * expects. Pulumi Deployments copies its config into every review stack and destroys the stack
 * when the pull request closes: it must plan, target a reachable (generic) cluster, and protect
 * nothing. (Which system previews and updates which stack: deployments/tests and
 * tests/delivery.workflows.test.ts.)
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import YAML from "yaml";
import { runChecks } from "../tools/guardrails";
import { PROJECT_DIR, runProgram } from "./harness";

describe("deploy path: the review-stack template Pulumi.pr.yaml", () => {
    const file = path.join(PROJECT_DIR, "Pulumi.pr.yaml");

    it("exists, for a generic cluster (a review stack never runs on a laptop's kind) in the dev environment", () => {
        assert.ok(fs.existsSync(file), "Pulumi.pr.yaml is missing: deployments/ declares the pr template stack, whose config Pulumi copies into every review stack");
        const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, Record<string, unknown>> }).config;
        const k8s = config["research-platform:kubernetes"];
        assert.equal(k8s.distribution, "generic");
        assert.equal(k8s.environment, "dev", "prod would protect the stateful resources, and a review stack could not be destroyed");
        assert.equal(k8s.context, undefined, "the review cluster's kubeconfig comes from the deployment's environment, not a laptop context");
        assert.ok(!fs.readFileSync(file, "utf8").includes("secure:"), "a review stack needs no user-supplied secret");
    });

    it("plans without a mandatory finding and protects nothing, so every review stack can be destroyed", async () => {
        const run = await runProgram({ stack: "pr" });
        const { findings } = runChecks(run.plan);
        assert.deepEqual(findings.filter((f) => f.level === "mandatory").map((f) => `${f.rule} ${f.subject}: ${f.message}`), []);
        const kept = run.plan.resources.filter((r) => r.protect || r.retainOnDelete).map((r) => r.urn);
        assert.deepEqual(kept, [], "protected or retained resources would survive the review stack's destroy");
        assert.ok(run.plan.resources.length > 50, "the template deploys the platform");
        assert.equal(run.output("environment").value, "dev");
    });
});
