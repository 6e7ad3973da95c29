/**
 * Issue 19, item 3: no kind defaults on a real cluster. A generic cluster must name its API server
 * and node networks (they go into the NetworkPolicies); kind keeps its default network, which
 * `npm run kind:up` replaces with the one it actually created (tests/deployPath.scripts.test.ts).
 */
import * as assert from "node:assert/strict";
import { secretSpecs } from "../config";
import { KIND_DEFAULT_NETWORK } from "../config/kubernetes";
import { APPS_OFF, configProblems, runProgram } from "./harness";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const prodSecrets = secretSpecs.map((s) => `${s.key}=placeholder`);

/** Every ipBlock CIDR any NetworkPolicy of a run names. */
function policyCidrs(run: Awaited<ReturnType<typeof runProgram>>): Set<string> {
    const out = new Set<string>();
    for (const np of run.all(NETPOL)) {
        const spec = np.inputs.spec as { ingress?: Array<{ from?: unknown[] }>; egress?: Array<{ to?: unknown[] }> };
        for (const peer of [...(spec.ingress ?? []).flatMap((r) => r.from ?? []), ...(spec.egress ?? []).flatMap((r) => r.to ?? [])]) {
            const cidr = (peer as { ipBlock?: { cidr?: string } }).ipBlock?.cidr;
            if (cidr) out.add(cidr);
        }
    }
    return out;
}

describe("deploy path: no kind network defaults on a generic cluster", () => {
    it("refuses a generic cluster without apiServerCidrs and nodeCidrs, saying how to find them", async () => {
        // The prod stack with its kubernetes block replaced by one that names no networks.
        const problems = await configProblems({ stack: "prod", secrets: prodSecrets, set: ['kubernetes={"distribution":"generic","environment":"prod"}'] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), ["research-platform:kubernetes.apiServerCidrs", "research-platform:kubernetes.nodeCidrs"], problems.join("\n"));
        const api = problems.find((p) => p.startsWith("research-platform:kubernetes.apiServerCidrs"))!;
        assert.match(api, /is required on a generic cluster/);
        assert.match(api, /172\.18\.0\.0\/16 is not your cluster's/);
        assert.match(api, /Fix: .*kubectl get endpoints kubernetes/);
        const nodes = problems.find((p) => p.startsWith("research-platform:kubernetes.nodeCidrs"))!;
        assert.match(nodes, /Fix: .*kubectl get nodes .*InternalIP/);
    });

    it("refuses it for a single add-on too, and names what is on", async () => {
        const problems = await configProblems({ empty: true, set: ["metricsServer.enabled=true"] });
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.ok(problems.every((p) => p.includes("with metricsServer on")), problems.join("\n"));
    });

    it("accepts an empty generic configuration (nothing deployed, no policy)", async () => {
        await runProgram({ empty: true });
    });

    it("puts a generic cluster's own networks into the policies, and kind's nowhere", async () => {
        const run = await runProgram({ stack: "prod", secrets: prodSecrets });
        const cidrs = policyCidrs(run);
        assert.ok(cidrs.has("10.10.0.0/28") && cidrs.has("10.10.0.0/22"), [...cidrs].join(", "));
        assert.ok(!cidrs.has(KIND_DEFAULT_NETWORK), "prod's policies name kind's network");
    });

    it("keeps kind's default network on a kind cluster that names none", async () => {
        const run = await runProgram({ stack: "dev", set: [...APPS_OFF, 'kubernetes={"distribution":"kind","environment":"dev","context":"kind-research-platform"}'] });
        assert.ok(policyCidrs(run).has(KIND_DEFAULT_NETWORK));
        assert.equal(KIND_DEFAULT_NETWORK, "172.18.0.0/16");
    });
});
