/**
 * Config problems phrased for the command that was run. The program phrases each fix for the
 * Pulumi CLI (`pulumi config set --secret KEY <value>`, `pulumi config rm KEY`); under the offline
 * plan the same fix is a `--secret KEY=<value>`, a `--set`, or an edit of the stack file, and a
 * value that came from a `--set` is not "stored in the stack file".
 */
import type { ConfigProblem } from "../../config";
import { parseConfigPath } from "./stackConfig";

export interface PlanCommandLine {
    /** The stack whose file the plan read, e.g. `prod`. */
    stack: string;
    /** The `--set KEY=VALUE` arguments as given. */
    sets: readonly string[];
    /** Whether `--placeholder-secrets` was given. */
    placeholderSecrets: boolean;
}

const PROJECT_PREFIX = /^[^:.[\]]+:/;

/** `research-platform:metallb.enabled` or `metallb.enabled` -> `metallb.enabled`. */
function bareKey(key: string): string {
    return key.replace(PROJECT_PREFIX, "");
}

/** The `--set` arguments whose key is exactly `path` (without the project prefix). */
function setsAt(line: PlanCommandLine, path: string): string[] {
    return line.sets.filter((s) => {
        const eq = s.indexOf("=");
        return eq > 0 && bareKey(s.slice(0, eq)) === path;
    });
}

/** `--set metalb.enabled=true` with `metalb` renamed to `metallb` at depth 0 -> `--set metallb.enabled=true`. */
function renamedSet(assignment: string, depth: number, to: string): string {
    const eq = assignment.indexOf("=");
    const segments = parseConfigPath(bareKey(assignment.slice(0, eq)));
    segments[depth] = to;
    const key = segments.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
    return `--set ${key}=${assignment.slice(eq + 1)}`;
}

/** The `--set`s that assign `path` itself or something inside it. */
function setsUnder(line: PlanCommandLine, path: string): string[] {
    return line.sets.filter((s) => {
        const eq = s.indexOf("=");
        if (eq <= 0) return false;
        const key = bareKey(s.slice(0, eq));
        return key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`);
    });
}

/** One problem, rephrased for `npm run plan`. */
export function forOfflinePlan(p: ConfigProblem, line: PlanCommandLine): ConfigProblem {
    const stackFile = `Pulumi.${line.stack}.yaml`;
    const path = bareKey(p.key);
    let { problem, fix } = p;

    // A plaintext secret that came from a --set, not from the stack file.
    if (problem === "is stored in plaintext in the stack file" && setsAt(line, path).length > 0) {
        problem = "was given with --set, as plain text";
        fix = `pass it with \`--secret ${path}=<value>\` instead`;
        return { ...p, problem, fix };
    }

    // A misspelt key: suggest the corrected --set when the key came from one.
    const hint = /^unknown key \(did you mean '([^']+)'\?\)$/.exec(problem)?.[1];
    if (hint !== undefined) {
        const depth = parseConfigPath(path).length - 1;
        const given = setsUnder(line, path);
        if (given.length > 0) return { ...p, fix: `use \`${renamedSet(given[0], depth, hint)}\`${given.length > 1 ? ` (and the same for the other ${given.length - 1} --set of it)` : ""}` };
        return { ...p, fix: `rename it to '${hint}' in ${stackFile}` };
    }

    fix = fix
        .replace(/(?:run )?`pulumi config set --secret (\S+) <value>`( so it is encrypted)?/g, (_m, key: string) =>
            `pass \`--secret ${key}=<value>\`${line.placeholderSecrets ? "" : " (or `--placeholder-secrets` to stand in a placeholder for every user-supplied secret)"}; to deploy, encrypt it in ${stackFile} with \`pulumi config set --secret ${key} <value>\``,
        )
        .replace(/`pulumi config set --path '?([^'`\s]+)'? ([^`]+)`/g, (_m, key: string, value: string) => `\`--set ${key}=${value.trim()}\``)
        .replace(/remove it with `pulumi config rm (\S+)`/g, (_m, key: string) => (setsUnder(line, key).length > 0 ? `drop the \`--set ${key}…\`` : `remove it from ${stackFile}`))
        .replace(/Pulumi\.<stack>\.yaml/g, stackFile);
    return { ...p, problem, fix };
}
