import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { cachedFromText, cachedValidator } from "../tools/guardrails/referenceCache";
import { parseReferenceYaml, referenceDirs } from "../tools/guardrails/reference";
import { validateHelmValues } from "../tools/guardrails/validateHelmValues";

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "reference-cache-"));
}

function entries(dir: string): string[] {
    return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [];
}

const SCHEMA = {
    type: "object",
    properties: { replicas: { type: "integer", minimum: 1 }, host: { type: "string", format: "hostname" } },
    required: ["replicas"],
    additionalProperties: false,
};

function makeAjv(): Ajv {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false, code: { source: true } });
    addFormats(ajv);
    return ajv;
}

describe("reference cache: parsed data and compiled schemas, on disk", () => {
    it("derives a file's data once, then reads it back; changed text derives again", () => {
        const dir = tmp();
        let calls = 0;
        const derive = (t: string) => {
            calls++;
            return parse(t);
        };
        assert.deepEqual(cachedFromText("yaml", "a: 1\nb: [x, y]\n", derive, dir), { a: 1, b: ["x", "y"] });
        assert.deepEqual(cachedFromText("yaml", "a: 1\nb: [x, y]\n", derive, dir), { a: 1, b: ["x", "y"] });
        assert.equal(calls, 1, "the second read comes from the cache");
        assert.deepEqual(cachedFromText("yaml", "a: 2\n", derive, dir), { a: 2 });
        assert.equal(calls, 2, "other text is another entry");
        assert.equal(entries(dir).length, 2);
    });

    it("replaces a damaged entry instead of failing or returning it", () => {
        const dir = tmp();
        cachedFromText("yaml", "a: 1\n", parse, dir);
        const [file] = entries(dir);
        fs.writeFileSync(file, '{"a": 1');
        assert.deepEqual(cachedFromText("yaml", "a: 1\n", parse, dir), { a: 1 });
        assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), { a: 1 }, "rewritten");
    });

    it("still works, uncached, where the cache cannot be written", () => {
        const file = path.join(tmp(), "a-file");
        fs.writeFileSync(file, "");
        const dir = path.join(file, "cache"); // below a regular file: mkdir fails
        assert.deepEqual(cachedFromText("yaml", "a: 1\n", parse, dir), { a: 1 });
        const validate = cachedValidator(SCHEMA, "test", makeAjv, dir);
        assert.equal(validate({ replicas: 2 }), true);
    });

    it("a validator loaded from the cache judges exactly as a freshly compiled one, from a cache outside the project", () => {
        const dir = tmp();
        const fresh = cachedValidator(SCHEMA, "test", makeAjv, dir);
        assert.equal(entries(dir).length, 1, "compiled once and written");
        let compiled = 0;
        const cached = cachedValidator(SCHEMA, "test", () => (compiled++, makeAjv()), dir);
        assert.equal(compiled, 0, "the second validator comes from the cache");
        for (const value of [{ replicas: 2, host: "hub.example.org" }, { replicas: 0 }, { host: "not a host!" }, { replicas: 1, extra: true }]) {
            assert.equal(cached(value), fresh(value), JSON.stringify(value));
            assert.deepEqual(cached.errors ?? null, fresh.errors ?? null, JSON.stringify(value));
        }
        assert.equal(cached({ replicas: 1, host: "not a host!" }), false, "formats (ajv-formats) are enforced by cached code too");
    });

    it("compiles every schema of the same options with one Ajv instance, schemas with the same $id included", () => {
        const dir = tmp();
        let made = 0;
        const make = () => (made++, makeAjv());
        // One chart's values schema at two versions: the same $id, different rules.
        const v1 = cachedValidator({ $id: "https://example.org/values.schema.json", ...SCHEMA }, "one instance", make, dir);
        const v2 = cachedValidator({ $id: "https://example.org/values.schema.json", ...SCHEMA, required: ["replicas", "host"] }, "one instance", make, dir);
        assert.equal(made, 1, "the draft's meta-schema is compiled once, not per schema");
        assert.equal(v1({ replicas: 1 }), true);
        assert.equal(v2({ replicas: 1 }), false);
    });

    it("reads reference YAML with the core schema, so a cold and a warm plan see the same data", () => {
        const text = "day: 2024-01-01\nyes: yes\nnothing: ~\noctal: 0o17\nfloat: 1.5e3\nbase: &b {x: 1}\nref: *b\nblock: |\n  text\n";
        const data = parseReferenceYaml(text);
        assert.deepEqual(data, parse(text), "as the yaml library reads it");
        assert.deepEqual(JSON.parse(JSON.stringify(data)), data, "plain JSON data (no Date), as the cache returns it");
        assert.equal((data as { day: unknown }).day, "2024-01-01");
    });

    it("keeps validators of different options apart", () => {
        const dir = tmp();
        cachedValidator(SCHEMA, "formats", makeAjv, dir);
        cachedValidator(SCHEMA, "no-formats", makeAjv, dir);
        assert.equal(entries(dir).length, 2);
    });

    it("gives the same Helm values verdicts with a cold and a warm cache", function () {
        const dirs = referenceDirs();
        if (!dirs.exists) this.skip();
        const dir = tmp();
        const prev = process.env.PLAN_CACHE_DIR;
        process.env.PLAN_CACHE_DIR = dir;
        try {
            // A chart with a JSON schema and one checked against its values.yaml; one valid and one invalid release each.
            const releases = [
                { chart: "metallb", version: "0.14.9", values: { speaker: { frr: { enabled: false } } } },
                { chart: "metallb", version: "0.14.9", values: { speaker: { frr: { enabled: "no" } } } },
                { chart: "metrics-server", version: "3.13.1", values: { args: ["--kubelet-insecure-tls"] } },
                { chart: "metrics-server", version: "3.13.1", values: { nosuchkey: 1 } },
            ];
            const cold = releases.map((r) => validateHelmValues(r, dirs));
            assert.ok(entries(dir).length > 0, "the cold run filled the cache");
            assert.deepEqual(
                cold.map((r) => r.status),
                ["valid", "invalid", "valid", "invalid"],
            );
            // The validators are also memoized per process: clear that by loading the module afresh.
            const file = require.resolve("../tools/guardrails/validateHelmValues");
            delete require.cache[file];
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const again = require(file) as typeof import("../tools/guardrails/validateHelmValues");
            assert.deepEqual(
                releases.map((r) => again.validateHelmValues(r, dirs)),
                cold,
            );
        } finally {
            if (prev === undefined) delete process.env.PLAN_CACHE_DIR;
            else process.env.PLAN_CACHE_DIR = prev;
        }
    });
});
