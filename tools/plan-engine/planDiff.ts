/**
 * A Markdown review of what changes between two offline plans, for a pull-request comment.
 *
 * What hurts comes first: resources that Pulumi would **replace** (a field their provider cannot
 * change in place, see `replacement.ts`) or remove, and, at the very top, every protected or
 * retained resource among them (data at risk). Then resources changed in place (field by field),
 * added, Helm releases key by key, and the objects Helm renders for each release (added, removed,
 * changed field by field), grouped under their release. Plans are already redacted, so secrets only
 * ever appear as `[secret]`.
 *
 * Large diffs stay readable: names sort naturally (`site-72` before `site-719`); a run of
 * resources of one type whose names differ only in a number, added, removed or changed alike, is
 * one entry (`site-{11..1000}`); a comment too long for GitHub is cut between entries, never inside
 * a row, and says what it left out; a table cell shows 80 characters of a value, and the value in
 * full follows the table inside the collapsed details.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { formatPatch, structuredPatch } from "diff";
import microdiff from "microdiff";
import { load } from "js-yaml";
import { parse } from "yaml";
import { shortType } from "./graph";
import { helmRecord } from "./manifests";
import { FieldPath, Pattern, forceNewPatterns, forcesReplacement } from "./replacement";
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

export interface DiffOptions {
    /** Longest text to return (default `MAX_COMMENT_CHARS`); CI gives each stack its share of one comment. */
    maxChars?: number;
}

/** Characters of a value shown in a table cell; the whole value follows the table. */
const CELL_CHARS = 80;
/** Rows of a field table kept when the comment has to be shortened (the rest counted). */
const COMPACT_FIELD_ROWS = 40;
/** Resources of one shape from which on they are shown as one entry. */
const MIN_RUN = 3;

// ---------------------------------------------------------------------------------------------
// Names: natural order and runs

/** Compare strings with their numbers as numbers: `site-72` < `site-719` < `site-1000`. */
export function naturalCompare(a: string, b: string): number {
    const ax = a.match(/\d+|\D+/g) ?? [];
    const bx = b.match(/\d+|\D+/g) ?? [];
    for (let i = 0; i < Math.min(ax.length, bx.length); i++) {
        const [x, y] = [ax[i], bx[i]];
        if (x === y) continue;
        if (/^\d/.test(x) && /^\d/.test(y)) {
            const [nx, ny] = [x.replace(/^0+(?=\d)/, ""), y.replace(/^0+(?=\d)/, "")];
            if (nx.length !== ny.length) return nx.length - ny.length;
            if (nx !== ny) return nx < ny ? -1 : 1;
            return x.length - y.length; // equal numbers: fewer leading zeros first
        }
        return x < y ? -1 : 1;
    }
    return ax.length - bx.length;
}

/** A name with every number replaced by `#`: names of one shape differ only in their numbers. */
function shape(name: string): string {
    return name.replace(/\d+/g, "#");
}

/** `1,2,3,5,7,8,9` -> `1..3,5,7..9` (numbers without leading zeros, sorted). */
function ranges(ns: number[]): string {
    const out: string[] = [];
    for (let i = 0; i < ns.length; ) {
        let j = i;
        while (j + 1 < ns.length && ns[j + 1] === ns[j] + 1) j++;
        out.push(j - i >= 2 ? `${ns[i]}..${ns[j]}` : j === i ? `${ns[i]}` : `${ns[i]},${ns[j]}`);
        i = j + 1;
    }
    return out.join(",");
}

/**
 * Names of one shape written as one: `site-{11..1000}` when only one number varies (exactly those
 * names), else the first and last and how many.
 */
export function nameRun(names: string[]): string {
    const sorted = [...names].sort(naturalCompare);
    if (sorted.length === 1) return sorted[0];
    const parts = sorted.map((n) => n.split(/(\d+)/));
    const varying = parts[0].map((_, i) => i).filter((i) => parts.some((p) => p[i] !== parts[0][i]));
    if (varying.length === 1) {
        const i = varying[0];
        const values = parts.map((p) => p[i]);
        if (values.every((v) => /^(0|[1-9]\d*)$/.test(v) && v.length < 16)) {
            const ns = [...new Set(values.map(Number))].sort((a, b) => a - b);
            return `${parts[0].slice(0, i).join("")}{${ranges(ns)}}${parts[0].slice(i + 1).join("")}`;
        }
    }
    return `${sorted[0]} … ${sorted[sorted.length - 1]} (${sorted.length} names)`;
}

