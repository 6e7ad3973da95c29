/**
 * A Markdown review of what changes between two offline plans, for a pull-request comment:
 * resources added, removed and changed (field by field), Helm releases key by key, and the
 * objects Helm renders for each release (added, removed, changed field by field), grouped under
 * their release. Plans are already redacted, so secrets only ever appear as `[secret]`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createPatch } from "diff";
import microdiff from "microdiff";
import { load } from "js-yaml";
import { parse } from "yaml";
import { shortType } from "./graph";
import { helmRecord } from "./manifests";
import type { HelmRecord, PlanResource } from "./types";

export interface LoadedPlan {
    project: string;
    stack: string;
    resources: PlanResource[];
    helm: Map<string, HelmRecord>;
    /**
     * The objects Helm rendered, by release (`<namespace>/<name>`), each by its path inside the
     * release's folder (`<namespace>/<Kind>-<name>.yaml`, hooks under `hooks/`), as text. Absent
     * for a plan written without rendering.
     */
    chartObjects?: Map<string, Map<string, string>>;
}

export class PlanDirError extends Error {}

export function loadPlanDir(dir: string): LoadedPlan {
    const file = path.join(dir, "resources.json");
    if (!fs.existsSync(file)) throw new PlanDirError(`${dir} holds no offline plan (no resources.json): run \`npm run plan -- --out ${dir}\` first`);
    const doc = JSON.parse(fs.readFileSync(file, "utf8")) as { project: string; stack: string; resources: PlanResource[] };
    const helm = new Map<string, HelmRecord>();
    const chartObjects = new Map<string, Map<string, string>>();
    const helmDir = path.join(dir, "helm");
    if (fs.existsSync(helmDir)) {
        for (const f of fs.readdirSync(helmDir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
            if (!f.isFile() || !f.name.endsWith(".yaml")) continue;
            const h = parse(fs.readFileSync(path.join(helmDir, f.name), "utf8")) as HelmRecord;
            const key = `${h.namespace}/${h.name}`;
            helm.set(key, h);
            // The release's rendered objects: helm/<namespace>-<release>/ beside its values record.
            const objects = path.join(helmDir, `${h.namespace}-${h.name}`);
            if (!fs.existsSync(objects)) continue;
            const texts = new Map<string, string>();
            for (const e of fs.readdirSync(objects, { recursive: true, withFileTypes: true })) {
                if (!e.isFile() || !e.name.endsWith(".yaml")) continue;
                const file = path.join(e.parentPath, e.name);
                texts.set(path.relative(objects, file).split(path.sep).join("/"), fs.readFileSync(file, "utf8"));
            }
            chartObjects.set(key, new Map([...texts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))));
        }
    }
    return { project: doc.project, stack: doc.stack, resources: doc.resources, helm, chartObjects };
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

/** Rows of a field table shown per object before "and N more" (a CRD's descriptions can change by the hundred). */
const MAX_FIELD_ROWS = 40;

function capRows(lines: string[]): string[] {
    const rows = lines.filter((l) => l.startsWith("| `"));
    if (rows.length <= MAX_FIELD_ROWS) return lines;
    let seen = 0;
    const kept = lines.filter((l) => !l.startsWith("| `") || ++seen <= MAX_FIELD_ROWS);
    const at = kept.findIndex((l, i) => l.startsWith("| `") && !kept[i + 1]?.startsWith("| `"));
    kept.splice(at + 1, 0, `| _... and ${rows.length - MAX_FIELD_ROWS} more fields_ | | |`);
    return kept;
}

interface ChartChange {
    release: string;
    added: string[];
    removed: string[];
    changed: { path: string; lines: string[] }[];
}

/** What changes among the objects Helm renders, per release present in both plans. */
function chartChanges(before: LoadedPlan, after: LoadedPlan): ChartChange[] {
    const out: ChartChange[] = [];
    if (!before.chartObjects || !after.chartObjects) return out;
    for (const [release, objs] of after.chartObjects) {
        const old = before.chartObjects.get(release);
        if (!old) continue; // a release added or rendered for the first time: listed with the resources
        const c: ChartChange = { release, added: [], removed: [], changed: [] };
        for (const [p, text] of objs) {
            const was = old.get(p);
            if (was === undefined) c.added.push(p);
            else if (was !== text) {
                const lines = fieldChanges(load(was), load(text));
                if (lines.length) c.changed.push({ path: p, lines: capRows(lines) });
            }
        }
        for (const p of old.keys()) if (!objs.has(p)) c.removed.push(p);
        if (c.added.length + c.removed.length + c.changed.length) out.push(c);
    }
    return out.sort((a, b) => (a.release < b.release ? -1 : 1));
}

function chartSection(changes: ChartChange[]): string[] {
    if (changes.length === 0) return [];
    const out = [`### Objects rendered by Helm (${changes.length} release${changes.length === 1 ? "" : "s"})`, ""];
    for (const c of changes) {
        out.push(`#### release \`${c.release}\`: ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed`, "");
        for (const p of c.added) out.push(`- added \`${p}\``);
        for (const p of c.removed) out.push(`- removed \`${p}\``);
        if (c.added.length + c.removed.length) out.push("");
        // Objects with the very same changes (a chart bump relabels every object) are shown once.
        const groups = new Map<string, { paths: string[]; lines: string[] }>();
        for (const ch of c.changed) {
            const key = ch.lines.join("\n");
            const g = groups.get(key);
            if (g) g.paths.push(ch.path);
            else groups.set(key, { paths: [ch.path], lines: ch.lines });
        }
        for (const g of groups.values()) {
            const what = g.paths.length === 1 ? `<code>${g.paths[0]}</code>` : `${g.paths.length} objects, the same change: ${g.paths.map((p) => `<code>${p}</code>`).join(", ")}`;
            out.push("<details>", `<summary>changed ${what}</summary>`, "", ...g.lines, "", "</details>", "");
        }
    }
    return out;
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

    const charts = chartChanges(before, after);
    const title = `## Offline plan diff: ${after.project}/${after.stack}`;
    if (added.length + removed.length + changed.length + helmChanges.length + charts.length === 0) {
        return `${title}\n\nNo changes: ${after.resources.length} resources, identical inputs and options.\n`;
    }
    const chartCount = (f: (c: ChartChange) => number) => charts.reduce((n, c) => n + f(c), 0);
    const out: string[] = [
        title,
        "",
        `**${added.length} added, ${removed.length} removed, ${changed.length} changed** (${before.resources.length} -> ${after.resources.length} resources; ${helmChanges.length} Helm release${helmChanges.length === 1 ? "" : "s"} with changed values or chart` +
            (charts.length ? `; rendered chart objects: ${chartCount((c) => c.added.length)} added, ${chartCount((c) => c.removed.length)} removed, ${chartCount((c) => c.changed.length)} changed` : "") +
            ")",
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
    out.push(...chartSection(charts));
    let text = `${out.join("\n").trimEnd()}\n`;
    if (text.length > MAX_COMMENT_CHARS) {
        const cut = text.lastIndexOf("\n<details>", MAX_COMMENT_CHARS - 200);
        text = `${text.slice(0, cut > 0 ? cut : MAX_COMMENT_CHARS - 200).trimEnd()}\n\n_The diff is longer than a comment can hold and was cut here: run \`npm run plan:diff\` locally for all of it._\n`;
    }
    return text;
}
