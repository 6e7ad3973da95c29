/**
 * Runs this project's program under `pulumi.runtime.setMocks` and records every resource: its
 * type, name, inputs as the SDK sent them (secrets still marked), dependencies and outputs.
 */
import * as pulumi from "@pulumi/pulumi";

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export interface Recorded {
    type: string;
    name: string;
    urn: string;
    /** Inputs with secrets replaced by `{ secret: value }`. */
    wire: Record<string, unknown>;
    /** Inputs with secrets revealed. */
    inputs: Record<string, unknown>;
    dependsOn: string[];
}

export interface Run {
    resources: Recorded[];
    one(type: string, name: string): Recorded;
    all(type: string): Recorded[];
    outputs: Record<string, unknown>;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getDependenciesList(): string[];
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
type Callback = (err: unknown, resp?: { getUrn(): string }) => void;

function reveal(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(reveal);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return reveal(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, reveal(x)]));
}

function markSecrets(v: unknown): unknown {
    if (Array.isArray(v)) return v.map(markSecrets);
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return { secret: reveal(o.value) };
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, markSecrets(x)]));
}

/** Config for the project: plain values (objects as JSON) and secret ones. */
export interface RunOptions {
    config?: Record<string, unknown>;
    secrets?: Record<string, unknown>;
    organization?: string;
}

export const BASE_CONFIG = {
    repository: "example-org/research-platform",
};

/** Run `program` (which declares the resources) under fresh mocks with the given config. */
export async function run<T>(program: () => T | Promise<T>, opts: RunOptions = {}): Promise<Run & { result: T }> {
    const project = "research-platform-deployments";
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: `${args.name}-id`, state: { ...args.inputs, scheduleId: `${args.name}-schedule` } }),
            call: (args) => args.inputs,
        },
        project,
        "settings",
        false,
        opts.organization ?? "example-org",
    );
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    const put = (k: string, v: unknown) => (config[`${project}:${k}`] = typeof v === "string" ? v : JSON.stringify(v));
    for (const [k, v] of Object.entries(opts.config ?? BASE_CONFIG)) put(k, v);
    for (const [k, v] of Object.entries(opts.secrets ?? {})) {
        put(k, v);
        secretKeys.push(`${project}:${k}`);
    }
    pulumi.runtime.setAllConfig(config, secretKeys);

    const resources: Recorded[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: Callback): void };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequest, callback: Callback) => {
        original(req, (err, resp) => {
            if (!err && resp) {
                const raw = req.getObject()?.toJavaScript() ?? {};
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: resp.getUrn(),
                    wire: markSecrets(raw) as Record<string, unknown>,
                    inputs: reveal(raw) as Record<string, unknown>,
                    dependsOn: [...new Set(req.getDependenciesList())].sort(),
                });
            }
            callback(err, resp);
        });
    };
    const result = await program();
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
    return {
        result,
        resources,
        outputs: {},
        one(type, name) {
            const found = resources.filter((r) => r.type === type && r.name === name);
            if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${resources.map((r) => `${r.type}::${r.name}`).join(", ")})`);
            return found[0];
        },
        all(type) {
            return resources.filter((r) => r.type === type);
        },
    };
}