// ---------------------------------------------------------------------------------------------
// Values and field changes

function fmtPath(p: FieldPath): string {
    return p.reduce<string>((s, seg) => {
        if (typeof seg === "number") return `${s}[${seg}]`;
        if (!/^[A-Za-z_$][\w$-]*$/.test(seg)) return `${s}[${JSON.stringify(seg)}]`;
        return s ? `${s}.${seg}` : seg;
    }, "");
}

/** A changed field's path, with `!` when the change forces a replacement. */
function fieldLabel(f: FieldChange): string {
    return `${fmtPath(f.path)}${f.replaces ? "!" : ""}`;
}

function text(v: unknown): string {
    return typeof v === "string" ? v : JSON.stringify(v);
}

function code(s: string): string {
    return `\`${s.replace(/\|/g, "\\|").replace(/`/g, "'").replace(/\n/g, "\\n")}\``;
}

function cell(v: unknown): string {
    if (v === undefined) return "_(none)_";
    const s = text(v);
    return code(s.length > CELL_CHARS ? `${s.slice(0, CELL_CHARS - 3)}...` : s);
}

function isMultiline(v: unknown): v is string {
    return typeof v === "string" && v.includes("\n");
}

/** A fenced block that no backtick run inside `body` can close early. */
function fence(lang: string, body: string[]): { open: string; close: string } {
    const longest = Math.max(2, ...body.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
    const f = "`".repeat(longest + 1);
    return { open: `${f}${lang}`, close: f };
}

/** One field that changed: where, from what, to what, and whether it forces a replacement. */
export interface FieldChange {
    path: FieldPath;
    before: unknown;
    after: unknown;
    replaces: boolean;
}

/** Field-level changes between two values (microdiff: leaves, and whole values where one side has none). */
function changesOf(before: unknown, after: unknown, patterns: Pattern[] = []): FieldChange[] {
    const wrap = (v: unknown) => ({ v }) as Record<string, unknown>;
    return microdiff(wrap(before), wrap(after)).map((c) => {
        const p = (c.path as FieldPath).slice(1);
        const oldValue = c.type === "CREATE" ? undefined : (c as { oldValue: unknown }).oldValue;
        const newValue = c.type === "REMOVE" ? undefined : (c as { value: unknown }).value;
        return { path: p, before: oldValue, after: newValue, replaces: forcesReplacement(patterns, p, newValue, c.type === "REMOVE") };
    });
}

/** Lines of context around each change of a text. */
const CONTEXT = 2;
/**
 * Beyond this product of the two sides' differing line counts, two texts are shown in full rather
 * than as a diff: the diff's cost grows with it (500 x 500 lines: 50 ms; 500 x 3000: 1.4 s).
 */
const MAX_DIFF_AREA = 300_000;

/**
 * A unified diff of two texts (hunks only), or undefined when too many lines differ on both sides
 * (`MAX_DIFF_AREA`). The common first and last lines are set aside first, so that a long text
 * with a block added (a thousand clients in a project file) costs what the block costs.
 */
function unifiedDiff(before: string, after: string): string[] | undefined {
    // Lines with their newline: a last line without one differs from the same line with one.
    const a = before.split(/(?<=\n)/);
    const b = after.split(/(?<=\n)/);
    let pre = 0;
    while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
    let suf = 0;
    while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++;
    const skipPre = Math.max(0, pre - CONTEXT);
    const skipSuf = Math.max(0, suf - CONTEXT);
    if ((a.length - pre - suf) * (b.length - pre - suf) > MAX_DIFF_AREA) return undefined;
    const middle = (xs: string[]) => xs.slice(skipPre, xs.length - skipSuf).join("");
    const patch = structuredPatch("before", "after", middle(a), middle(b), "", "", { context: CONTEXT });
    for (const h of patch.hunks) {
        h.oldStart += skipPre;
        h.newStart += skipPre;
    }
    const lines = formatPatch(patch).trimEnd().split("\n");
    return lines.slice(lines.findIndex((l) => l.startsWith("@@")));
}

/** A block of lines that may be shortened at a line boundary: a diff or a value in full. */
interface Block {
    title: string;
    lang: string;
    lines: string[];
}

/** The table of field changes, and the blocks that follow it (unified diffs of texts, long values in full). */
function fieldTable(changes: FieldChange[]): { rows: string[]; blocks: Block[] } {
    const rows: string[] = [];
    const blocks: Block[] = [];
    for (const c of changes) {
        const p = fmtPath(c.path) || "(value)";
        const mark = c.replaces ? " **replace**" : "";
        if (isMultiline(c.before) || isMultiline(c.after)) {
            const lines = unifiedDiff(typeof c.before === "string" ? c.before : "", typeof c.after === "string" ? c.after : "");
            if (lines) {
                blocks.push({ title: `\`${p}\`:`, lang: "diff", lines });
                rows.push(`| \`${p}\`${mark} | _(text, see below)_ | _(text, see below)_ |`);
                continue;
            }
        }
        rows.push(`| \`${p}\`${mark} | ${cell(c.before)} | ${cell(c.after)} |`);
        for (const [side, v] of [
            ["before", c.before],
            ["after", c.after],
        ] as const) {
            if (v !== undefined && text(v).length > CELL_CHARS) {
                blocks.push({ title: `\`${p}\`, ${side}, in full:`, lang: typeof v === "string" ? "" : "json", lines: (typeof v === "string" ? v : JSON.stringify(v, null, 2)).split("\n") });
            }
        }
    }
    return { rows, blocks };
}

const TABLE_HEAD = ["| field | before | after |", "|---|---|---|"];

// ---------------------------------------------------------------------------------------------
// Entries and the budget

/**
 * One entry of the comment (a table row, or a collapsed resource): its full lines, and a compact
 * form (field table capped, long values left out) for when the comment must be shortened.
 */
interface Entry {
    full: string[];
    compact: string[];
    /** Resources (or releases) it stands for. */
    count: number;
    /** The blocks of the full form, for filling what room is left at a line boundary. */
    head?: string[];
    blocks?: Block[];
    tail?: string[];
}

interface Section {
    /** Heading and table head. */
    head: string[];
    entries: Entry[];
    /** What its entries are, for the note of what was left out: e.g. "replaced resources". */
    noun: string;
    /** A blank line after the section (tables end with one). */
    gap?: boolean;
}

function details(summary: string, rows: string[], blocks: Block[], note?: string): Entry {
    const head = ["<details>", `<summary>${summary}</summary>`, "", ...(note ? [note, ""] : []), ...(rows.length ? [...TABLE_HEAD, ...rows] : [])];
    const tail = ["", "</details>", ""];
    const blockLines = (bs: Block[]) => bs.flatMap((b) => {
        const f = fence(b.lang, b.lines);
        return ["", b.title, "", f.open, ...b.lines, f.close];
    });
    const full = [...head, ...blockLines(blocks), ...tail];
    const cappedRows = rows.length > COMPACT_FIELD_ROWS ? [...rows.slice(0, COMPACT_FIELD_ROWS), `| _… and ${rows.length - COMPACT_FIELD_ROWS} more fields_ | | |`] : rows;
    const compactHead = ["<details>", `<summary>${summary}</summary>`, "", ...(note ? [note, ""] : []), ...(cappedRows.length ? [...TABLE_HEAD, ...cappedRows] : [])];
    const left = blocks.reduce((n, b) => n + b.lines.length, 0);
    const what = blocks.length === 1 ? `One long value (${left} lines) left out to fit the comment: run \`npm run plan:diff\` for it.` : `${blocks.length} long values (${left} lines) left out to fit the comment: run \`npm run plan:diff\` for them.`;
    const compact = [...compactHead, ...(blocks.length ? ["", `_${what}_`] : []), ...tail];
    return { full, compact, count: 1, head, blocks, tail };
}

/** The entry with its blocks cut to `room` characters at line boundaries, each cut block saying how many lines it left out. */
function partial(e: Entry, room: number): string[] | undefined {
    if (!e.head || !e.blocks || !e.tail) return undefined;
    const out = [...e.head];
    let used = out.join("\n").length + e.tail.join("\n").length + 2;
    const noteRoom = 120;
    for (const b of e.blocks) {
        const f = fence(b.lang, b.lines);
        const start = ["", b.title, "", f.open];
        const startLen = start.join("\n").length + 1;
        if (used + startLen + f.close.length + noteRoom > room) {
            out.push("", `_${b.title.replace(/:$/, "")} left out to fit the comment (${b.lines.length} lines): run \`npm run plan:diff\` for it._`);
            used += 140;
            continue;
        }
        out.push(...start);
        used += startLen;
        let kept = 0;
        for (const l of b.lines) {
            if (used + l.length + 1 + f.close.length + noteRoom > room) break;
            out.push(l);
            used += l.length + 1;
            kept++;
        }
        out.push(f.close);
        used += f.close.length + 1;
        if (kept < b.lines.length) {
            out.push(`_… ${b.lines.length - kept} more lines left out to fit the comment: run \`npm run plan:diff\` for them._`);
            used += noteRoom;
        }
    }
    return [...out, ...e.tail];
}

const size = (lines: string[]) => lines.reduce((n, l) => n + l.length + 1, 0);

/**
 * The sections within `budget` characters: everything in full when it fits; else every entry
 * compact and then as many as fit in full (the first that does not, cut at line boundaries);
 * else the compact entries that fit and a count of those left out.
 */
function layout(sections: Section[], budget: number, tool: string): string[] {
    const render = (pick: (e: Entry) => string[], upTo?: Map<Section, number>) =>
        sections.flatMap((s) => {
            const n = upTo ? (upTo.get(s) ?? 0) : s.entries.length;
            if (n === 0) return [];
            return [...s.head, ...s.entries.slice(0, n).flatMap(pick), ...(s.gap ? [""] : [])];
        });
    const full = render((e) => e.full);
    if (size(full) <= budget) return full;

    const compactSize = size(render((e) => e.compact));
    if (compactSize <= budget) {
        // Upgrade entries to full, the smallest first, while they fit; the first that does not is cut to the room left.
        const chosen = new Map<Entry, string[]>();
        let total = compactSize;
        const candidates = sections.flatMap((s) => s.entries).filter((e) => size(e.full) > size(e.compact));
        candidates.sort((x, y) => size(x.full) - size(x.compact) - (size(y.full) - size(y.compact)));
        for (const e of candidates) {
            const grow = size(e.full) - size(e.compact);
            if (total + grow <= budget) {
                chosen.set(e, e.full);
                total += grow;
                continue;
            }
            const cut = partial(e, budget - total + size(e.compact));
            if (cut && size(cut) > size(e.compact) && total - size(e.compact) + size(cut) <= budget) {
                chosen.set(e, cut);
                total += size(cut) - size(e.compact);
            }
        }
        return render((e) => chosen.get(e) ?? e.compact);
    }

    // Not even the compact entries fit: keep whole entries, in order, while they fit.
    const footerRoom = 600;
    const upTo = new Map<Section, number>();
    let total = 0;
    let full_ = true;
    for (const s of sections) {
        if (!full_) break;
        const headSize = size(s.head) + (s.gap ? 1 : 0);
        let n = 0;
        for (const e of s.entries) {
            const add = (n === 0 ? headSize : 0) + size(e.compact);
            if (total + add + footerRoom > budget) {
                full_ = false;
                break;
            }
            total += add;
            n++;
        }
        upTo.set(s, n);
    }
    const left = sections
        .map((s) => {
            const shown = upTo.get(s) ?? 0;
            const all = s.entries.reduce((c, e) => c + e.count, 0);
            const omitted = s.entries.slice(shown).reduce((c, e) => c + e.count, 0);
            return omitted ? `${omitted} of ${all} ${s.noun}` : "";
        })
        .filter(Boolean);
    return [...render((e) => e.compact, upTo), "", `_Cut here to fit a pull-request comment (${budget} characters); not shown: ${left.join(", ")}. Run \`${tool}\` for all of it._`, ""];
}

// ---------------------------------------------------------------------------------------------
// The diff

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

function namespaceOf(r: PlanResource): string | undefined {
    const i = r.inputs as { metadata?: { namespace?: string } } | undefined;
    return i?.metadata?.namespace ?? helmRecord(r)?.namespace;
}

function byName(a: PlanResource, b: PlanResource): number {
    return naturalCompare(shortType(a.type), shortType(b.type)) || naturalCompare(a.name, b.name) || naturalCompare(a.urn, b.urn);
}

/** What keeps data: `protect` (Pulumi refuses to delete it) or `retainOnDelete` (Pulumi leaves it in the cluster). */
function keeps(rs: (PlanResource | undefined)[]): string[] {
    const out: string[] = [];
    if (rs.some((r) => r?.protect)) out.push("protected");
    if (rs.some((r) => r?.retainOnDelete)) out.push("retained");
    return out;
}

interface Changed {
    before: PlanResource;
    after: PlanResource;
    changes: FieldChange[];
    replaces: boolean;
}

/** Items (in order) grouped by key: a group of `MIN_RUN` or more is one run, placed where its first item is. */
function runs<T>(items: T[], key: (t: T) => string): T[][] {
    const groups = new Map<string, number[]>();
    items.forEach((t, i) => {
        const k = key(t);
        const g = groups.get(k);
        if (g) g.push(i);
        else groups.set(k, [i]);
    });
    // A group too small to be a run stays single items; every entry keeps the place of its first item.
    return [...groups.values()]
        .flatMap((g) => (g.length >= MIN_RUN ? [g] : g.map((i) => [i])))
        .sort((x, y) => x[0] - y[0])
        .map((g) => g.map((i) => items[i]));
}

function listSection(title: string, noun: string, rs: PlanResource[], dataNote: (r: PlanResource) => string): Section | undefined {
    if (rs.length === 0) return undefined;
    const sorted = [...rs].sort(byName);
    const entries = runs(sorted, (r) => `${r.type}\0${shape(r.name)}\0${namespaceOf(r) ?? ""}\0${dataNote(r)}`).map((g): Entry => {
        const r = g[0];
        const ns = namespaceOf(r) ? ` (${namespaceOf(r)})` : "";
        const name = g.length === 1 ? `\`${r.name}\`` : `${g.length} alike: \`${nameRun(g.map((x) => x.name))}\``;
        const row = `| ${shortType(r.type)} | ${name}${ns}${dataNote(r)} | \`${r.type}\` |`;
        return { full: [row], compact: [row], count: g.length };
    });
    return { head: [`### ${title} (${rs.length})`, "", "| kind | name | type |", "|---|---|---|"], entries, noun, gap: true };
}

function changedSection(title: string, noun: string, cs: Changed[]): Section | undefined {
    if (cs.length === 0) return undefined;
    const sorted = [...cs].sort((a, b) => byName(a.after, b.after));
    const signature = (c: Changed) => c.changes.map(fieldLabel).join("\n");
    const entries = runs(sorted, (c) => `${c.after.type}\0${shape(c.after.name)}\0${namespaceOf(c.after) ?? ""}\0${keeps([c.before, c.after]).join()}\0${signature(c)}`).map((g): Entry => {
        const c = g[0];
        const ns = namespaceOf(c.after) ?? namespaceOf(c.before);
        const kept = keeps([c.before, c.after]);
        const who = g.length === 1 ? `<code>${c.after.name}</code>` : `<code>${nameRun(g.map((x) => x.after.name))}</code>, ${g.length} alike`;
        const forcing = [...new Set(c.changes.filter((f) => f.replaces).map((f) => fmtPath(f.path)))];
        const why = c.replaces ? `: ${forcing.slice(0, 3).map((p) => `<code>${p.replace(/^(inputs|release)\./, "")}</code>`).join(", ")}${forcing.length > 3 ? ` and ${forcing.length - 3} more` : ""} cannot change in place` : "";
        const summary = `${c.replaces ? "<b>replace</b> " : ""}${shortType(c.after.type)} ${who}${ns ? ` (${ns})` : ""}${kept.length ? ` <b>${kept.join(", ")}</b>` : ""}${why}`;
        const { rows, blocks } = fieldTable(c.changes);
        const note = g.length > 1 ? `The same fields change in all ${g.length}; shown: <code>${c.after.name}</code>.` : undefined;
        const e = details(summary, rows, blocks, note);
        return { ...e, count: g.length };
    });
    return { head: [`### ${title} (${cs.length})`, ""], entries, noun };
}

/** Rows of a rendered object's field table (a CRD's descriptions can change by the hundred): the rest are counted. */
const MAX_CHART_FIELD_ROWS = 40;

interface ChartChange {
    release: string;
    added: string[];
    removed: string[];
    changed: { path: string; changes: FieldChange[] }[];
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
                const changes = changesOf(load(was), load(text));
                if (changes.length) c.changed.push({ path: p, changes });
            }
        }
        for (const p of old.keys()) if (!objs.has(p)) c.removed.push(p);
        c.added.sort(naturalCompare);
        c.removed.sort(naturalCompare);
        c.changed.sort((x, y) => naturalCompare(x.path, y.path));
        if (c.added.length + c.removed.length + c.changed.length) out.push(c);
    }
    return out.sort((a, b) => naturalCompare(a.release, b.release));
}

