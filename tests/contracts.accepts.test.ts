/**
 * A value an upstream program refuses must be refused by the config schema, naming the key, before
 * anything is deployed. For every contract Accept whose key is a config path (or a user secret):
 * each `rejected` value, set on a stack where the system is on (prod, else dev), must give a ConfigError naming the
 * key; and where `accepted` is a closed list of numbers that does not follow the config
 * (a constant of the program, not "whatever you configure"), the nearest values outside it must be
 * refused too.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and config are plain data here */
import * as assert from "node:assert/strict";
import { registry } from "../contracts";
import type { Accept, ContractConfig } from "../contracts/types";
import { SECRET_KEY, isDescription, planConfig, valueAt, valueMatches } from "../tools/guardrails/contracts";
import { RunOptions, configProblems, runProgram } from "./harness";

type Scalar = string | number | boolean;

/** Where each system's refusals are tried: the first of these stacks that enables it (the schema does not depend on the stack). */
const STACKS: { label: string; opts: RunOptions }[] = [
    { label: "prod", opts: { stack: "prod", placeholderSecrets: true } },
    { label: "dev", opts: { stack: "dev", placeholderSecrets: true } },
];

/** A concrete value for a pattern of the lists: `<x>` -> `x`, `…` -> `example.org/x`, `[...]` dropped. */
export function example(v: Scalar): Scalar {
    if (typeof v !== "string") return v;
    return v.replace(/\[[^\]]*\]/g, "").replace(/<[^>]*>/g, "x").replace(/…/g, "example.org/x");
}

function setAt(obj: any, key: string, value: unknown): void {
    const parts = key.match(/[^.[\]]+/g) ?? [];
    let o = obj;
    for (const p of parts.slice(0, -1)) o = o[p];
    o[parts[parts.length - 1]] = value;
}

/** The `--set` (or `--secret`) that gives `key` the value `v`, shaped like the current value. */
function override(key: string, current: unknown, v: Scalar): RunOptions {
    if (SECRET_KEY.test(key)) return { secrets: [`${key}=${v}`] };
    let value: unknown = v;
    if (current && typeof current === "object" && !Array.isArray(current) && "from" in current && typeof v === "number") value = { from: v, to: v + 100 };
    else if (Array.isArray(current)) value = [v];
    else if (typeof current === "string") value = String(v);
    return { set: [`${key}=${JSON.stringify(value)}`] };
}

/** Values next to a closed numeric `accepted` list that does not follow the config. */
function outside(a: Accept, cfg: ContractConfig, system: string, current: unknown): Scalar[] {
    const acc = (a.accepted ?? []).filter((x) => !isDescription(x));
    if (acc.length === 0 || !["string", "number", "boolean"].includes(typeof current)) return [];
    // Only numbers have a "nearest value outside"; a boolean such as `enabled: [true]` means "on for this to matter".
    if (!acc.every((x) => typeof x === "number" || /^\d+$/.test(String(x)))) return [];
    const nums = acc.map(Number);
    const probes: Scalar[] = [Math.max(...nums) + 1, Math.min(...nums) - 1].filter((n) => n >= 0).map((n) => (typeof current === "string" ? String(n) : n));
    // A list that follows the config (e.g. "the provisioned port", built from the configured value) is no constraint.
    const fn = registry.find((r) => r.system === system)!.fn;
    return probes.filter((p) => {
        const patched = structuredClone(cfg) as any;
        setAt(patched, a.key, p);
        const again = fn(patched)?.accepts.filter((x) => x.key === a.key) ?? [];
        return !again.some((x) => (x.accepted ?? []).some((y) => valueMatches(y, p)));
    });
}

/** Whether the problems refuse `key` itself (not an unknown key, not only another key). */
function refusesKey(problems: string[], key: string): boolean {
    return problems.some((l) => (l.startsWith(`research-platform:${key}:`) || l.startsWith(`research-platform:${key}.`) || l.startsWith(`research-platform:${key}[`)) && !/unknown key/.test(l));
}

describe("runtime contracts: the config refuses what the programs refuse", function () {
    this.timeout(300_000);
    const cfgs: ContractConfig[] = [];
    before(async () => {
        for (const s of STACKS) cfgs.push(planConfig((await runProgram(s.opts)).plan)!);
    });

    it("every value a program refuses, on every system whose refusals reach a config key, is a config error naming the key (each system tried in prod, or dev when it is off in prod)", async () => {
        const missed: string[] = [];
        const tried = new Map<string, number>();
        for (const { system, fn } of registry) {
            const i = cfgs.findIndex((x) => fn(x) !== undefined);
            assert.ok(i >= 0, `${system} is on in dev or prod`);
            const [cfg, stack, c] = [cfgs[i], STACKS[i], fn(cfgs[i])!];
            const cases: { a: Accept; v: Scalar; why: string }[] = [];
            for (const a of c.accepts) {
                const at = valueAt(cfg, a.key);
                if (!SECRET_KEY.test(a.key) && (!at.found || (at.value !== null && typeof at.value === "object" && !Array.isArray(at.value) && !("from" in at.value)))) continue;
                for (const v of a.rejected ?? []) if (!isDescription(v)) cases.push({ a, v: example(v), why: `rejected ${JSON.stringify(v)}` });
                if (!SECRET_KEY.test(a.key)) for (const v of outside(a, cfg, system, at.value)) cases.push({ a, v, why: `outside accepted ${JSON.stringify(a.accepted)}` });
            }
            if (cases.length) tried.set(system, cases.length);
            for (const { a, v, why } of cases) {
                const opts = override(a.key, valueAt(cfg, a.key).value, v);
                const base = stack.opts;
                const what = `${system}: ${a.key} = ${[...(opts.set ?? []), ...(opts.secrets ?? [])].join(" ").replace(/^[^=]*=/, "")}`;
                let problems: string[];
                try {
                    problems = await configProblems({ ...base, set: [...(base.set ?? []), ...(opts.set ?? [])], secrets: [...(base.secrets ?? []), ...(opts.secrets ?? [])] });
                } catch (e) {
                    missed.push(`${what} (${why}, ${stack.label}): accepted by the config (${(e as Error).message.split("\n")[0]}), but ${a.reads} refuses it: ${a.why}`);
                    continue;
                }
                if (!refusesKey(problems, a.key)) missed.push(`${what} (${why}, ${stack.label}): the config's problems do not name the key: ${problems.join(" | ")}`);
            }
        }
        assert.ok(tried.size > 0, "some contract's refusals reach a config key");
        assert.deepEqual(missed, [], `tried: ${[...tried].map(([s, n]) => `${s} (${n})`).join(", ")}`);
    });
});

describe("runtime contracts: the refusal test's own parts", () => {
    it("makes examples of patterns and finds a refusal only when the key itself is named", () => {
        assert.equal(example("git+https://<host>/<repo>[?revision=<branch>]"), "git+https://x/x");
        assert.equal(example("git+ssh://…"), "git+ssh://example.org/x");
        assert.equal(refusesKey(["research-platform:a.b: must be x. Fix: y"], "a.b"), true);
        assert.equal(refusesKey(["research-platform:a.b.from: must be x. Fix: y"], "a.b"), true);
        assert.equal(refusesKey(["research-platform:a.bc: must be x. Fix: y"], "a.b"), false);
        assert.equal(refusesKey(["research-platform:a.b: unknown key (did you mean a.c?)"], "a.b"), false);
    });
});
