/**
 * The e2e's comparison of what a config change changes: the real engine's `pulumi preview --diff
 * --json` against the offline `npm run plan:diff -- --json` of the same change. Both become a
 * sorted list of `op Kind name` entries: the operation (`create`, `delete`, `replace`, `update`),
 * the resource's type's last segment and its Pulumi name. So the engine also checks plan:diff's
 * replacement rules: a resource plan:diff says is replaced must be one the engine replaces.
 */
import * as path from "node:path";
import type { DiffJson } from "../tools/plan-engine/planDiff";

export type Runner = (cmd: string, args: string[]) => Promise<{ code: number; out: string }>;

const kindOf = (type: string) => type.split(":").pop() ?? type;

/** The Pulumi name of a URN (urn:pulumi:stack::project::parent$type::name). */
function urnName(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** `Kind name` of a URN. */
export function urnEntry(urn: string): string {
    const type = urn.split("::")[2].split("$").pop()!;
    return `${kindOf(type)} ${urnName(urn)}`;
}

/** The engine's step operations as plan:diff names them (a replacement is three steps, one change). */
const PREVIEW_OPS: Record<string, string> = {
    create: "create",
    delete: "delete",
    update: "update",
    replace: "replace",
    "create-replacement": "replace",
    "delete-replaced": "replace",
};

/**
 * Resources that `pulumi preview --json` shows with an operation other than same/read. An update
 * of a component (its inputs changed) is left out, as plan:diff leaves it out: a component's
 * inputs are not deployed, and what changes inside it shows on its children.
 */
export function previewChangeList(jsonText: string): string[] {
    const doc = JSON.parse(jsonText.slice(jsonText.indexOf("{"))) as { steps?: { op: string; urn: string; newState?: { custom?: boolean }; oldState?: { custom?: boolean } }[] };
    const out = new Set<string>();
    for (const s of doc.steps ?? []) {
        if (["same", "read", "refresh", "discard"].includes(s.op)) continue;
        if (s.urn.includes("::pulumi:pulumi:Stack::")) continue;
        if (s.op === "update" && !(s.newState?.custom ?? s.oldState?.custom ?? false)) continue;
        out.add(`${PREVIEW_OPS[s.op] ?? s.op} ${urnEntry(s.urn)}`);
    }
    return [...out].sort();
}

/**
 * What `plan:diff --json` lists: resources added, removed, replaced and changed, and each release
 * whose values or chart change as an update of the resource that deploys it (the cert-manager
 * component's release is its child of the same name, so both read `Release <name>`).
 */
export function planDiffEntries(diff: DiffJson): string[] {
    const out = new Set<string>();
    const add = (op: string, rs: { urn: string }[]) => rs.forEach((r) => out.add(`${op} ${urnEntry(r.urn)}`));
    add("create", diff.added);
    add("delete", diff.removed);
    add("replace", diff.replaced);
    add("update", diff.changed);
    for (const r of diff.releases) out.add(`update Release ${r.urn ? urnName(r.urn) : r.release}`);
    return [...out].sort();
}

/** Plans the stack before and after the change offline and lists what `npm run plan:diff -- --json` reports. */
export async function planDiffList(root: string, stack: string, before: string[], after: string[], dir: string, run: Runner): Promise<string[]> {
    const b = path.join(dir, "before");
    const a = path.join(dir, "after");
    const plan = (out: string, sets: string[]) => run("npm", ["run", "--silent", "--prefix", root, "plan", "--", "--stack", stack, "--out", out, ...sets.flatMap((s) => ["--set", s])]);
    await plan(b, before);
    await plan(a, after);
    const out = (await run("npm", ["run", "--silent", "--prefix", root, "plan:diff", "--", "--json", b, a])).out;
    // The runner's output holds stderr too (the build's line): the JSON is the block from a `{` line to a `}` line.
    const json = /^\{$[\s\S]*?^\}$/m.exec(out);
    if (!json) throw new Error(`plan:diff --json printed no JSON:\n${out}`);
    return planDiffEntries(JSON.parse(json[0]) as DiffJson);
}

export function diffLists(preview: string[], plan: string[]): { onlyInPreview: string[]; onlyInPlanDiff: string[] } {
    const p = new Set(plan);
    const v = new Set(preview);
    return { onlyInPreview: preview.filter((x) => !p.has(x)), onlyInPlanDiff: plan.filter((x) => !v.has(x)) };
}