/** The rendered objects' changes as entries: per release a heading with what was added and removed, then the changed objects, the very same changes once. */
function chartSection(changes: ChartChange[]): Section | undefined {
    if (changes.length === 0) return undefined;
    const entries: Entry[] = [];
    for (const c of changes) {
        const head = [`#### release \`${c.release}\`: ${c.added.length} added, ${c.removed.length} removed, ${c.changed.length} changed`, ""];
        const listed = [...c.added.map((p) => `- added \`${p}\``), ...c.removed.map((p) => `- removed \`${p}\``)];
        const lines = [...head, ...listed, ...(listed.length ? [""] : [])];
        entries.push({ full: lines, compact: lines, count: c.added.length + c.removed.length });
        // Objects with the very same changes (a chart bump relabels every object) are shown once.
        const groups = new Map<string, { paths: string[]; changes: FieldChange[] }>();
        for (const ch of c.changed) {
            const key = JSON.stringify(ch.changes);
            const g = groups.get(key);
            if (g) g.paths.push(ch.path);
            else groups.set(key, { paths: [ch.path], changes: ch.changes });
        }
        for (const g of groups.values()) {
            const what = g.paths.length === 1 ? `<code>${g.paths[0]}</code>` : `${g.paths.length} objects, the same change: ${g.paths.map((p) => `<code>${p}</code>`).join(", ")}`;
            const t = fieldTable(g.changes);
            const rows = t.rows.length > MAX_CHART_FIELD_ROWS ? [...t.rows.slice(0, MAX_CHART_FIELD_ROWS), `| _... and ${t.rows.length - MAX_CHART_FIELD_ROWS} more fields_ | | |`] : t.rows;
            entries.push({ ...details(`changed ${what}`, rows, t.blocks), count: g.paths.length });
        }
    }
    const releases = changes.length;
    return { head: [`### Objects rendered by Helm (${releases} release${releases === 1 ? "" : "s"})`, ""], entries, noun: "rendered objects" };
}

