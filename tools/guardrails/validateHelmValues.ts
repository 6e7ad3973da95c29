/**
 * Helm values validation. For each release, when the reference folder has the chart at the pinned
 * version: with a `values.schema.(json|yaml)`, the values merged over the chart's defaults (as Helm
 * does) must validate; without one, every leaf key path the program sets must exist in the chart's
 * `values.yaml`, except below the free-form maps of `FREE_FORM`. A chart version with no reference
 * data is reported, not skipped silently.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import Ajv2019 from "ajv/dist/2019";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import type { HelmRecord } from "../plan-engine/types";
import { ReferenceDirs, parseReferenceYaml, referenceDirs, skipMessage } from "./reference";
import { cachedFromText, cachedValidator } from "./referenceCache";

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Documented free-form maps: below these, any key is accepted. Key names match at any depth
 * (Kubernetes-typed or free-form by the chart's docs); `chart:path` entries match one path.
 */
export const FREE_FORM: readonly string[] = [
    "annotations",
    "labels",
    "podAnnotations",
    "podLabels",
    "commonLabels",
    "nodeSelector",
    "affinity",
    "resources",
    "securityContext",
    "podSecurityContext",
    "containerSecurityContext",
    "extraEnv",
    "jupyterhub:hub.config",
    // DiracX: `developer.urls: {}` (the demo's service URLs, demo/values.tpl.yaml), the containers'
    // environment (`diracx.settings`), one key per database (`*.dbs`) and their connection defaults.
    "diracx:developer.urls",
    "diracx:diracx.settings",
    "diracx:diracx.sqlDbs.default",
    "diracx:diracx.sqlDbs.dbs",
    "diracx:diracx.osDbs.default",
    "diracx:diracx.osDbs.dbs",
    "diracx:seaweedfs.config.configMap.data",
];

/**
 * Keys of bundled subcharts that the parent chart's values.yaml does not repeat, each checked by
 * hand against the subchart's own values (version from the parent's Chart.yaml).
 */
export const SUBCHART_PATHS: readonly string[] = [
    "diracx:grafana.admin.existingSecret", // grafana 6.59.4
    "diracx:grafana.admin.userKey",
    "diracx:grafana.admin.passwordKey",
    "diracx:mysql.primary.persistence.storageClass", // bitnami mysql 9.11.0
    "diracx:mysql.primary.podManagementPolicy",
    "diracx:opensearch.persistence.storageClass", // opensearch 2.13.1
];

export type ValuesResult = { status: "valid" } | { status: "invalid"; errors: string[] } | { status: "no-reference"; reason: string };

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Helm's coalescing of user values over chart defaults: maps merge, `null` deletes, anything else replaces. */
export function mergeValues(defaults: unknown, values: unknown): unknown {
    if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
    const out: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(values)) {
        if (v === null) delete out[k];
        else out[k] = k in defaults ? mergeValues(defaults[k], v) : v;
    }
    return out;
}

/** Leaf key paths of a values object; arrays are leaves. */
export function leafPaths(v: unknown, at: string[] = []): string[][] {
    if (!isMap(v) || Object.keys(v).length === 0) return at.length ? [at] : [];
    return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...at, k]));
}

function freeFormAt(chart: string, p: string[]): boolean {
    const key = p[p.length - 1];
    return FREE_FORM.includes(key) || FREE_FORM.includes(`${chart}:${p.join(".")}`);
}

/** Paths the program sets that the chart's `values.yaml` does not have. */
export function unknownPaths(chart: string, reference: unknown, values: unknown): string[] {
    const out: string[] = [];
    for (const leaf of leafPaths(values)) {
        if (SUBCHART_PATHS.includes(`${chart}:${leaf.join(".")}`)) continue;
        let node: unknown = reference;
        for (let i = 0; i < leaf.length; i++) {
            const prefix = leaf.slice(0, i + 1);
            if (!isMap(node) || !(leaf[i] in node)) {
                out.push(leaf.join("."));
                break;
            }
            node = node[leaf[i]];
            // A free-form map, a list or a scalar default: what the program sets below it is the chart's to interpret.
            if (freeFormAt(chart, prefix) || Array.isArray(node)) break;
            if (i < leaf.length - 1 && !isMap(node)) {
                out.push(leaf.join("."));
                break;
            }
            if (i < leaf.length - 1 && isMap(node) && Object.keys(node).length === 0) {
                out.push(`${leaf.join(".")} (below ${prefix.join(".")}, an empty map in values.yaml: add "${chart}:${prefix.join(".")}" to FREE_FORM if the chart documents it as free-form)`);
                break;
            }
        }
    }
    return out;
}

