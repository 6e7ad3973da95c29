/**
 * Stack configuration as the Pulumi CLI would hand it to the program, read from the committed
 * `Pulumi.yaml` / `Pulumi.<stack>.yaml`, plus `--set` / `--secret` overrides.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { YAMLError, parse } from "yaml";

export interface StackConfig {
    project: string;
    /** Full key (`project:key`) -> value as the engine passes it (objects as JSON strings). */
    config: Record<string, string>;
    /** Full keys whose values are secrets. */
    secretKeys: string[];
}

export class UsageError extends Error {}

/**
 * Parsed stack and project files by their text: the tests plan the same stack file a hundred times
 * in one process, and parsing the commented dev stack file was 2% of the suite. Callers only read
 * the result (`readStackConfig` copies what it takes).
 */
const parsedFiles = new Map<string, unknown>();

/**
 * Parse a project or stack file. Malformed YAML (tabs, bad indentation, duplicate keys) is the
 * user's to fix: a `UsageError` in one line, `Pulumi.dev.yaml:3:1: <what is wrong>`, no stack trace.
 */
function parseYamlFile(file: string): unknown {
    const text = fs.readFileSync(file, "utf8");
    if (parsedFiles.has(text)) return parsedFiles.get(text);
    try {
        const doc = parse(text);
        parsedFiles.set(text, doc);
        return doc;
    } catch (e) {
        if (!(e instanceof YAMLError)) throw e;
        const pos = e.linePos?.[0];
        const what = e.message.split(/ at line \d+, column \d+/)[0].split("\n")[0];
        throw new UsageError(`${path.basename(file)}:${pos ? `${pos.line}:${pos.col}` : "?"}: ${what} (fix the YAML in ${file})`);
    }
}

export function readProjectName(projectDir: string): string {
    const file = path.join(projectDir, "Pulumi.yaml");
    const doc = parseYamlFile(file) as { name?: unknown };
    if (typeof doc?.name !== "string") throw new UsageError(`${file} has no project name`);
    return doc.name;
}

function fullKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

function encode(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Read `Pulumi.<stack>.yaml`. A `secure:` value cannot be decrypted offline: it becomes a
 * placeholder secret, so everything derived from it is still treated as secret.
 */
export function readStackConfig(projectDir: string, stack: string): StackConfig {
    const project = readProjectName(projectDir);
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) throw new UsageError(`no stack file ${path.basename(file)} in ${projectDir} (known stacks: ${listStacks(projectDir).join(", ") || "none"})`);
    const doc = (parseYamlFile(file) ?? {}) as { config?: Record<string, unknown> };
    const config: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        const k = fullKey(project, key);
        if (value && typeof value === "object" && "secure" in value && Object.keys(value).length === 1) {
            config[k] = `placeholder-for-${k.replace(/[^A-Za-z0-9]+/g, "-")}`;
            secretKeys.push(k);
        } else {
            config[k] = encode(value);
        }
    }
    return { project, config, secretKeys };
}

export function listStacks(projectDir: string): string[] {
    return fs
        .readdirSync(projectDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** `a.b[1]["c.d"]` -> ["a", "b", 1, "c.d"], as `pulumi config set --path` reads a path. */
export function parseConfigPath(p: string): (string | number)[] {
    const segments: (string | number)[] = [];
    const re = /([^.[\]]+)|\[(\d+)\]|\["([^"]*)"\]|(\.)/gy;
    let m: RegExpExecArray | null;
    let last = 0;
    while ((m = re.exec(p)) !== null) {
        if (m[1] !== undefined) segments.push(m[1]);
        else if (m[2] !== undefined) segments.push(Number(m[2]));
        else if (m[3] !== undefined) segments.push(m[3]);
        last = re.lastIndex;
    }
    if (last !== p.length || segments.length === 0 || typeof segments[0] !== "string") {
        throw new UsageError(`cannot read config path '${p}' (expected e.g. jupyterhub.host or nvflare.servers[1].flPort)`);
    }
    return segments;
}

/** A `--set`/`--secret` value: JSON when it parses as JSON (numbers, booleans, objects), else the plain string. */
export function parseValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** Apply `KEY=VALUE` with KEY a config path (optionally `project:`-qualified). */
export function applySetting(stack: StackConfig, assignment: string, secret: boolean): void {
    const eq = assignment.indexOf("=");
    if (eq <= 0) throw new UsageError(`expected KEY=VALUE, got '${assignment}'`);
    const rawKey = assignment.slice(0, eq);
    const value = parseValue(assignment.slice(eq + 1));
    const colon = rawKey.indexOf(":");
    const namespace = colon >= 0 ? rawKey.slice(0, colon) : stack.project;
    const [top, ...rest] = parseConfigPath(colon >= 0 ? rawKey.slice(colon + 1) : rawKey) as [string, ...(string | number)[]];
    const key = `${namespace}:${top}`;
    if (rest.length === 0) {
        stack.config[key] = encode(secret ? String(value) : value);
    } else {
        const existing = stack.config[key] === undefined ? undefined : parseValue(stack.config[key]);
        const root: unknown = existing !== null && typeof existing === "object" ? existing : typeof rest[0] === "number" ? [] : {};
        let node = root as Record<string | number, unknown>;
        rest.forEach((seg, i) => {
            if (i === rest.length - 1) {
                node[seg] = value;
                return;
            }
            const next = node[seg];
            if (next === null || typeof next !== "object") node[seg] = typeof rest[i + 1] === "number" ? [] : {};
            node = node[seg] as Record<string | number, unknown>;
        });
        stack.config[key] = JSON.stringify(root);
    }
    if (secret && !stack.secretKeys.includes(key)) stack.secretKeys.push(key);
}
