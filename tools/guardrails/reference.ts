/**
 * Where the upstream reference data lives (chart values, schemas, CRDs): env `CHART_REFERENCE_DIR`,
 * default the `shared/reference` folder beside the project. It may point at the reference root
 * or at its `charts/` folder. Checks that need it are skipped, with a finding saying so, when it
 * is absent.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { findProjectDir } from "../../program/projectDir";
import { loadAllAsGoYaml, loadAsGoYaml } from "../plan-engine/goYaml";
import { cachedFromText } from "./referenceCache";

export const PROJECT_ROOT = findProjectDir(__dirname);

export interface ReferenceDirs {
    /** The reference root (holds `charts/`). */
    root: string;
    /** The folder of `<chart>-<version>` folders. */
    charts: string;
    exists: boolean;
}

export function referenceDirs(env: NodeJS.ProcessEnv = process.env): ReferenceDirs {
    const given = env.CHART_REFERENCE_DIR ? path.resolve(env.CHART_REFERENCE_DIR) : path.resolve(PROJECT_ROOT, "..", "shared", "reference");
    const isCharts = path.basename(given) === "charts" || !fs.existsSync(path.join(given, "charts"));
    const root = isCharts && path.basename(given) === "charts" ? path.dirname(given) : given;
    const charts = isCharts ? given : path.join(given, "charts");
    return { root, charts, exists: fs.existsSync(charts) && fs.statSync(charts).isDirectory() };
}

export function skipMessage(dirs: ReferenceDirs, what: string): string {
    return `reference folder ${dirs.charts} not found (set CHART_REFERENCE_DIR): ${what} skipped`;
}

/**
 * Upstream YAML (a chart's `values.yaml` and values schema, a CRD file) parsed into plain data:
 * read as go-yaml reads it (`loadAsGoYaml`, plan-engine/goYaml.ts: js-yaml with the YAML 1.2 core
 * schema, no timestamps, and merge keys; the data is cached as JSON, so a cold and a warm plan see
 * the same values). Not
 * the `yaml` library itself: OpenKruise's CloneSet CRD (1.5.2) continues 12 single-quoted
 * descriptions on lines as deep as their key, which go-yaml (Helm, kubectl) accepts and `yaml`
 * reports as errors, its data then holding bogus keys and missing fields (the `type: boolean` of
 * `markPodNotReady`). js-yaml reads that file as go-yaml does, gave the same data as `yaml` for
 * the 42 other values, schema and CRD files of the reference data (compared when it replaced it),
 * and parses them three to seven times faster: `yaml` parsing them was a fifth of a fresh clone's
 * first plan.
 */
export function parseReferenceYaml(text: string): unknown {
    return loadAsGoYaml(text);
}

/** Every document of a multi-document reference YAML file, as `parseReferenceYaml` reads one. */
export function parseReferenceYamlAll(text: string): unknown[] {
    return loadAllAsGoYaml(text);
}

function yamlFiles(dir: string, depth = 0): string[] {
    if (depth > 6 || !fs.existsSync(dir)) return [];
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...yamlFiles(p, depth + 1));
        else if (/\.ya?ml$/.test(e.name)) out.push(p);
    }
    return out;
}

/** A CRD version's schema, keyed `<group>/<version>/<Kind>`. */
export interface CrdSchema {
    file: string;
    schema: Record<string, unknown>;
}

/** The schemas of every CRD version in one YAML file, keyed `<group>/<version>/<Kind>` (Helm template lines stripped). */
function crdSchemas(text: string): [string, Record<string, unknown>][] {
    const clean = text
        .split("\n")
        .filter((l) => !/^\s*\{\{.*\}\}\s*$/.test(l))
        .join("\n");
    const out: [string, Record<string, unknown>][] = [];
    for (const doc of parseReferenceYamlAll(clean)) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const crd = doc as any;
        if (crd?.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec?.versions ?? []) {
            const schema = v.schema?.openAPIV3Schema;
            if (schema) out.push([`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, schema]);
        }
    }
    return out;
}

/** Files that hold CRDs, by reference root: found by a text search, parsed only when a kind they define is asked for. */
const crdFiles = new Map<string, { file: string; text: string }[]>();
const crdFound = new Map<string, CrdSchema | undefined>();

/**
 * The CRD files of the reference data: under `crds/` and `charts/` (the layout the README
 * describes; the chart sources Helm renders from are not searched, they repeat the same CRDs).
 */
function crdFilesOf(dirs: ReferenceDirs): { file: string; text: string }[] {
    let files = crdFiles.get(dirs.root);
    if (!files) {
        files = [];
        for (const dir of [path.join(dirs.root, "crds"), dirs.charts]) {
            for (const file of yamlFiles(dir)) {
                const text = fs.readFileSync(file, "utf8");
                if (/^kind:\s*CustomResourceDefinition\s*$/m.test(text)) files.push({ file, text });
            }
        }
        crdFiles.set(dirs.root, files);
    }
    return files;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The schema of one CRD version, `<group>/<version>/<Kind>`, from the reference data. Only the
 * files that mention the kind and its group are parsed (a cold plan used to parse every CRD of
 * every chart, a second of its run); what is parsed is cached on disk.
 */
export function referenceCrd(dirs: ReferenceDirs, group: string, version: string, kind: string): CrdSchema | undefined {
    const key = `${group}/${version}/${kind}`;
    const memo = `${dirs.root}|${key}`;
    if (crdFound.has(memo)) return crdFound.get(memo);
    const names = new RegExp(`^\\s+kind:\\s*["']?${escape(kind)}["']?\\s*$`, "m");
    const groupLine = new RegExp(`^\\s+group:\\s*["']?${escape(group)}["']?\\s*$`, "m");
    let found: CrdSchema | undefined;
    for (const { file, text } of crdFilesOf(dirs)) {
        if (!names.test(text) || !groupLine.test(text)) continue;
        const schema = new Map(cachedFromText("crds", text, crdSchemas)).get(key);
        if (schema) {
            found = { file: path.relative(dirs.root, file), schema };
            break;
        }
    }
    crdFound.set(memo, found);
    return found;
}
