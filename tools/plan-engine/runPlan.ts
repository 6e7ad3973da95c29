/**
 * Run the program under mocks and collect what it would deploy: the in-memory plan that
 * `tools/plan.ts` writes to disk and the tests inspect.
 */
import * as pulumi from "@pulumi/pulumi";
import { abandonPendingPromises, fromWire, installMocks, resolveOutput, settle } from "./mockRuntime";
import { StackConfig, applySetting, readProjectName, readStackConfig } from "./stackConfig";
import type { Plan, Registration } from "./types";

export interface PlanOptions {
    projectDir: string;
    stack: string;
    /** `KEY=VALUE` config paths, as `--set`. */
    sets?: string[];
    /** `KEY=VALUE` secrets, as `--secret`. */
    secrets?: string[];
    /** Runs the program and returns its stack outputs. */
    program: () => unknown;
    /** Start from the committed stack file (default) or from no config at all. */
    base?: "stackFile" | "empty";
    /**
     * Keep stack traces while the program runs (default: env `PLAN_STACK_TRACES=1`). Off, errors
     * carry their message only: the SDK captures and formats a stack trace for every promise and
     * resource it creates (for source positions a mock never uses), a fifth of a run's time.
     */
    stackTraces?: boolean;
    /** Receives the live list of registrations as soon as mocks are installed (tests use it when the program throws). */
    onRegistrations?: (registrations: Registration[]) => void;
}

/**
 * `KEY=VALUE` secrets plus a placeholder for every user-supplied secret not among them: for CI and
 * tests of stacks whose secrets the operator sets.
 */
export function withPlaceholderSecrets(given: readonly string[], keys: readonly string[]): string[] {
    const have = new Set(given.map((s) => s.split("=", 1)[0].replace(/^[^:]*:/, "")));
    return [...given, ...keys.filter((k) => !have.has(k)).map((k) => `${k}=placeholder-${k}`)];
}

export function stackConfigFor(opts: Pick<PlanOptions, "projectDir" | "stack" | "sets" | "secrets" | "base">): StackConfig {
    const stack: StackConfig = opts.base === "empty" ? { project: readProjectName(opts.projectDir), config: {}, secretKeys: [] } : readStackConfig(opts.projectDir, opts.stack);
    for (const s of opts.sets ?? []) applySetting(stack, s, false);
    for (const s of opts.secrets ?? []) applySetting(stack, s, true);
    return stack;
}

/** Whether the environment asks for stack traces while the program runs (`PLAN_STACK_TRACES=1`). */
export function stackTracesWanted(env: NodeJS.ProcessEnv = process.env): boolean {
    return env.PLAN_STACK_TRACES === "1";
}

/** Run the program under mocks. A `ConfigError` from the program propagates unchanged. */
/** The SDK's own `Resource.callsites`, taken at load, and the stand-in a run without traces puts there. */
const sdkResource = pulumi.Resource as unknown as { callsites: () => unknown[] };
const sdkCallsites = sdkResource.callsites;
const noCallsites = (): unknown[] => [];

export async function runPlan(opts: PlanOptions): Promise<Plan> {
    const stack = stackConfigFor(opts);
    const registrations = await installMocks({ project: stack.project, stack: opts.stack, config: stack.config, secretKeys: stack.secretKeys });
    opts.onRegistrations?.(registrations);

    // Failures inside applies surface as unhandled rejections: turn them into this run's error.
    let asyncError: unknown;
    const onRejection = (e: unknown) => (asyncError ??= e);
    process.on("unhandledRejection", onRejection);
    const traceLimit = Error.stackTraceLimit;
    const traces = opts.stackTraces ?? stackTracesWanted();
    if (!traces) Error.stackTraceLimit = 0;
    // The SDK also captures a whole stack for every resource it constructs (its source position,
    // which the engine shows and the mocks ignore): `Resource.callsites` lifts the limit itself, and
    // under a source-mapping hook (the tests' tsx) it was a tenth of a plan. Off with the rest.
    const callsites = sdkResource.callsites;
    if (!traces) sdkResource.callsites = noCallsites;
    let exported: unknown;
    try {
        exported = opts.program();
        await settle();
        // Node reports an unhandled rejection only after the microtask queue drains: give it a turn.
        await new Promise((resolve) => setImmediate(resolve));
    } catch (e) {
        await settle().catch(() => undefined);
        asyncError ??= e;
    } finally {
        process.off("unhandledRejection", onRejection);
        Error.stackTraceLimit = traceLimit;
        // What was there before (the stand-in only if an overlapping run put it: then the SDK's own).
        sdkResource.callsites = callsites === noCallsites ? sdkCallsites : callsites;
    }
    if (asyncError) {
        abandonPendingPromises();
        throw asyncError;
    }

    const outputs: Record<string, unknown> = {};
    const rawOutputs: Plan["rawOutputs"] = {};
    const exportedObj = (exported ?? {}) as Record<string, unknown>;
    for (const key of Object.keys(exportedObj).sort()) {
        rawOutputs[key] = await resolveOutput(exportedObj[key]);
        outputs[key] = rawOutputs[key].secret ? "[secret]" : rawOutputs[key].value;
    }
    await settle();

    const resources = registrations
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            parent: r.parent,
            dependsOn: r.dependsOn,
            provider: r.provider,
            custom: r.custom,
            protect: r.protect,
            retainOnDelete: r.retainOnDelete,
            inputs: fromWire(r.wireInputs),
        }))
        .sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    return { project: stack.project, stack: opts.stack, resources, outputs, registrations, rawOutputs };
}