/** What changes between two plans: the resources, the Helm releases' values and the rendered objects. */
interface PlanChanges {
    added: PlanResource[];
    removed: PlanResource[];
    replaced: Changed[];
    updated: Changed[];
    /** Releases in both plans whose chart or values change: key `<namespace>/<name>` and the changes. */
    releases: { key: string; changes: FieldChange[] }[];
    charts: ChartChange[];
}

function planChanges(before: LoadedPlan, after: LoadedPlan): PlanChanges {
    const b = new Map(before.resources.map((r) => [r.urn, r]));
    const a = new Map(after.resources.map((r) => [r.urn, r]));
    const added = after.resources.filter((r) => !b.has(r.urn));
    const removed = before.resources.filter((r) => !a.has(r.urn));
    const changed: Changed[] = [];
    for (const r of after.resources) {
        const old = b.get(r.urn);
        if (!old) continue;
        const changes = changesOf(comparable(old), comparable(r), forceNewPatterns(r.type));
        if (changes.length) changed.push({ before: old, after: r, changes, replaces: changes.some((c) => c.replaces) });
    }
    const releases: PlanChanges["releases"] = [];
    for (const key of [...new Set([...before.helm.keys(), ...after.helm.keys()])].sort(naturalCompare)) {
        const hb = before.helm.get(key);
        const ha = after.helm.get(key);
        if (!hb || !ha) continue; // added/removed releases are listed with the resources
        const head = changesOf({ chart: hb.chart, version: hb.version, repository: hb.repository }, { chart: ha.chart, version: ha.version, repository: ha.repository });
        const values = changesOf(hb.values, ha.values);
        if (head.length + values.length) releases.push({ key, changes: [...head, ...values] });
    }
    return { added, removed, replaced: changed.filter((c) => c.replaces), updated: changed.filter((c) => !c.replaces), releases, charts: chartChanges(before, after) };
}

