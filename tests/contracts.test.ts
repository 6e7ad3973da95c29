/**
 * Every system's runtime contract held against the real plans: dev, prod, and dev with InterLink on
 * (it is off in the dev stack file). One test per system, check and stack, so a failure names the
 * system and what breaks; the checks themselves are tests/contracts.checker.test.ts.
 */
import * as assert from "node:assert/strict";
import { registry } from "../contracts";
import { contractFindings, worldOf } from "../tools/guardrails/contracts";
import type { Finding } from "../tools/plan-engine/types";
import { RunOptions, runProgram } from "./harness";

const STACKS: { label: string; opts: RunOptions; systems?: string[] }[] = [
    { label: "dev", opts: { stack: "dev" } },
    { label: "prod", opts: { stack: "prod", placeholderSecrets: true } },
    // InterLink is off in Pulumi.dev.yaml; its dev values are there to be switched on.
    { label: "dev with InterLink", opts: { stack: "dev", set: ["interlink.enabled=true"], placeholderSecrets: true }, systems: ["interlink"] },
];

const KINDS: { kind: string; proves: string }[] = [
    { kind: "flow", proves: "every flow it needs is allowed by the NetworkPolicies (egress and ingress)" },
    { kind: "pods", proves: "the pods it says the program creates are pod templates of the plan" },
    { kind: "listener", proves: "every probe and Service port of its workloads is a listener, and every listener a Service or probe must name has one" },
    { kind: "write", proves: "every path it writes is writable by the container's user" },
    { kind: "accept", proves: "every config value that reaches it is one it accepts" },
    { kind: "host", proves: "its host facts hold (kind/cluster.yaml mounts and ports, systemd sandboxing of its units)" },
];

/** `<system>/<kind>/...` -> kind. */
function kindOf(f: Finding, system: string): string | undefined {
    return f.subject.startsWith(`${system}/`) ? f.subject.slice(system.length + 1).split("/")[0] : undefined;
}

const show = (fs: Finding[]) => fs.map((f) => `${f.subject}: ${f.message}`);

for (const stack of STACKS) {
    describe(`runtime contracts (${stack.label})`, function () {
        this.timeout(120_000);
        let findings: Finding[];
        let enabled: Map<string, Set<string>>;
        before(async () => {
            const run = await runProgram(stack.opts);
            const world = worldOf(run.plan);
            assert.ok(world, "the plan records the Platform's config");
            findings = contractFindings(world);
            // Which systems are on, and the kinds of facts each holds.
            enabled = new Map(
                world.contracts.map((c) => [
                    c.system,
                    new Set([...(c.flows.length ? ["flow"] : []), "pods", "listener", ...(c.writes.length ? ["write"] : []), ...(c.accepts.length ? ["accept"] : []), ...(c.hostFacts.length ? ["host"] : [])]),
                ]),
            );
        });

        for (const { system } of registry.filter((r) => !stack.systems || stack.systems.includes(r.system))) {
            for (const { kind, proves } of KINDS) {
                it(`${system}: ${proves}`, function () {
                    const kinds = enabled.get(system);
                    if (!kinds) this.skip(); // the system is off in this stack
                    if (!kinds.has(kind)) this.skip(); // the contract holds no fact of this kind here
                    assert.deepEqual(show(findings.filter((f) => kindOf(f, system) === kind)), []);
                });
            }
        }

        if (!stack.systems) {
            it("denies every flow no system needs (contracts/denied.ts), and names only pods the plan has", () => {
                assert.deepEqual(show(findings.filter((f) => kindOf(f, "denied") === "flow" || kindOf(f, "denied") === "pods")), []);
            });
            it("has no system wait at deploy time for a system it never uses", () => {
                assert.deepEqual(show(findings.filter((f) => kindOf(f, "denied") === "wait")), []);
            });
            it("finds nothing outside the systems' contracts and the denied lists", () => {
                const known = [...registry.map((r) => r.system), "denied"];
                assert.deepEqual(show(findings.filter((f) => !known.some((s) => kindOf(f, s) !== undefined))), []);
            });
        }
    });
}
