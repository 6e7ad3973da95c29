/**
 * Runs the Pulumi program under `pulumi.runtime.setMocks` and records every resource exactly as
 * the SDK registers it. Shared by the offline plan (`tools/plan.ts`) and the test harness.
 *
 * The mock API's `newResource` sees neither parent, dependencies nor options, so this replaces the
 * mock monitor's `registerResource` and reads them from the register request itself, which also
 * still carries the SDK's secret markers. The mock monitor ignores `additionalSecretOutputs`
 * (the real engine honours them: `RandomPassword.result` is secret); the replacement marks those
 * outputs secret in the response, as the engine would.
 *
 * Remote components are registered as one resource, since their provider creates the children;
 * a `kubernetes:yaml/v2:ConfigGroup` is the exception: its objects are right there in its inputs,
 * so the replacement registers them as the provider's construct does (see `configGroupObjects`).
 *
 * The replacement also answers in the wire form it already has: the SDK's own mock monitor turns
 * every request into plain values, serializes the fake state again and builds a protobuf Struct
 * that the SDK at once turns back into plain values. Those three round trips were a third of a
 * large plan's run; the state it returns is the same.
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import type { Registration } from "./types";

export const SECRET_SIG = pulumi.runtime.specialSecretSig;
export const SIG_KEY = pulumi.runtime.specialSigKey;
export const RESOURCE_SIG = pulumi.runtime.specialResourceSig;
export const UNKNOWN = pulumi.runtime.unknownValue;
/** `pulumirpc.Result.SUCCESS`: the register call ran to completion (no unknowns kept). */
const SUCCESS = 0;

/** Values a mocked provider returns for the resources whose outputs the program reads. */
export function fakeState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
    const digest = (salt: string) => createHash("sha256").update(`${type}/${name}/${salt}`).digest();
    const text = (length: number, alphabet: string) => {
        let out = "";
        for (let i = 0; out.length < length; i++) {
            for (const byte of digest(String(i))) if (out.length < length) out += alphabet[byte % alphabet.length];
        }
        return out;
    };
    const length = typeof inputs.length === "number" ? inputs.length : 16;
    const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    switch (type) {
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: text(length, alnum), bcryptHash: `$2a$10$${text(53, alnum)}` };
        case "random:index/randomString:RandomString":
            return { ...inputs, result: text(length, alnum) };
        case "random:index/randomBytes:RandomBytes": {
            const bytes = Buffer.from(text(length * 2, "0123456789abcdef"), "hex");
            return { ...inputs, hex: bytes.toString("hex"), base64: bytes.toString("base64") };
        }
        case "random:index/randomId:RandomId": {
            const bytes = digest("id").subarray(0, typeof inputs.byteLength === "number" ? inputs.byteLength : 8);
            return { ...inputs, hex: bytes.toString("hex"), b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url"), dec: BigInt(`0x${bytes.toString("hex")}`).toString() };
        }
        case "random:index/randomUuid:RandomUuid": {
            const h = digest("uuid").toString("hex");
            return { ...inputs, result: `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}` };
        }
        case "kubernetes:helm.sh/v3:Release":
            return {
                ...inputs,
                status: { name: inputs.name ?? name, namespace: inputs.namespace ?? "default", chart: inputs.chart, version: inputs.version, status: "deployed", revision: 1 },
            };
    }
    if (type.startsWith("kubernetes:") && !type.startsWith("kubernetes:helm")) {
        // Like the provider, fill metadata.name when the program left it to auto-naming (without the random suffix).
        const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
        return { ...inputs, metadata: { ...metadata, name: metadata.name ?? name } };
    }
    return inputs;
}

/** `apps/v1` -> group `apps`, version `v1`; the core group (`v1`) is the empty group. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
    const i = apiVersion.lastIndexOf("/");
    return i < 0 ? { group: "", version: apiVersion } : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

/** Type token of a Kubernetes object as the provider registers it: `kubernetes:<group, or core>/<version>:<Kind>`. */
export function kubernetesType(apiVersion: string, kind: string): string {
    const { group, version } = splitApiVersion(apiVersion);
    return `kubernetes:${group || "core"}/${version}:${kind}`;
}

export const CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup";