/** One resource in `plan:diff --json`. */
export interface DiffResource {
    urn: string;
    type: string;
    name: string;
    namespace?: string;
    /** `protected` and/or `retained` (data at risk when removed or replaced). */
    keeps?: string[];
    /** For a changed or replaced resource: the fields that change (those forcing a replacement end in `!`). */
    fields?: string[];
}

/** `npm run plan:diff -- --json`: the same changes as the Markdown, for scripts (every entry, no budget). */
export interface DiffJson {
    project: string;
    stack: string;
    resources: { before: number; after: number };
    added: DiffResource[];
    removed: DiffResource[];
    replaced: DiffResource[];
    changed: DiffResource[];
    /** Releases whose chart or values change, with the URN of the resource that deploys each (a release or the cert-manager component). */
    releases: { release: string; urn?: string; fields: string[] }[];
    chartObjects: { release: string; added: string[]; removed: string[]; changed: string[] }[];
}

export function diffJson(before: LoadedPlan, after: LoadedPlan): DiffJson {
    const c = planChanges(before, after);
    const ref = (r: PlanResource, fields?: FieldChange[]): DiffResource => {
        const ns = namespaceOf(r);
        const kept = keeps([r]);
        return {
            urn: r.urn,
            type: r.type,
            name: r.name,
            ...(ns ? { namespace: ns } : {}),
            ...(kept.length ? { keeps: kept } : {}),
            ...(fields ? { fields: fields.map(fieldLabel) } : {}),
        };
    };
    const sorted = <T>(xs: T[], r: (x: T) => PlanResource) => [...xs].sort((x, y) => byName(r(x), r(y)));
    const releaseUrn = (key: string) => after.resources.find((r) => {
        const h = helmRecord(r);
        return h !== undefined && `${h.namespace}/${h.name}` === key;
    })?.urn;
    return {
        project: after.project,
        stack: after.stack,
        resources: { before: before.resources.length, after: after.resources.length },
        added: sorted(c.added, (r) => r).map((r) => ref(r)),
        removed: sorted(c.removed, (r) => r).map((r) => ref(r)),
        replaced: sorted(c.replaced, (x) => x.after).map((x) => ref(x.after, x.changes)),
        changed: sorted(c.updated, (x) => x.after).map((x) => ref(x.after, x.changes)),
        releases: c.releases.map((r) => {
            const urn = releaseUrn(r.key);
            return { release: r.key, ...(urn ? { urn } : {}), fields: r.changes.map((f) => fmtPath(f.path)) };
        }),
        chartObjects: c.charts.map((x) => ({ release: x.release, added: x.added, removed: x.removed, changed: x.changed.map((o) => o.path) })),
    };
}

