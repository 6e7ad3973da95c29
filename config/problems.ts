import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

export const PROJECT = "research-platform";

/** One thing wrong with the stack configuration, phrased for the person who must fix it. */
export interface ConfigProblem {
    /** Full config key, e.g. `research-platform:metallb.addresses[0]`. */
    key: string;
    /** What is wrong. */
    problem: string;
    /** How to fix it. */
    fix: string;
}

export function formatProblem(p: ConfigProblem): string {
    return `${p.key}: ${p.problem}. Fix: ${p.fix}`;
}

/**
 * Thrown by `loadConfig()` when the stack configuration is invalid. It extends `RunError`, so
 * `pulumi up` prints the message without a stack trace: a configuration mistake is the user's to
 * fix, not a bug.
 */
export class ConfigError extends pulumi.RunError {
    readonly problems: readonly ConfigProblem[];
    constructor(problems: ConfigProblem[]) {
        const lines = problems.map((p) => `  - ${formatProblem(p)}`);
        super(`Invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${lines.join("\n")}`);
        this.name = "ConfigError";
        this.problems = Object.freeze([...problems]);
    }
}

/** `metallb`, `["addresses", 0]` -> `research-platform:metallb.addresses[0]` */
export function configKey(path: readonly PropertyKey[]): string {
    let out = `${PROJECT}:`;
    path.forEach((seg, i) => {
        if (typeof seg === "number") out += `[${seg}]`;
        else out += i === 0 ? String(seg) : `.${String(seg)}`;
    });
    return out;
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
    const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        let diag = prev[0];
        prev[0] = i;
        for (let j = 1; j <= b.length; j++) {
            const up = prev[j];
            prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
            diag = up;
        }
    }
    return prev[b.length];
}

export function closest(word: string, candidates: readonly string[]): string | undefined {
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const c of candidates) {
        const d = editDistance(word, c);
        if (d < bestDistance) {
            best = c;
            bestDistance = d;
        }
    }
    return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** Strip optional/default/nullable/pipe wrappers to reach the schema that describes a value. */
function unwrap(schema: z.ZodType): z.ZodType {
    let s: z.ZodType = schema;
    for (let i = 0; i < 20; i++) {
        const def = (s as unknown as { def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }).def;
        if (def.innerType) s = def.innerType;
        else if (def.type === "pipe" && def.in) s = def.in;
        else break;
    }
    return s;
}

/** The keys an object schema accepts at `path`, or [] if the path does not lead to an object. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
    let s = unwrap(schema);
    for (const seg of path) {
        const def = (s as unknown as { def: { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType } }).def;
        if (def.type === "object" && def.shape && typeof seg === "string" && def.shape[seg]) s = unwrap(def.shape[seg]);
        else if (def.type === "array" && def.element) s = unwrap(def.element);
        else if (def.type === "record" && def.valueType) s = unwrap(def.valueType);
        else return [];
    }
    const def = (s as unknown as { def: { type: string; shape?: Record<string, z.ZodType> } }).def;
    return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    const s = JSON.stringify(value);
    return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
    let v: unknown = root;
    for (const seg of path) {
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<PropertyKey, unknown>)[seg];
    }
    return v;
}

/**
 * Turn zod issues into problems a person can act on. Messages written by our own refinements are
 * expected to read "what is wrong. Fix: how" and are split there.
 */
export function problemsFromZod(error: z.ZodError, schema: z.ZodType, input: unknown, prefix: readonly PropertyKey[] = []): ConfigProblem[] {
    const out: ConfigProblem[] = [];
    for (const issue of error.issues) {
        const path = [...prefix, ...issue.path];
        const value = valueAt(input, issue.path);
        if (issue.code === "unrecognized_keys") {
            const known = knownKeysAt(schema, issue.path);
            for (const k of issue.keys) {
                const hint = closest(k, known);
                out.push({
                    key: configKey([...path, k]),
                    problem: `unknown key${hint ? ` (did you mean '${hint}'?)` : ""}`,
                    fix: hint ? `rename it to '${hint}'` : `remove it; known keys here are: ${known.join(", ") || "(none)"}`,
                });
            }
            continue;
        }
        const [problem, fix] = issue.message.includes(" Fix: ") ? issue.message.split(" Fix: ", 2) : [undefined, undefined];
        if (problem !== undefined && fix !== undefined) {
            out.push({ key: configKey(path), problem, fix });
        } else if (issue.code === "invalid_type" && value === undefined) {
            out.push({ key: configKey(path), problem: `is required (expected ${issue.expected})`, fix: `set it in Pulumi.<stack>.yaml or with \`pulumi config set --path '${configKey(path).slice(PROJECT.length + 1)}' <value>\`` });
        } else {
            out.push({
                key: configKey(path),
                problem: `${issue.message.replace(/^Invalid input: /, "")} (got ${describe(value)})`,
                fix: `correct the value in Pulumi.<stack>.yaml or with \`pulumi config set --path '${configKey(path).slice(PROJECT.length + 1)}' <value>\``,
            });
        }
    }
    return out;
}

/** Build a refinement message in the "problem. Fix: how" form understood by problemsFromZod. */
export function msg(problem: string, fix: string): string {
    return `${problem} Fix: ${fix}`;
}