/** Documents of a YAML text: JSON documents (what the program writes) parse as JSON, anything else as YAML. */
function documents(text: string): unknown[] {
    const chunks = text.split(/^---[ \t]*$/m).filter((c) => c.trim() !== "");
    try {
        return chunks.map((c) => JSON.parse(c));
    } catch {
        return parseAllDocuments(text).map((d) => d.toJS());
    }
}

/**
 * The children a ConfigGroup (yaml/v2) registers, as the provider's construct does
 * (pulumi-kubernetes `provider/pkg/provider/yaml/v2`): one per object of its `yaml` text and its
 * `objs`, named `<resourcePrefix, default the group's name>:<namespace>/<name>`, with the data of
 * Secrets marked secret. Objects from a secret `yaml` keep everything but their identity secret.
 */
export function configGroupObjects(groupName: string, wireInputs: Record<string, unknown>): { type: string; name: string; inputs: Record<string, unknown> }[] {
    if (wireInputs.files !== undefined) throw new Error(`ConfigGroup ${groupName}: the offline plan does not read \`files\`; give the objects as \`yaml\` or \`objs\``);
    const text = isSecretMarker(wireInputs.yaml) ? wireInputs.yaml.value : wireInputs.yaml;
    const objs = [...(typeof text === "string" ? documents(text) : []), ...(Array.isArray(wireInputs.objs) ? wireInputs.objs : [])];
    const prefix = typeof wireInputs.resourcePrefix === "string" ? wireInputs.resourcePrefix : groupName;
    const secret = (v: unknown) => (v === undefined || isSecretMarker(v) ? v : { [SIG_KEY]: SECRET_SIG, value: v });
    return objs
        .filter((o): o is Record<string, unknown> => typeof o === "object" && o !== null)
        .map((o) => {
            const metadata = (o.metadata ?? {}) as Record<string, unknown>;
            // The provider refuses these too.
            if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof metadata.name !== "string" || metadata.name === "") {
                throw new Error(`ConfigGroup ${groupName}: every object needs apiVersion, kind and metadata.name (got ${JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, name: metadata.name })})`);
            }
            const inputs = { ...o };
            if (o.apiVersion === "v1" && o.kind === "Secret") for (const k of ["data", "stringData"]) if (k in inputs) inputs[k] = secret(inputs[k]);
            if (isSecretMarker(wireInputs.yaml)) for (const k of Object.keys(inputs)) if (!["apiVersion", "kind", "metadata"].includes(k)) inputs[k] = secret(inputs[k]);
            const name = metadata.namespace ? `${String(metadata.namespace)}/${metadata.name}` : metadata.name;
            return { type: kubernetesType(o.apiVersion, o.kind), name: `${prefix}:${name}`, inputs };
        });
}

function mockId(type: string, name: string): string {
    return type.startsWith("pulumi:providers:") ? `${name}-provider-id` : `${name}-id`;
}

function providerUrn(ref: string): string | null {
    if (!ref) return null;
    const cut = ref.lastIndexOf("::");
    return cut > 0 ? ref.slice(0, cut) : ref;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getProvider(): string;
    getDependenciesList(): string[];
    getProtect(): boolean | undefined;
    getRetainondelete(): boolean | undefined;
    getAdditionalsecretoutputsList(): string[];
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}
interface MockMonitor {
    registerResource(req: RegisterRequest, cb: Callback): void;
    newUrn(parent: string, type: string, name: string): string;
    /** What the SDK's `getResource` invoke reads back. */
    resources: Map<string, { urn: string; id: string | null; state: Record<string, unknown> }>;
}
type Callback = (err: unknown, resp?: unknown) => void;

/** The register response the SDK expects, holding the state in wire form (the SDK only calls `toJavaScript()` on it). */
function registerResponse(urn: string, id: string, state: Record<string, unknown>): unknown {
    return {
        getUrn: () => urn,
        getId: () => id,
        getObject: () => ({ toJavaScript: () => state }),
        getPropertydependenciesMap: () => new Map(),
        getResult: () => SUCCESS,
    };
}

/**
 * Install fresh mocks and config, and return the list that every registration is appended to.
 * Call once per program run; it replaces any earlier mocks, config and recorder.
 */
