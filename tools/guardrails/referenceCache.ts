/**
 * On-disk cache of the work the checks derive from the reference data, so that a plan pays for
 * it once per change of that data rather than on every run: YAML parsed into plain values (kept
 * as JSON, which loads an order of magnitude faster), and JSON Schemas compiled by ajv into
 * standalone validator code (compiling the charts' schemas was a quarter of a plan's time).
 *
 * Where: env `PLAN_CACHE_DIR`, default `node_modules/.cache/research-platform` (git-ignored,
 * emptied by `npm ci`). Every entry is named by a hash of everything it was made from (the source
 * text or schema, the producing library's version and the options), so a changed reference file
 * or an upgraded library misses the cache instead of reading a stale entry; nothing has to be
 * invalidated. Entries are written to a temporary file and renamed, so concurrent runs (the
 * parallel test workers) never read half an entry. A cache that cannot be read or written is
 * only slower: the work is done in memory as before.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as vm from "node:vm";
import type Ajv from "ajv";
import type { AnySchema, ValidateFunction } from "ajv";
import standaloneCode from "ajv/dist/standalone";
import { readTextIfExists } from "../plan-engine/files";
import { planCacheDir } from "../plan-engine/cacheDir";
import { GO_YAML_READER } from "../plan-engine/goYaml";

/** Bump when what an entry holds changes shape. */
const FORMAT = "1";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const AJV_VERSION: string = require("ajv/package.json").version;

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return planCacheDir(env);
}

function key(...parts: string[]): string {
    const h = createHash("sha256");
    for (const p of [FORMAT, ...parts]) h.update(p).update("\0");
    return h.digest("hex").slice(0, 32);
}

function writeEntry(file: string, content: string): void {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        fs.writeFileSync(tmp, content);
        fs.renameSync(tmp, file);
    } catch {
        // A read-only or full disk: the next run does the work again.
    }
}

/**
 * `derive(text)` of a reference file's text, from the cache when the same text was derived the
 * same way before. `what` names the derivation (e.g. `values`, `crds`); the result must be plain
 * JSON data. The key holds the YAML reader too (`GO_YAML_READER`): what is derived is read YAML.
 */
export function cachedFromText<T>(what: string, text: string, derive: (text: string) => T, dir: string = cacheDir()): T {
    const file = path.join(dir, "data", `${what}-${key(what, GO_YAML_READER, text)}.json`);
    const hit = readTextIfExists(file);
    if (hit !== undefined) {
        try {
            return JSON.parse(hit) as T;
        } catch {
            // A damaged entry: derive again and overwrite it.
        }
    }
    const value = derive(text);
    writeEntry(file, JSON.stringify(value ?? null));
    return value;
}

/**
 * A result derived from data that `parts` fully identify (e.g. a Helm render's cache key and a
 * library version), from the cache when it was derived before. The result must be plain JSON data.
 */
export function cachedResult<T>(what: string, parts: readonly string[], derive: () => T, dir: string = cacheDir()): T {
    const file = path.join(dir, what, `${key(what, ...parts)}.json`);
    const hit = readTextIfExists(file);
    if (hit !== undefined) {
        try {
            return JSON.parse(hit) as T;
        } catch {
            // A damaged entry: derive again and overwrite it.
        }
    }
    const value = derive();
    writeEntry(file, JSON.stringify(value ?? null));
    return value;
}

/** Module scope for validator code: `require` resolves from here, so the generated code finds ajv and ajv-formats wherever the cache is. */
const requireHere = createRequire(__filename);

function load(code: string, filename: string): ValidateFunction {
    const module = { exports: {} as { default?: ValidateFunction } };
    // The code is ajv's own output for a schema from the reference folder, written by this module.
    vm.compileFunction(code, ["require", "module", "exports"], { filename })(requireHere, module, module.exports);
    const validate = module.exports.default ?? (module.exports as unknown as ValidateFunction);
    if (typeof validate !== "function") throw new Error("not a validator module");
    return validate;
}

/**
 * One Ajv instance per `options`, for every schema compiled with them in this process: a new
 * instance compiles its draft's meta-schema again before it checks the first schema against it
 * (20-50 ms each, a fifth of compiling the reference schemas of a cold plan).
 */
const instances = new Map<string, Ajv>();

/**
 * A validator for `schema`, compiled by the Ajv instance `makeAjv()` returns (it must be created
 * with `code: { source: true }`), or loaded from the cache when that schema was compiled with the
 * same `options` before. `options` must name everything about the Ajv instance that changes the
 * code it generates (draft, formats, strictness): the instance is made once per `options` and
 * shared, and each schema is removed from it once compiled, so two schemas with the same `$id`
 * (one chart's schema at two versions) never meet.
 */
export function cachedValidator(schema: AnySchema, options: string, makeAjv: () => Ajv, dir: string = cacheDir()): ValidateFunction {
    const file = path.join(dir, "validators", `${key(options, AJV_VERSION, JSON.stringify(schema))}.js`);
    const hit = readTextIfExists(file);
    if (hit !== undefined) {
        try {
            return load(hit, file);
        } catch {
            // A damaged entry: compile again and overwrite it.
        }
    }
    let ajv = instances.get(options);
    if (!ajv) instances.set(options, (ajv = makeAjv()));
    let validate: ValidateFunction;
    let code: string | undefined;
    try {
        validate = ajv.compile(schema);
        try {
            code = standaloneCode(ajv, validate);
        } catch {
            // A schema ajv cannot turn into standalone code is compiled on every run.
        }
    } finally {
        ajv.removeSchema(schema);
    }
    if (code !== undefined) writeEntry(file, code);
    return validate;
}
