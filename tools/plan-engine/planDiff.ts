/**
 * A Markdown review of what changes between two offline plans, for a pull-request comment:
 * resources added, removed and changed (field by field), and Helm releases key by key. Plans are
 * already redacted, so secrets only ever appear as `[secret]`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createPatch } from "diff";
import microdiff from "microdiff";
import { parse } from "yaml";
import { shortType } from "./graph";
import { helmRecord } from "./manifests";
import type { HelmRecord, PlanResource } from "./types";

export interface LoadedPlan {
    project: string;
    stack: string;
    resources: PlanResource[];
    helm: Map<string, HelmRecord>;
}

export class PlanDirError extends Error {}

export function loadPlanDir(dir: string): LoadedPlan {
    const file = path.join(dir, "resources.json");
    if (!fs.existsSync(file)) throw new PlanDirError(`${dir} holds no offline plan (no resources.json): run \`npm run plan -- --out ${dir}\` first`);
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { project: string; stack: string; resources: PlanResource[] };
    const helm = new Map<string, HelmRecord>();
    const helmDir = path.join(dir, "helm");
    if (fs.existsSync(helmDir)) {
        for (const f of fs.readdirSync(helmDir).sort()) {
            const h = parse(fs.readFileSync(path.join(helmDir, f), "utf8")) as HelmRecord;
            helm.set(`${h.namespace}/${h.name}`, h);
        }
    }
    return { project: doc.project, stack: doc.stack, resources: doc.resources, helm };
}

/** Limit GitHub puts on a comment body is 65,536 characters; stay clear of it. */
export const MAX_COMMENT_CHARS = 60_000;

type Path = (string | number)[];

function fmtPath(p: Path): string {
    return p.reduce<string>((s, seg) => (typeof seg === "number" ? `${s}[${seg}]` : s ? `${s}.${seg}` : String(seg)), "");
}

function cell(v: unknown): string {
    if (v === undefined) return "_(none)_";
    const s = typeof v === "string" ? v : JSON.stringify(v);
    const short = s.length > 80 ? `${s.slice(0, 77)}...` : s;
    return `\`${short.replace(/\|/g, "\\|").replace(/`/g, "'").replace(/\n/g, "\\n")}\``;
}

function isMultiline(v: unknown): v is string {
    return typeof v === "string" && v.includes("\n");
}

/** The parts of a resource a reviewer compares: for a Helm release, everything but its values (shown per key below). */
function comparable(r: PlanResource): Record<string, unknown> {
    const h = helmRecord(r);
    const base = { dependsOn: r.dependsOn, protect: r.protect, retainOnDelete: r.retainOnDelete, provider: r.provider, parent: r.parent };
    if (h) {
        const { values: _values, ...release } = h;
        return { release, ...base };
    }
    // A component's inputs are not deployed; what changes inside it shows on its children.
    return r.custom ? { inputs: r.inputs, ...base } : base;
}

/** Field-level changes between two values: a table, plus unified diffs for multi-line strings (embedded configs). */
export function fieldChanges(before: unknown, after: unknown): string[] {
    const wrap = (v: unknown) => ({ v });
    const changes = microdiff(wrap(before) as Record<string, unknown>, wrap(after) as Record<string, unknown>);
    const rows: string[] = [];
    const patches: string[] = [];
    for (const c of changes) {
        const p = fmtPath((c.path as Path).slice(1)) || "(value)";
        const oldValue = c.type === "CREATE" ? undefined : (c as { oldValue: unknown }).oldValue;
        const newValue = c.type === "REMOVE" ? undefined : (c as { value: unknown }).value;
        if (isMultiline(oldValue) || isMultiline(newValue)) {
            const patch = createPatch(p, typeof oldValue === "string" ? oldValue : "", typeof newValue === "string" ? newValue : "", "before", "after", { context: 2 });
            patches.push(`\`${p}\`:\n\n\`\`\`diff\n${patch.split("\n").slice(4).join("\n").trimEnd()}\n\`\`\``);
            rows.push(`| \`${p}\` | _(text, see below)_ | _(text, see below)_ |`);
        } else {
            rows.push(`| \`${p}\` | ${cell(oldValue)} | ${cell(newValue)} |`);
        }
    }
    if (rows.length === 0) return [];
    return ["| field | before | after |", "|---|---|---|", ...rows, ...(patches.length ? ["", ...patches] : [])];
}

