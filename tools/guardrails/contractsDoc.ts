/**
 * The generated part of docs/contracts.md: every flow of every system's contract and every flow no
 * system needs, as Markdown tables, from the configs of the stacks (`npm run contracts:doc` writes
 * it between the markers; a test fails when the committed tables differ).
 */
import { contractsFor } from "../../contracts";
import { deniedFlows } from "../../contracts/denied";
import type { ContractConfig, Flow, Peer, PortSpec, Source } from "../../contracts/types";

export const DOC_BEGIN = "<!-- contract-flows:begin (npm run contracts:doc) -->";
export const DOC_END = "<!-- contract-flows:end -->";

function peer(p: Peer): string {
    switch (p.kind) {
        case "pods":
            return `${p.name} (${p.namespace})`;
        case "external":
            return `${p.name}: ${p.host}`;
        default:
            return p.kind === "apiServer" ? "API server" : p.kind === "dns" ? "cluster DNS" : p.kind;
    }
}

function ports(ps: readonly PortSpec[], protocol: string | undefined): string {
    return `${ps.map((p) => (typeof p === "number" ? `${p}` : `${p.from}-${p.to}`)).join(", ")}${protocol === "UDP" ? "/UDP" : ""}`;
}

function source(s: Source | Source[] | undefined): string {
    const list = s === undefined ? [] : Array.isArray(s) ? s : [s];
    if (list.length === 0) return "";
    const f = list[0];
    const ref = /^[0-9a-f]{40}$/.test(f.ref) ? f.ref.slice(0, 7) : f.ref;
    return `${f.repo}@${ref} \`${f.file}${f.lines ? `:${f.lines}` : ""}\`${list.length > 1 ? ` (+${list.length - 1})` : ""}`;
}

/** Markdown-safe cell. */
function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** Rows keyed by what they show, with the stacks that have them, in first-seen order. */
function merge(rows: { group: string; cells: string[]; stack: string }[]): Map<string, Map<string, { cells: string[]; stacks: string[] }>> {
    const groups = new Map<string, Map<string, { cells: string[]; stacks: string[] }>>();
    for (const r of rows) {
        const g = groups.get(r.group) ?? new Map();
        groups.set(r.group, g);
        const key = r.cells.join("\u0000");
        const row = g.get(key) ?? { cells: r.cells, stacks: [] };
        if (!row.stacks.includes(r.stack)) row.stacks.push(r.stack);
        g.set(key, row);
    }
    return groups;
}

const flowCells = (f: Flow | { id: string; from: Peer; to: Peer; ports: PortSpec[]; protocol?: string; source?: Source | Source[] }): string[] => [`\`${f.id}\``, peer(f.from), peer(f.to), ports(f.ports, f.protocol), source(f.source)];

/** The generated Markdown (between the markers, excluded) for the stacks' configs, e.g. `{ dev, prod }`. */
export function contractsDocTables(configs: Record<string, ContractConfig>): string {
    const flows: { group: string; cells: string[]; stack: string }[] = [];
    const denied: { group: string; cells: string[]; stack: string }[] = [];
    for (const [stack, cfg] of Object.entries(configs)) {
        for (const c of contractsFor(cfg)) for (const f of c.flows) flows.push({ group: c.system, cells: flowCells(f), stack });
        for (const d of deniedFlows(cfg)) denied.push({ group: "denied", cells: [...flowCells(d).slice(0, 4), cell(d.why)], stack });
    }
    const out: string[] = [];
    for (const [system, rows] of merge(flows)) {
        out.push(`### ${system}`, "", "| flow | from | to | ports | source | stacks |", "|---|---|---|---|---|---|");
        for (const r of rows.values()) out.push(`| ${r.cells.map(cell).join(" | ")} | ${r.stacks.join(", ")} |`);
        out.push("");
    }
    out.push("### Flows no system needs (`contracts/denied.ts`)", "", "| flow | from | to | ports | why nothing needs it | stacks |", "|---|---|---|---|---|---|");
    for (const r of merge(denied).get("denied")?.values() ?? []) out.push(`| ${r.cells.map(cell).join(" | ")} | ${r.stacks.join(", ")} |`);
    return `${out.join("\n")}\n`;
}

/** A document with its generated part replaced (the markers must be there). */
export function withContractsDocTables(doc: string, tables: string): string {
    const begin = doc.indexOf(DOC_BEGIN);
    const end = doc.indexOf(DOC_END);
    if (begin < 0 || end < begin) throw new Error(`docs/contracts.md needs the markers ${DOC_BEGIN} and ${DOC_END}`);
    return `${doc.slice(0, begin + DOC_BEGIN.length)}\n\n${tables}\n${doc.slice(end)}`;
}
