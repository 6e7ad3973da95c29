/**
 * The one test harness: runs the real program (`program/index.ts`) under mocks with a stack's config
 * plus overrides, records every registration, and answers questions about the result.
 *
 *   const run = await runProgram({ stack: "dev", set: ['metallb={"enabled":true}'] });
 *   const svc = run.one("kubernetes:core/v1:Service", "gateway");
 *   assert.equal(svc.inputs.spec.type, "LoadBalancer");
 *   assert.ok(run.isSecret(svc, "stringData.token"));
 */
import * as assert from "node:assert/strict";
import { ConfigError, secretSpecs } from "../config";
import { formatProblem } from "../config/problems";
import { main } from "../program";
import { findProjectDir } from "../program/projectDir";
import { fromWire, secretPaths, settle } from "../tools/plan-engine/mockRuntime";
import { PlanOptions, runPlan, withPlaceholderSecrets } from "../tools/plan-engine/runPlan";
import type { Plan, PlanResource, Registration } from "../tools/plan-engine/types";

export const PROJECT_DIR = findProjectDir(__dirname);

/** `--set`s that turn every application off: for tests of the cluster add-ons alone. */
export const APPS_OFF = ["distributedNotebook", "jupyterhub", "interlink", "nvflare", "diracx"].map((c) => `${c}.enabled=false`);

export interface RunOptions {
    /** Stack whose committed `Pulumi.<stack>.yaml` is the base config (default "dev"). */
    stack?: string;
    /** Start from no config at all instead of the stack file. */
    empty?: boolean;
    /** `KEY=VALUE` overrides, as `plan --set` (paths, JSON values). */
    set?: string[];
    /** `KEY=VALUE` secrets, as `plan --secret`. */
    secrets?: string[];
    /** Stand in a placeholder for every user-supplied secret not in `secrets`, as `plan --placeholder-secrets`. */
    placeholderSecrets?: boolean;
}

/** The real program, with the stack file (or nothing) plus the overrides and secrets of `opts`. */
function planOptions(opts: RunOptions): PlanOptions {
    const given = opts.secrets ?? [];
    return {
        projectDir: PROJECT_DIR,
        stack: opts.stack ?? "dev",
        base: opts.empty ? "empty" : "stackFile",
        sets: opts.set,
        secrets: opts.placeholderSecrets ? withPlaceholderSecrets(given, secretSpecs.map((s) => s.key)) : given,
        program: main,
    };
}

/** A recorded resource with its inputs revealed (secrets unwrapped) for assertions. */
export interface TestResource extends Omit<PlanResource, "inputs"> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    inputs: any;
    /** Paths of the inputs that are Pulumi secrets, e.g. `stringData.token`. */
    secretPaths: string[];
}

export class Run {
    readonly resources: TestResource[];
    constructor(readonly plan: Plan) {
        const byUrn = new Map<string, Registration>(plan.registrations.map((r) => [r.urn, r]));
        this.resources = plan.resources.map((r) => {
            const wire = byUrn.get(r.urn)!.wireInputs;
            return { ...r, inputs: fromWire(wire, true), secretPaths: secretPaths(wire) };
        });
    }

    /** Every resource of a type token, e.g. `kubernetes:apps/v1:Deployment`. */
    all(type: string): TestResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** Every resource of a type anywhere below a component of a type, e.g. `allIn("research-platform:apps:Nvflare", "kubernetes:apps/v1:Deployment")`. */
    allIn(componentType: string, type: string): TestResource[] {
        const byUrn = new Map(this.resources.map((r) => [r.urn, r]));
        return this.all(type).filter((r) => {
            for (let p = r.parent; p; p = byUrn.get(p)?.parent ?? null) if (byUrn.get(p)?.type === componentType) return true;
            return false;
        });
    }

    /** The one resource of a type with a Pulumi name; fails the test if there is not exactly one. */
    one(type: string, name: string): TestResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        assert.equal(found.length, 1, `expected one ${type} named ${name}, found ${found.length}; names of that type: ${this.all(type).map((r) => r.name).join(", ") || "none"}`);
        return found[0];
    }

    find(type: string, name: string): TestResource | undefined {
        return this.resources.find((r) => r.type === type && r.name === name);
    }

    byUrn(urn: string): TestResource {
        const r = this.resources.find((x) => x.urn === urn);
        assert.ok(r, `no resource ${urn}`);
        return r;
    }

    /** Whether the input at `path` (or anything inside it) is a Pulumi secret. */
    isSecret(r: TestResource, p: string): boolean {
        return r.secretPaths.some((s) => s === p || s.startsWith(`${p}.`) || s.startsWith(`${p}[`));
    }

    /** Resources (custom or component) whose parent chain includes `ancestor`. */
    descendants(ancestor: TestResource): TestResource[] {
        const byUrn = new Map(this.resources.map((r) => [r.urn, r]));
        return this.resources.filter((r) => {
            for (let p = r.parent; p; p = byUrn.get(p)?.parent ?? null) if (p === ancestor.urn) return true;
            return false;
        });
    }

    /** A stack output's value and secretness. */
    output(key: string): { value: unknown; secret: boolean } {
        assert.ok(key in this.plan.rawOutputs, `no stack output ${key}; outputs: ${Object.keys(this.plan.rawOutputs).join(", ")}`);
        return this.plan.rawOutputs[key];
    }
}

/** Freeze a plan's data all the way down, so that no test can change what another test reads. */
function deepFreeze<T>(v: T): T {
    if (v !== null && typeof v === "object" && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const x of Object.values(v)) deepFreeze(x);
    }
    return v;
}

/**
 * Plans already made in this process, by their options: the program is deterministic, so a test
 * file that plans the stack another file (or test) planned already gets that plan's data (frozen)
 * in a `Plan` and `Run` of its own. Many files plan `dev` or `prod` as committed.
 */
const plans = new Map<string, Promise<Plan>>();

/** Run the program under mocks. Throws whatever the program throws (e.g. `ConfigError`). */
export async function runProgram(opts: RunOptions = {}): Promise<Run> {
    const key = JSON.stringify([opts.stack ?? "dev", !!opts.empty, opts.set ?? [], opts.secrets ?? [], !!opts.placeholderSecrets]);
    let plan = plans.get(key);
    if (!plan) {
        plan = runPlan(planOptions(opts)).then(deepFreeze);
        plans.set(key, plan);
        // A run that throws is not kept: the next test sees the error for itself.
        plan.catch(() => plans.delete(key));
    }
    // A Plan object of its own (its data shared and frozen): what a test adds to it, such as the
    // charts Helm renders (`renderCharts` sets `plan.charts`), stays with that test.
    return new Run({ ...(await plan) });
}

/**
 * Run the program expecting invalid config: returns the problems as printed, and asserts that the
 * error is a `ConfigError` raised before any resource was registered.
 */
export async function configProblems(opts: RunOptions): Promise<string[]> {
    let registrations: Registration[] = [];
    const error = await runPlan({ ...planOptions(opts), onRegistrations: (r) => (registrations = r) }).then(
        () => assert.fail("expected a ConfigError, but the program ran"),
        (e: unknown) => e,
    );
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    await settle();
    assert.deepEqual(registrations.map((r) => r.urn), [], "no resource may be registered when the config is invalid");
    return error.problems.map(formatProblem);
}
