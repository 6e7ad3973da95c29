/**
 * The tests' own check of Helm values against a reference chart, as Helm does it: the values
 * coalesced over the chart's `values.yaml` (`mergeValues`), validated against its values schema.
 * Each reference file is parsed once per test worker, and each schema compiled once through the
 * plan's on-disk validator cache (`referenceCache.ts`): the suites call this for every stack and
 * variant they plan, and compiling z2jh's schema alone takes ajv a good part of a second.
 */
import * as fs from "node:fs";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parseReferenceYaml } from "../tools/guardrails/reference";
import { cachedValidator } from "../tools/guardrails/referenceCache";
import { mergeValues } from "../tools/guardrails/validateHelmValues";
import { chartFile } from "./referenceData";

export { mergeValues };

const parsed = new Map<string, unknown>();

/** A file of a reference chart, parsed (JSON or YAML), or undefined when absent. Shared: do not modify it. */
export function chartData(folder: string, file: string): unknown {
    const p = chartFile(folder, file);
    if (!parsed.has(p)) parsed.set(p, fs.existsSync(p) ? (p.endsWith(".json") ? JSON.parse(fs.readFileSync(p, "utf8")) : parseReferenceYaml(fs.readFileSync(p, "utf8"))) : undefined);
    return parsed.get(p);
}

/** The chart's values schema file (`values.schema.json` or `.yaml`), if it has one. */
export function valuesSchemaFile(folder: string): string | undefined {
    return ["values.schema.json", "values.schema.yaml"].find((f) => fs.existsSync(chartFile(folder, f)));
}

/** The schema without `required` (for values checked without the chart defaults they complete). */
function withoutRequired(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(withoutRequired);
    if (typeof schema !== "object" || schema === null) return schema;
    return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "required").map(([k, v]) => [k, withoutRequired(v)]));
}

const validators = new Map<string, ValidateFunction>();

/**
 * The chart's values schema compiled (draft-07, or 2020-12 when it says so; formats checked), or
 * undefined when the chart has none. `withoutRequired` drops every `required`, for values checked
 * on their own rather than merged over the defaults.
 */
export function valuesValidator(folder: string, opts: { withoutRequired?: boolean } = {}): { validate: ValidateFunction; errors(): string } | undefined {
    const file = valuesSchemaFile(folder);
    if (!file) return undefined;
    const key = `${chartFile(folder, file)}\0${!!opts.withoutRequired}`;
    let validate = validators.get(key);
    if (!validate) {
        const { $schema, ...body } = chartData(folder, file) as { $schema?: string };
        const draft2020 = String($schema ?? "").includes("2020-12");
        const schema = (opts.withoutRequired ? withoutRequired(body) : body) as object;
        validate = cachedValidator(schema, `tests values-schema ${draft2020 ? "2020-12" : "draft-07"} formats`, () => {
            const options = { strict: false, allErrors: true, code: { source: true } };
            const ajv = draft2020 ? new Ajv2020(options) : new Ajv(options);
            addFormats(ajv);
            return ajv;
        });
        validators.set(key, validate);
    }
    const v = validate;
    return { validate: v, errors: () => formatErrors(v.errors) };
}

function formatErrors(errors: readonly ErrorObject[] | null | undefined): string {
    return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`).join("\n");
}