export function diffPlans(before: LoadedPlan, after: LoadedPlan, opts: DiffOptions = {}): string {
    const budget = opts.maxChars ?? MAX_COMMENT_CHARS;
    const { added, removed, replaced, updated, releases, charts } = planChanges(before, after);
    const helmEntries: Entry[] = releases.map(({ key, changes }) => {
        const t = fieldTable(changes);
        return details(`release <code>${key}</code>`, t.rows, t.blocks);
    });

    const title = `## Offline plan diff: ${after.project}/${after.stack}`;
    if (added.length + removed.length + replaced.length + updated.length + helmEntries.length + charts.length === 0) {
        return `${title}\n\nNo changes: ${after.resources.length} resources, identical inputs and options.\n`;
    }

    // Data at risk: protected or retained resources that are removed or replaced.
    const atRisk = [...replaced.map((c) => ({ r: c.after, what: "replaced", kept: keeps([c.before, c.after]) })), ...removed.map((r) => ({ r, what: "removed", kept: keeps([r]) }))].filter((x) => x.kept.length);
    const banner: string[] = [];
    if (atRisk.length) {
        const groups = runs(
            [...atRisk].sort((x, y) => byName(x.r, y.r)),
            (x) => `${x.r.type}\0${shape(x.r.name)}\0${x.what}\0${x.kept.join()}`,
        );
        const shown = groups.slice(0, 20).map((g) => {
            const x = g[0];
            const ns = namespaceOf(x.r) ? ` (${namespaceOf(x.r)})` : "";
            return `> - **${x.what}**: ${shortType(x.r.type)} \`${g.length === 1 ? x.r.name : nameRun(g.map((y) => y.r.name))}\`${ns}, ${x.kept.join(" and ")}`;
        });
        banner.push(
            `> [!CAUTION]`,
            `> **Data loss: ${atRisk.length} protected or retained resource${atRisk.length === 1 ? "" : "s"} ${atRisk.length === 1 ? "is" : "are"} removed or replaced.** Pulumi refuses to delete a protected resource (\`pulumi up\` fails until it is unprotected, and then deletes it with its data); a retained one is left in the cluster, no longer managed, and a replacement of the same name cannot be created beside it. Keep the old identity (an alias), or move the data first.`,
            `>`,
            ...shown,
            ...(groups.length > 20 ? [`> - … and ${groups.slice(20).reduce((n, g) => n + g.length, 0)} more`] : []),
            "",
        );
    }

    const dataNote = (r: PlanResource) => {
        const k = keeps([r]);
        return k.length ? ` **${k.join(", ")}**` : "";
    };
    const sections = [
        changedSection("Replaced", "replaced resources", replaced),
        listSection("Removed", "removed resources", removed, dataNote),
        changedSection("Changed in place", "changed resources", updated),
        listSection("Added", "added resources", added, () => ""),
        helmEntries.length ? { head: [`### Helm releases (${helmEntries.length})`, ""], entries: helmEntries, noun: "Helm releases" } : undefined,
        chartSection(charts),
    ].filter((s): s is Section => s !== undefined);

    const chartCount = (f: (c: ChartChange) => number) => charts.reduce((n, c) => n + f(c), 0);
    const top = [
        title,
        "",
        ...banner,
        `**${added.length} added, ${removed.length} removed, ${replaced.length} replaced, ${updated.length} changed in place** (${before.resources.length} -> ${after.resources.length} resources; ${helmEntries.length} Helm release${helmEntries.length === 1 ? "" : "s"} with changed values or chart` +
            (charts.length ? `; rendered chart objects: ${chartCount((c) => c.added.length)} added, ${chartCount((c) => c.removed.length)} removed, ${chartCount((c) => c.changed.length)} changed` : "") +
            ")",
        "",
    ];
    const body = layout(sections, budget - size(top) - 2, "npm run plan:diff -- BEFORE_DIR AFTER_DIR");
    return `${[...top, ...body].join("\n").trimEnd()}\n`;
}
