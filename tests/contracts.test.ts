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

/** Systems off in each stack (so no contract of theirs applies), asserted against the plan so the list cannot go stale. */
const STACKS: { label: string; opts: RunOptions; off: string[]; systems?: string[] }[] = [
    { label: "dev", opts: { stack: "dev" }, off: ["interlink"] },
    { label: "prod", opts: { stack: "prod", placeholderSecrets: true }, off: ["cluster/metallb"] },
    // InterLink is off in Pulumi.dev.yaml; its dev values are there to be switched on.
    { label: "dev with InterLink", opts: { stack: "dev", set: ["interlink.enabled=true"], placeholderSecrets: true }, off: [], systems: ["interlink"] },
];

/** What a contract's findings prove, by kind (`<system>/<kind>/...`). */
const KINDS: Record<string, string> = {
    flow: "a flow it needs that the NetworkPolicies deny",
    pods: "a pod it says the program creates that is no pod template of the plan",
    listener: "a probe or Service port on no listener, or a listener that must be named and is not",
    write: "a path it writes that the container's user cannot write",
    accept: "a config value it refuses",
    host: "a host fact that does not hold (kind/cluster.yaml mounts and ports, systemd sandboxing of its units)",
};

/** `<system>/<kind>/...` -> kind. */
function kindOf(f: Finding, system: string): string | undefined {
    return f.subject.startsWith(`${system}/`) ? f.subject.slice(system.length + 1).split("/")[0] : undefined;
}

const show = (fs: Finding[]) => fs.map((f) => `${f.subject}: ${f.message}`);

for (const stack of STACKS) {
    describe(`runtime contracts (${stack.label})`, function () {
        this.timeout(120_000);
        let findings: Finding[];
        let contracts: Map<string, { facts: number }>;
        before(async () => {
            const run = await runProgram(stack.opts);
            const world = worldOf(run.plan);
            assert.ok(world, "the plan records the Platform's config");
            findings = contractFindings(world);
            contracts = new Map(world.contracts.map((c) => [c.system, { facts: c.flows.length + c.listeners.length + c.writes.length + c.accepts.length + c.hostFacts.length }]));
        });

        const systems = registry.filter((r) => !stack.systems || stack.systems.includes(r.system)).map((r) => r.system);
        if (!stack.systems) {
            it(`has ${stack.off.length ? stack.off.join(", ") : "no system"} off, and every other system on`, () => {
                assert.deepEqual(systems.filter((s) => !contracts.has(s)), stack.off);
            });
        }
        for (const system of systems.filter((s) => !stack.off.includes(s))) {
            it(`${system}: its contract holds: every flow allowed, its pods in the plan, probes and Service ports on listeners, written paths writable, config values accepted, host facts true`, () => {
                assert.ok((contracts.get(system)?.facts ?? 0) > 0, `${system} is on and its contract holds facts`);
                const mine = findings.filter((f) => kindOf(f, system) !== undefined);
                const byKind = Object.entries(KINDS).flatMap(([kind, what]) => {
                    const fs = mine.filter((f) => kindOf(f, system) === kind);
                    return fs.length ? [`${what}:`, ...show(fs).map((l) => `  ${l}`)] : [];
                });
                assert.deepEqual([...byKind, ...show(mine.filter((f) => !(kindOf(f, system)! in KINDS)))], []);
            });
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