function label(r: PlanResource): string {
    const i = r.inputs as { metadata?: { namespace?: string } } | undefined;
    const ns = i?.metadata?.namespace ? ` (${i.metadata.namespace})` : "";
    return `${shortType(r.type)} \`${r.name}\`${ns}`;
}

function listSection(title: string, rs: PlanResource[]): string[] {
    if (rs.length === 0) return [];
    const out = [`### ${title} (${rs.length})`, "", "| kind | name | type |", "|---|---|---|"];
    for (const r of rs) out.push(`| ${shortType(r.type)} | \`${r.name}\` | \`${r.type}\` |`);
    return [...out, ""];
}

export function diffPlans(before: LoadedPlan, after: LoadedPlan): string {
    const b = new Map(before.resources.map((r) => [r.urn, r]));
    const a = new Map(after.resources.map((r) => [r.urn, r]));
    const added = after.resources.filter((r) => !b.has(r.urn));
    const removed = before.resources.filter((r) => !a.has(r.urn));
    const changed: { r: PlanResource; lines: string[] }[] = [];
    for (const r of after.resources) {
        const old = b.get(r.urn);
        if (!old) continue;
        const lines = fieldChanges(comparable(old), comparable(r));
        if (lines.length) changed.push({ r, lines });
    }

    const helmKeys = [...new Set([...before.helm.keys(), ...after.helm.keys()])].sort();
    const helmChanges: { key: string; lines: string[] }[] = [];
    for (const key of helmKeys) {
        const hb = before.helm.get(key);
        const ha = after.helm.get(key);
        if (!hb || !ha) continue; // added/removed releases are listed with the resources
        const head = fieldChanges({ chart: hb.chart, version: hb.version, repository: hb.repository }, { chart: ha.chart, version: ha.version, repository: ha.repository });
        const values = fieldChanges(hb.values, ha.values);
        if (head.length || values.length) helmChanges.push({ key, lines: [...head, ...(head.length && values.length ? [""] : []), ...values] });
    }

    const title = `## Offline plan diff: ${after.project}/${after.stack}`;
    if (added.length + removed.length + changed.length + helmChanges.length === 0) {
        return `${title}\n\nNo changes: ${after.resources.length} resources, identical inputs and options.\n`;
    }
    const out: string[] = [
        title,
        "",
        `**${added.length} added, ${removed.length} removed, ${changed.length} changed** (${before.resources.length} -> ${after.resources.length} resources; ${helmChanges.length} Helm release${helmChanges.length === 1 ? "" : "s"} with changed values or chart)`,
        "",
        ...listSection("Added", added),
        ...listSection("Removed", removed),
    ];
    if (changed.length) {
        out.push(`### Changed (${changed.length})`, "");
        for (const c of changed) out.push("<details>", `<summary>${label(c.r)}</summary>`, "", ...c.lines, "", "</details>", "");
    }
    if (helmChanges.length) {
        out.push(`### Helm releases (${helmChanges.length})`, "");
        for (const h of helmChanges) out.push("<details>", `<summary>release <code>${h.key}</code></summary>`, "", ...h.lines, "", "</details>", "");
    }
    let text = `${out.join("\n").trimEnd()}\n`;
    if (text.length > MAX_COMMENT_CHARS) {
        const cut = text.lastIndexOf("\n<details>", MAX_COMMENT_CHARS - 200);
        text = `${text.slice(0, cut > 0 ? cut : MAX_COMMENT_CHARS - 200).trimEnd()}\n\n_The diff is longer than a comment can hold and was cut here: run \`npm run plan:diff\` locally for all of it._\n`;
    }
    return text;
}
