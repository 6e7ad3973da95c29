import * as pulumi from "@pulumi/pulumi";
import { resolveEnvironment } from "./kubernetes";
import { ConfigError, ConfigProblem, PROJECT, closest, configKey, problemsFromZod } from "./problems";
import { PlatformSettings, crossChecks, platformSchema, secretSpecs } from "./schema";

export { ConfigError, PROJECT } from "./problems";
export type { ConfigProblem } from "./problems";
export { platformSchema, secretSpecs } from "./schema";
export type { PlatformSettings } from "./schema";

export type Environment = "dev" | "prod";

/** The platform's validated, frozen configuration: what `loadConfig()` returns. */
export type PlatformConfig = Readonly<
    Omit<PlatformSettings, "kubernetes"> & {
        kubernetes: PlatformSettings["kubernetes"] & { environment: Environment };
        /** The Pulumi stack name. */
        stack: string;
        /** User-supplied secrets the enabled components need, read with `getSecret` (always secret Outputs). */
        secrets: Readonly<Partial<Record<string, pulumi.Output<string>>>>;
    }
>;

/**
 * Whether the engine delivered a config key as a secret (`secure:` in the stack file). The SDK
 * exports this from its runtime but marks it internal; the SDK version is pinned and a test
 * covers this use.
 */
const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret(key: string): boolean }).isConfigSecret;

function deepFreeze<T>(value: T): T {
    if (value && typeof value === "object" && !pulumi.Output.isInstance(value)) {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
    }
    return value;
}

/** The stack's keys under the project namespace, with JSON values parsed (objects arrive as JSON strings). */
function readRawConfig(): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        const [ns, key] = fullKey.split(":", 2);
        if (ns !== PROJECT || key === undefined) continue;
        try {
            raw[key] = JSON.parse(value);
        } catch {
            raw[key] = value;
        }
    }
    return raw;
}

/**
 * Read the stack configuration once, validate all of it, and return it typed and frozen.
 * Every problem (unknown keys, wrong values, cross-component conflicts, missing secrets) is
 * collected and thrown together as one `ConfigError` before any resource exists.
 */
export function loadConfig(): PlatformConfig {
    const raw = readRawConfig();
    const secretKeys = new Set(secretSpecs.map((s) => s.key));
    const componentKeys = Object.keys(platformSchema.shape);
    const problems: ConfigProblem[] = [];

    const settingsInput: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) {
        if (secretKeys.has(key)) continue;
        if (componentKeys.includes(key)) {
            settingsInput[key] = value;
            continue;
        }
        const hint = closest(key, [...componentKeys, ...secretKeys]);
        problems.push({
            key: configKey([key]),
            problem: `unknown key${hint ? ` (did you mean '${hint}'?)` : ""}`,
            fix: hint ? `rename it with \`pulumi config rm ${key}\` and set '${hint}' instead` : `remove it with \`pulumi config rm ${key}\`; known keys are: ${componentKeys.join(", ")}`,
        });
    }

    const parsed = platformSchema.safeParse(settingsInput);
    if (parsed.success) {
        for (const check of crossChecks) {
            check(parsed.data, (path, problem, fix) => problems.push({ key: configKey(path), problem, fix }));
        }
    } else {
        problems.push(...problemsFromZod(parsed.error, platformSchema, settingsInput));
    }

    // Secrets are checked even when the schema failed, so one run reports everything it can:
    // with invalid settings, `requiredWhen` sees the raw input and may not be able to decide.
    const config = new pulumi.Config(PROJECT);
    const secrets: Record<string, pulumi.Output<string>> = {};
    for (const spec of secretSpecs) {
        let required: boolean;
        try {
            required = spec.requiredWhen(parsed.success ? parsed.data : (settingsInput as PlatformSettings));
        } catch {
            required = false;
        }
        if (!required) continue;
        const fullKey = `${PROJECT}:${spec.key}`;
        if (raw[spec.key] === undefined) {
            problems.push({
                key: fullKey,
                problem: `is required (${spec.description}) but not set`,
                fix: `run \`pulumi config set --secret ${spec.key} <value>\``,
            });
        } else if (String(raw[spec.key]).trim() === "") {
            problems.push({
                key: fullKey,
                problem: `is empty (${spec.description})`,
                fix: `run \`pulumi config set --secret ${spec.key} <value>\` with the real value`,
            });
        } else if (!isConfigSecret(fullKey)) {
            problems.push({
                key: fullKey,
                problem: "is stored in plaintext in the stack file",
                fix: `run \`pulumi config set --secret ${spec.key} <value>\` so it is encrypted`,
            });
        } else {
            secrets[spec.key] = config.requireSecret(spec.key);
        }
    }

    if (problems.length > 0 || !parsed.success) {
        const stackFile = `Pulumi.${pulumi.getStack()}.yaml`;
        throw new ConfigError(problems.map((p) => ({ ...p, fix: p.fix.replace(/Pulumi\.<stack>\.yaml/g, stackFile) })));
    }
    const settings = parsed.data;

    const environment: Environment = resolveEnvironment(settings.kubernetes);
    return deepFreeze({
        ...settings,
        kubernetes: { ...settings.kubernetes, environment },
        stack: pulumi.getStack(),
        secrets,
    });
}