export async function installMocks(opts: { project: string; stack: string; config: Record<string, string>; secretKeys: string[] }): Promise<Registration[]> {
    const registrations: Registration[] = [];
    await pulumi.runtime.setMocks(
        {
            // Only reached by `read` resources (`Resource.get`); registrations are answered below.
            newResource: (args) => ({ id: mockId(args.type, args.name), state: fakeState(args.type, args.name, args.inputs) }),
            call: (args) => args.inputs,
        },
        opts.project,
        opts.stack,
        false,
    );
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys);

    const monitor = pulumi.runtime.getMonitor() as unknown as MockMonitor;
    monitor.registerResource = (req: RegisterRequest, callback: Callback) => {
        let response: unknown;
        try {
            const type = req.getType();
            const name = req.getName();
            const parent = req.getParent();
            const wireInputs = req.getObject()?.toJavaScript() ?? {};
            const urn = monitor.newUrn(parent, type, name);
            const id = mockId(type, name);
            // Inputs in wire form are a valid wire-form state: secrets stay marked, references stay references.
            const state = { ...fakeState(type, name, wireInputs) };
            for (const key of req.getAdditionalsecretoutputsList()) {
                if (key in state && !isSecretMarker(state[key])) state[key] = { [SIG_KEY]: SECRET_SIG, value: state[key] };
            }
            monitor.resources.set(urn, { urn, id, state });
            const registration: Registration = {
                urn,
                type,
                name,
                parent: parent || null,
                dependsOn: [...new Set(req.getDependenciesList())].sort(),
                provider: providerUrn(req.getProvider()),
                custom: req.getCustom(),
                protect: req.getProtect() ?? false,
                retainOnDelete: req.getRetainondelete() ?? false,
                wireInputs,
            };
            registrations.push(registration);
            if (type === CONFIG_GROUP) {
                for (const child of configGroupObjects(name, wireInputs)) {
                    const childUrn = monitor.newUrn(urn, child.type, child.name);
                    monitor.resources.set(childUrn, { urn: childUrn, id: mockId(child.type, child.name), state: child.inputs });
                    registrations.push({ ...registration, urn: childUrn, type: child.type, name: child.name, parent: urn, custom: true, protect: false, retainOnDelete: false, wireInputs: child.inputs });
                }
            }
            response = registerResponse(urn, id, state);
        } catch (err) {
            callback(err);
            return;
        }
        callback(null, response);
    };
    return registrations;
}

/**
 * Forget the SDK promises a failed run left pending (the outputs of registrations it aborted,
 * e.g. a resource whose input apply threw): they never settle. The SDK reports such promises as
 * leaked when the process later exits cleanly, as the tests' workers and a plan that handled the
 * error do; under the engine a failed program exits with the error instead and reports none.
 */
export function abandonPendingPromises(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<unknown> } }).getStore().leakCandidates.clear();
}

/** Wait until every registration the program started has reached the mock monitor. */
export async function settle(): Promise<void> {
    await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

export function isSecretMarker(v: unknown): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/**
 * Wire form -> plain values. Secrets become `"[secret]"` (or, with `reveal`, their value);
 * resource references become their URN; values unknown during a preview become `"[unknown]"`.
 */
export function fromWire(v: unknown, reveal = false): unknown {
    if (v === UNKNOWN) return "[unknown]";
    if (Array.isArray(v)) return v.map((x) => fromWire(x, reveal));
    if (v === null || typeof v !== "object") return v;
    const o = v as Record<string, unknown>;
    if (o[SIG_KEY] === SECRET_SIG) return reveal ? fromWire(o.value, reveal) : "[secret]";
    if (o[SIG_KEY] === RESOURCE_SIG) return o.urn;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = fromWire(x, reveal);
    return out;
}

/** Paths (`a.b[0].c`) of every secret value inside a wire-form object. */
export function secretPaths(v: unknown, at = ""): string[] {
    if (isSecretMarker(v)) return [at || "."];
    if (Array.isArray(v)) return v.flatMap((x, i) => secretPaths(x, `${at}[${i}]`));
    if (v === null || typeof v !== "object") return [];
    return Object.entries(v).flatMap(([k, x]) => secretPaths(x, at ? `${at}.${k}` : k));
}

/** Resolve an Output (or plain value) to `{ value, secret }`. */
export async function resolveOutput(v: unknown): Promise<{ value: unknown; secret: boolean }> {
    const out = pulumi.output(v) as pulumi.Output<unknown>;
    const [value, secret] = await Promise.all([new Promise<unknown>((resolve) => out.apply(resolve)), pulumi.isSecret(out)]);
    return { value, secret };
}