/** A reference file's content: JSON as is, YAML parsed (through the on-disk cache). */
function readYamlOrJson(file: string): any {
    const text = fs.readFileSync(file, "utf8");
    return file.endsWith(".json") ? JSON.parse(text) : cachedFromText("yaml", text, parseReferenceYaml);
}

const schemaValidators = new Map<string, ValidateFunction>();

function schemaValidator(file: string): ValidateFunction {
    let v = schemaValidators.get(file);
    if (!v) {
        const { $schema, ...schema } = readYamlOrJson(file) ?? {};
        const draft = String($schema).includes("2020-12") ? "2020-12" : String($schema).includes("2019-09") ? "2019-09" : "draft-07";
        // `optimize: false`: each validator runs once per plan, and ajv's optimising pass was a third of compiling it.
        v = cachedValidator(schema, `values-schema ${draft} formats unoptimized`, () => {
            const opts = { strict: false, allErrors: true, logger: false as const, code: { source: true, optimize: false } };
            const ajv = draft === "2020-12" ? new Ajv2020(opts) : draft === "2019-09" ? new Ajv2019(opts) : new Ajv(opts);
            addFormats(ajv);
            return ajv;
        });
        schemaValidators.set(file, v);
    }
    return v;
}

function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
    return [
        ...new Set(
            (errors ?? [])
                .filter((e) => !["if", "anyOf", "oneOf"].includes(e.keyword))
                .map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.keyword === "additionalProperties" ? `: ${String((e.params as any).additionalProperty)}` : ""}`),
        ),
    ];
}

/** The reference folder of a chart version, if there is one. */
export function chartFolder(chart: string, version: string, dirs: ReferenceDirs): string | undefined {
    const dir = path.join(dirs.charts, `${chart}-${version}`);
    return fs.existsSync(dir) ? dir : undefined;
}

/** Validate one release's values (plain values, secrets revealed; messages never print values). */
export function validateHelmValues(h: Pick<HelmRecord, "chart" | "version" | "values">, dirs: ReferenceDirs = referenceDirs()): ValuesResult {
    if (!dirs.exists) return { status: "no-reference", reason: skipMessage(dirs, `values check of ${h.chart} ${h.version}`) };
    const dir = chartFolder(h.chart, h.version, dirs);
    if (!dir) return { status: "no-reference", reason: `no reference data for chart ${h.chart} at version ${h.version} under ${dirs.charts}: its values are not validated` };
    const defaultsFile = path.join(dir, "values.yaml");
    const defaults = fs.existsSync(defaultsFile) ? (readYamlOrJson(defaultsFile) ?? {}) : undefined;
    const schemaFile = ["values.schema.json", "values.schema.yaml"].map((f) => path.join(dir, f)).find((f) => fs.existsSync(f));
    if (schemaFile) {
        const validate = schemaValidator(schemaFile);
        const merged = mergeValues(defaults ?? {}, h.values);
        return validate(merged) ? { status: "valid" } : { status: "invalid", errors: formatErrors(validate.errors).map((e) => `${e} (${path.basename(schemaFile)})`) };
    }
    if (defaults === undefined) return { status: "no-reference", reason: `reference folder ${dir} has neither a values schema nor values.yaml` };
    const unknown = unknownPaths(h.chart, defaults, h.values);
    return unknown.length === 0 ? { status: "valid" } : { status: "invalid", errors: unknown.map((p) => `${p} is not a key of the chart's values.yaml`) };
}

/** A release whose values are checked: its values with secrets revealed (kept in memory, never printed). */
export interface ValuesJob extends Pick<HelmRecord, "chart" | "version" | "values"> {
    subject: string;
}

/** `validateHelmValues` of each release, in order: what the plan's worker thread runs (`helmValuesCheck.runOffThread`). */
export function validateReleases(jobs: readonly ValuesJob[], dirs: ReferenceDirs): ValuesResult[] {
    return jobs.map((j) => validateHelmValues(j, dirs));
}
