import * as assert from "node:assert/strict";
import { parse, parseAllDocuments } from "yaml";
import { toYaml } from "../components/k8s/yaml";
import { renderPlan } from "../tools/plan-engine/render";
import { runProgram } from "./harness";

/** How a YAML 1.1 reader (kubectl and Helm through go-yaml v2 rules, PyYAML) and a YAML 1.2 reader read a text. */
const read11 = (text: string) => parse(text, { version: "1.1" });
const read12 = (text: string) => parse(text, { version: "1.2" });

/** Strings a YAML 1.1 reader takes for a boolean, null, date or number when they are written plain. */
const READ_AS_OTHER_TYPES = ["no", "yes", "on", "off", "y", "N", "NO", "Yes", "~", "null", "2024-12-23", "2001-12-14 21:59:43.10 -5", "1_000", "+685_230", "0b101", "0x_0A_74_AE", "1:20", "190:20:30.15", ".inf", "-.Inf", ".NaN", "685.230_15e+03", "017"];
/** Strings a YAML 1.1 reader misreads that the `yaml` library's YAML 1.1 schema does not know. */
const BEYOND_THE_LIBRARY = ["0o17", "=", "<<"];

describe("YAML as the project writes it (components/k8s/yaml.ts)", () => {
    it("quotes every string a YAML 1.1 reader such as kubectl, Helm or PyYAML would read as a boolean, null, date or number", () => {
        for (const s of READ_AS_OTHER_TYPES) {
            const text = toYaml({ args: [s], [s]: s });
            assert.deepEqual(read11(text), { args: [s], [s]: s }, text);
            assert.deepEqual(read12(text), { args: [s], [s]: s }, text);
        }
    });

    it("quotes 0o17 (an octal number to go-yaml), = and << (scalars PyYAML cannot load)", () => {
        for (const s of BEYOND_THE_LIBRARY) assert.equal(toYaml({ k: s }), `k: ${JSON.stringify(s)}\n`);
    });

    it("writes other strings plain, unfolded, and repeated objects in full rather than as anchors", () => {
        const long = "x".repeat(200);
        const shared = { a: 1 };
        assert.equal(toYaml({ args: ["--appendonly", "--v=2", "v1.2.3", "http://a:80/b", long], one: shared, two: shared }), `args:\n  - --appendonly\n  - --v=2\n  - v1.2.3\n  - http://a:80/b\n  - ${long}\none:\n  a: 1\ntwo:\n  a: 1\n`);
    });

    for (const [stack, opts] of [
        ["dev", { stack: "dev" }],
        ["prod", { stack: "prod", placeholderSecrets: true }],
    ] as const) {
        it(`every manifest and Helm record of the ${stack} plan, and every YAML file they carry, reads the same under YAML 1.1 as under YAML 1.2`, async () => {
            const files = renderPlan((await runProgram(opts)).plan);
            // The program's own objects and Helm records; helm/<release>/ holds Helm's output as Helm wrote it.
            const ours = [...files].filter(([f]) => /^manifests\/|^helm\/[^/]+\.yaml$/.test(f));
            assert.ok(ours.length > 50, `${ours.length} files`);
            const embedded: [string, string][] = [];
            for (const [file, text] of ours) {
                const doc = read12(text);
                assert.deepEqual(read11(text), doc, file);
                for (const [key, value] of Object.entries((doc as { data?: Record<string, unknown> }).data ?? {})) {
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
