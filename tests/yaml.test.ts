import * as assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { toYaml } from "../components/k8s/yaml";
import { artifactYaml, helmPath, helmRecord, isManifest, manifestPath } from "../tools/plan-engine/manifests";
import { renderPlan } from "../tools/plan-engine/render";
import { runProgram } from "./harness";

/** How a YAML 1.1 reader (kubectl and Helm through go-yaml v2 rules, PyYAML) and a YAML 1.2 reader read a text. */
const read11 = (text: string) => parse(text, { version: "1.1" });
const read12 = (text: string) => parse(text, { version: "1.2" });

/** Strings a YAML 1.1 reader takes for a boolean, null, date or number when they are written plain. */
const READ_AS_OTHER_TYPES = ["no", "yes", "on", "off", "y", "N", "NO", "Yes", "~", "null", "2024-12-23", "2001-12-14 21:59:43.10 -5", "1_000", "+685_230", "0b101", "0x_0A_74_AE", "1:20", "190:20:30.15", ".inf", "-.Inf", ".NaN", "685.230_15e+03", "017"];
/** Strings a YAML 1.1 reader misreads that the `yaml` library's YAML 1.1 schema does not know: octal to go-yaml, unloadable to PyYAML. */
const BEYOND_THE_LIBRARY = ["0o17", "=", "<<"];

/** JSON's view of a value: what the plan records and what a reader must get back. */
const asJson = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

const WRITERS = [
    ["the program's config files (toYaml)", toYaml],
    ["the plan's artifacts (artifactYaml)", artifactYaml],
] as const;

describe("YAML as the project writes it", () => {
    for (const [what, write] of WRITERS) {
        it(`${what}: quotes every string a YAML 1.1 reader such as kubectl, Helm or PyYAML would read as a boolean, null, date or number`, () => {
            for (const s of READ_AS_OTHER_TYPES) {
                const text = write({ args: [s], [s]: s });
                assert.deepEqual(read11(text), { args: [s], [s]: s }, text);
                assert.deepEqual(read12(text), { args: [s], [s]: s }, text);
            }
        });

        it(`${what}: quotes 0o17 (an octal number to go-yaml), = and << (scalars PyYAML cannot load)`, () => {
            for (const s of BEYOND_THE_LIBRARY) assert.equal(write({ k: s }), `k: ${JSON.stringify(s)}\n`);
        });

        it(`${what}: writes long strings unfolded, and repeated objects in full rather than as anchors`, () => {
            const long = "x ".repeat(100).trim();
            const shared = { a: 1 };
            assert.equal(write({ long, one: shared, two: shared }), `long: ${long}\none:\n  a: 1\ntwo:\n  a: 1\n`);
        });
    }

    it("the program's config files: other strings are written plain, as before the quoting, so deployed files do not change", () => {
        assert.equal(toYaml({ args: ["--appendonly", "--v=2", "v1.2.3", "http://a:80/b"] }), "args:\n  - --appendonly\n  - --v=2\n  - v1.2.3\n  - http://a:80/b\n");
    });

    for (const [stack, opts] of [
        ["dev", { stack: "dev" }],
        ["prod", { stack: "prod", placeholderSecrets: true }],
    ] as const) {
        it(`every manifest and Helm record of the ${stack} plan reads back as the plan's object under YAML 1.1 and 1.2, and so does every YAML file they carry`, async () => {
            const { plan } = await runProgram(opts);
            const files = renderPlan(plan);
            const written: [string, unknown][] = [];
            for (const r of plan.resources) {
                const h = helmRecord(r);
                if (h) written.push([helmPath(h), h]);
                else if (isManifest(r)) written.push([manifestPath(r), r.inputs]);
            }
            assert.ok(written.length > 50, `${written.length} files`);
            const embedded: [string, string][] = [];
            for (const [file, object] of written) {
                const text = files.get(file);
                assert.ok(text !== undefined, `${file} is written`);
                assert.deepEqual(read12(text), asJson(object), file);
                assert.deepEqual(read11(text), asJson(object), file);
                for (const [key, value] of Object.entries((object as { data?: Record<string, unknown> }).data ?? {})) {
                    if (/\.ya?ml$/.test(key) && typeof value === "string") embedded.push([`${file}: ${key}`, value]);
                }
            }
            assert.ok(embedded.length > 0, "config files in ConfigMaps");
            for (const [where, text] of embedded) {
                const docs = (version: "1.1" | "1.2") => parseAllDocuments(text, { version }).map((d) => d.toJS());
                assert.deepEqual(docs("1.1"), docs("1.2"), where);
            }
        });
    }
});
