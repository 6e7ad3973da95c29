/**
 * The benchmark's plan cases are plans of the dev stack the config accepts, with the size they
 * claim: a case the config refuses would stop `npm run bench` after minutes of measuring.
 */
import * as assert from "node:assert/strict";
import { nvflareParticipants, notebookDaemons } from "../tools/bench";
import { EVERY_COMPONENT_ON } from "../tools/plan-engine/everything";
import { runProgram } from "./harness";

describe("npm run bench: its plan cases", function () {
    this.timeout(120_000);

    it("plans an NVIDIA FLARE federation of 10 participants on the dev stack: 2 servers and 8 clients", async () => {
        const run = await runProgram({ stack: "dev", placeholderSecrets: true, set: [...EVERY_COMPONENT_ON, ...nvflareParticipants(10)] });
        const deployments = run.allIn("research-platform:apps:Nvflare", "kubernetes:apps/v1:Deployment").map((d) => d.inputs.metadata.name as string);
        assert.deepEqual(deployments.filter((n) => /^client-\d+$/.test(n)).length, 8);
        assert.ok(deployments.includes("server1") && deployments.includes("server2"), deployments.join(", "));
    });

    it("plans the notebook system with 32 local daemons on a generic cluster", async () => {
        const run = await runProgram({ stack: "dev", placeholderSecrets: true, set: [...EVERY_COMPONENT_ON, ...notebookDaemons(32)] });
        const daemons = run.allIn("research-platform:apps:DistributedNotebook", "kubernetes:apps/v1:StatefulSet").find((s) => s.inputs.metadata.name === "local-daemon");
        assert.equal(daemons?.inputs.spec.replicas, 32);
    });
});
