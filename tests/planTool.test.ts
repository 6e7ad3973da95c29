import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { stringify } from "yaml";
import { secretSpecs } from "../config";
import { main } from "../program";
import { fromWire, secretPaths } from "../tools/plan-engine/mockRuntime";
import type { Plan } from "../tools/plan-engine/types";
import { runPlan } from "../tools/plan-engine/runPlan";
import { renderPlan } from "../tools/plan-engine/render";
import { artifactYaml } from "../tools/plan-engine/manifests";
import { writeArtifacts } from "../tools/plan-engine/artifacts";
import { PROJECT_DIR, runProgram } from "./harness";
import { REFERENCE } from "./referenceData";

/** The command as `npm run plan` runs it: built (in `before`; nothing to do when fresh), then JavaScript. */
function compile(): void {
    const r = spawnSync(process.execPath, [path.join(PROJECT_DIR, "scripts", "build.mjs")], { encoding: "utf8" });
    assert.equal(r.status, 0, `npm run compile failed:\n${r.stdout}${r.stderr}`);
}

function plan(args: string[]) {
    return spawnSync(process.execPath, [path.join(PROJECT_DIR, "bin", "tools", "plan.js"), ...args], { cwd: PROJECT_DIR, encoding: "utf8" });
}

function tmp(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
}

function readTree(dir: string): Map<string, string> {
    const files = new Map<string, string>();
    const walk = (d: string) => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
            const p = path.join(d, e.name);
            if (e.isDirectory()) walk(p);
            else files.set(path.relative(dir, p), fs.readFileSync(p, "utf8"));
        }
    };
    walk(dir);
    return files;
}

/** Every secret value the program registered, revealed, from the SDK's secret markers. */
function secretValues(p: Plan): string[] {
    const values = new Set<string>();
    const collect = (v: unknown) => {
        if (typeof v === "string" && v.length >= 6) values.add(v);
        else if (v && typeof v === "object") Object.values(v).forEach(collect);
    };
    for (const r of p.registrations) {
        const revealed = fromWire(r.wireInputs, true);
        for (const sp of secretPaths(r.wireInputs)) {
            let v: unknown = revealed;
            for (const seg of sp.match(/[^.[\]]+/g) ?? []) v = v && typeof v === "object" ? (v as Record<string, unknown>)[seg] : undefined;
            collect(v);
        }
    }
    return [...values];
}

/** Every user-supplied secret as a `--secret` value. */
const SECRETS = secretSpecs.map((s) => `${s.key}=S3cret-${s.key}-value`);

/** Two plans of prod with every secret given, into two folders: made once, read by two tests. */
let prodTwice: [string, string] | undefined;
function planProdTwice(): [string, string] {
    if (!prodTwice) {
        const dirs: [string, string] = [tmp(), tmp()];
        for (const out of dirs) {
            const r = plan(["--stack", "prod", "--out", out, ...SECRETS.flatMap((s) => ["--secret", s])]);
            assert.equal(r.status, 0, r.stderr);
        }
        prodTwice = dirs;
    }
    return prodTwice;
}

/** The dev plan with every secret given (dev reads none of them): made once, read by two tests. */
let devPlan: { out: string; r: ReturnType<typeof plan> } | undefined;
function planDev(): NonNullable<typeof devPlan> {
    if (!devPlan) {
        const out = tmp();
        devPlan = { out, r: plan(["--stack", "dev", "--out", out, ...SECRETS.flatMap((s) => ["--secret", s])]) };
    }
    return devPlan;
}

describe("offline plan: command line", () => {
    before(compile);

    it("writes all five artifacts for the dev stack and exits 0", () => {
        const { out, r } = planDev();
        assert.equal(r.status, 0, r.stderr);
        for (const f of ["resources.json", "graph.mmd", "summary.md"]) assert.ok(fs.existsSync(path.join(out, f)), f);
        const doc = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
        assert.equal(doc.project, "research-platform");
        assert.equal(doc.stack, "dev");
        assert.ok(doc.resources.length > 0);
        for (const r of doc.resources) {
            assert.deepEqual(Object.keys(r), ["urn", "type", "name", "parent", "dependsOn", "provider", "custom", "protect", "retainOnDelete", "inputs"]);
        }
        assert.match(r.stdout, /Offline plan of research-platform\/dev/);
        if (REFERENCE.exists) {
            const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
            assert.doesNotMatch(summary, /reference folder .* not found/, "the compiled plan finds the reference data beside the project");
        }
    });

    it("gives byte-identical output for identical input (prod, every secret given, planned twice)", () => {
        const [a, b] = planProdTwice();
        assert.deepEqual(readTree(a), readTree(b));
    });

    it("rejects invalid config with exit 2, every problem on stderr, no stack trace and nothing written", () => {
        const out = path.join(tmp(), "never");
        const r = plan(["--stack", "dev", "--out", out, "--set", 'metalb={"enabled":true}', "--set", "kubernetes.distribution=minikube"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /research-platform:metalb: unknown key \(did you mean 'metallb'\?\)/);
        assert.match(r.stderr, /research-platform:kubernetes\.distribution: must be "kind" or "generic"/);
        assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace for a user mistake");
        assert.equal(fs.existsSync(out), false, "nothing written");
    });

    it("reports an unknown stack or a malformed --set as a usage problem (exit 2)", () => {
        assert.equal(plan(["--stack", "nosuchstack", "--out", tmp()]).status, 2);
        const r = plan(["--out", tmp(), "--set", "novalue"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /expected KEY=VALUE/);
    });

    it("reports a malformed stack file with exit 2: file, line, column and the YAML problem on one line, no stack trace", () => {
        // A scratch project (this one's files linked, symlinks kept) with the bad stack file, so no
        // other test that reads the project's stack files meanwhile sees it.
        const project = tmp();
        for (const f of fs.readdirSync(PROJECT_DIR)) if (!/^Pulumi\..+\.yaml$/.test(f)) fs.symlinkSync(path.join(PROJECT_DIR, f), path.join(project, f));
        const stack = "malformed";
        fs.writeFileSync(path.join(project, `Pulumi.${stack}.yaml`), "config:\n  research-platform:metallb:\n\tenabled: true\n");
        const out = path.join(tmp(), "never");
        const r = spawnSync(process.execPath, ["--preserve-symlinks", "--preserve-symlinks-main", path.join(project, "bin", "tools", "plan.js"), "--stack", stack, "--out", out], { cwd: project, encoding: "utf8" });
        assert.equal(r.status, 2, r.stderr);
        assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
        assert.match(r.stderr, new RegExp(`^Pulumi\\.${stack}\\.yaml:3:1: Tabs are not allowed as indentation`));
        assert.equal(fs.existsSync(out), false, "nothing written");
    });

    it("reports a bug in the program with exit 1 and, run again with stack traces, where it happened", () => {
        // Inject a bug: every Namespace the program creates throws (preloaded, as the SDK stands).
        const preload = path.join(tmp(), "bug.js");
        const namespaceModule = path.join(path.dirname(require.resolve("@pulumi/kubernetes", { paths: [PROJECT_DIR] })), "core", "v1", "namespace.js");
        fs.writeFileSync(preload, `require(${JSON.stringify(namespaceModule)}).Namespace = class { constructor() { injectedBug(); } };\nfunction injectedBug() { throw new Error("injected bug"); }\n`);
        const r = spawnSync(process.execPath, ["--require", preload, path.join(PROJECT_DIR, "bin", "tools", "plan.js"), "--stack", "dev", "--out", tmp()], { cwd: PROJECT_DIR, encoding: "utf8" });
        assert.equal(r.status, 1, r.stderr);
        const [first, second] = r.stderr.split(/Running it again with them \(PLAN_STACK_TRACES=1\)/);
        assert.ok(second !== undefined, r.stderr);
        assert.match(first, /injected bug/);
        assert.doesNotMatch(first, /\n\s+at /, "the first run has no frames");
        assert.match(second, /injected bug\n\s+at injectedBug /, "the second run shows where it happened");
    });

    it("renders on the worker thread byte for byte what the main thread renders", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { startPlanWorker } = require(path.join(PROJECT_DIR, "bin", "tools", "plan-engine", "planWorker.js")) as typeof import("../tools/plan-engine/planWorker");
        const docs = Array.from({ length: 137 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `c-${i}`, labels: { n: String(i) } }, data: { "a.yaml": `x: ${i}\ny: "q"\n`, empty: "", yes: "yes" } }));
        const worker = startPlanWorker();
        try {
            const texts = await worker.render(docs).help();
            assert.deepEqual(texts, docs.map((d) => artifactYaml(d)));
        } finally {
            worker.close();
        }
    });

    it("runs a compiled module's function on the worker thread, and rejects a call it cannot make", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { startPlanWorker } = require(path.join(PROJECT_DIR, "bin", "tools", "plan-engine", "planWorker.js")) as typeof import("../tools/plan-engine/planWorker");
        const module = path.join(PROJECT_DIR, "bin", "tools", "guardrails", "validateHelmValues.js");
        const worker = startPlanWorker();
        try {
            assert.deepEqual(await worker.call(module, "mergeValues", [{ a: { b: 1, c: 2 } }, { a: { c: 3, d: 4 } }]), { a: { b: 1, c: 3, d: 4 } });
            await assert.rejects(worker.call(module, "noSuchFunction", []), /has no function noSuchFunction/);
            await assert.rejects(worker.call(module.replace(/\.js$/, ".ts"), "mergeValues", [{}, {}]), /compiled modules only/);
            assert.deepEqual(await worker.call(module, "mergeValues", [{ a: 1 }, { b: 2 }]), { a: 1, b: 2 }, "still answers after a failed call");
        } finally {
            worker.close();
        }
    });

    it("never writes a --secret value or a generated secret into any artifact, plain or base64", async () => {
        for (const stack of ["dev", "prod"]) {
            const out = stack === "prod" ? planProdTwice()[0] : planDev().out;
            if (stack === "dev") assert.equal(planDev().r.status, 0, planDev().r.stderr);
            const inProcess = await runPlan({ projectDir: PROJECT_DIR, stack, secrets: SECRETS, program: main });
            const needles = [...SECRETS.map((s) => s.split("=")[1]), ...secretValues(inProcess)];
            for (const [file, text] of readTree(out)) {
                for (const n of needles) {
                    assert.ok(!text.includes(n), `${file} contains a secret value`);
                    assert.ok(!text.includes(Buffer.from(n).toString("base64")), `${file} contains a base64-encoded secret value`);
                }
            }
        }
    });
});

describe("offline plan: the output folder (--out)", () => {
    // What the command does with its folder, through the function it writes with (plan.ts: writeArtifacts(outDir, renderPlan(...))).
    it("re-planning into a folder leaves exactly what a fresh plan writes, and nothing of the user's is touched", async () => {
        // NVIDIA FLARE's clients change between the plans; the other apps are off, to plan less.
        const others = ["distributedNotebook", "jupyterhub", "diracx"].map((app) => `${app}.enabled=false`);
        const clients = async (names: string[]) => {
            const set = [...others, "nvflare.enabled=true", `nvflare.clients=${JSON.stringify(names.map((name) => ({ name, org: "o" })))}`];
            return renderPlan((await runProgram({ stack: "dev", set })).plan);
        };
        const [reused, fresh] = [tmp(), tmp()];
        fs.writeFileSync(path.join(reused, "notes.txt"), "mine");
        // A user's own files inside the artifact folders are not the plan's to delete either.
        fs.mkdirSync(path.join(reused, "manifests", "nvflare"), { recursive: true });
        fs.writeFileSync(path.join(reused, "manifests", "nvflare", "my-patch.yaml"), "mine too");
        fs.mkdirSync(path.join(reused, "helm", "mine"), { recursive: true });
        fs.writeFileSync(path.join(reused, "helm", "mine", "values.yaml"), "and mine");
        writeArtifacts(reused, await clients(["site-1", "site-2"]));
        assert.ok(fs.existsSync(path.join(reused, "manifests", "nvflare", "Deployment-site-2.yaml")));
        const one = await clients(["site-1"]);
        writeArtifacts(reused, one);
        writeArtifacts(fresh, one);
        const kept = readTree(reused);
        assert.equal(kept.get("notes.txt"), "mine");
        assert.equal(kept.get(path.join("manifests", "nvflare", "my-patch.yaml")), "mine too");
        assert.equal(kept.get(path.join("helm", "mine", "values.yaml")), "and mine");
        for (const own of ["notes.txt", path.join("manifests", "nvflare", "my-patch.yaml"), path.join("helm", "mine", "values.yaml")]) kept.delete(own);
        assert.ok(!kept.has(path.join("manifests", "nvflare", "Deployment-site-2.yaml")), "the removed client's manifest is gone");
        assert.deepEqual(kept, readTree(fresh), "no stale manifest is left behind");
        assert.ok(kept.get(".plan-files")?.split("\n").includes("summary.md"), "the folder lists what the plan wrote");
    });
});

describe("offline plan: recording and redaction", () => {
    async function planOf(program: () => unknown): Promise<Plan> {
        return runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "empty", program });
    }

    it("records dependsOn as the SDK sends it: explicit edges, edges through components, and input edges", async () => {
        const p = await planOf(() => {
            const provider = new k8s.Provider("k", {});
            const a = new k8s.core.v1.ConfigMap("a", { metadata: { name: "a" } }, { provider });
            const group = new pulumi.ComponentResource("test:index:Group", "group");
            const inGroup = new k8s.core.v1.ConfigMap("in-group", { metadata: { name: "in-group" } }, { provider, parent: group });
            new k8s.core.v1.ConfigMap("b", { metadata: { name: "b" } }, { provider, dependsOn: [a, group] });
            new k8s.core.v1.ConfigMap("c", { metadata: { name: "c" }, data: { from: a.metadata.name } }, { provider });
            return { inGroup: inGroup.metadata.name };
        });
        const urn = (name: string) => p.resources.find((r) => r.name === name)!.urn;
        const b = p.resources.find((r) => r.name === "b")!;
        assert.ok(b.dependsOn.includes(urn("a")), "explicit dependsOn");
        assert.ok(b.dependsOn.includes(urn("in-group")) || b.dependsOn.includes(urn("group")), "dependsOn a component reaches its children");
        assert.ok(p.resources.find((r) => r.name === "c")!.dependsOn.includes(urn("a")), "an input Output carries its resource");
        assert.equal(p.resources.find((r) => r.name === "in-group")!.parent, urn("group"));
        assert.equal(b.provider, urn("k"));
        assert.equal(p.outputs.inGroup, "in-group");
    });

    it("records protect and retainOnDelete", async () => {
        const p = await planOf(() => {
            new k8s.core.v1.Namespace("data", { metadata: { name: "data" } }, { protect: true, retainOnDelete: true });
            new k8s.core.v1.Namespace("scratch", { metadata: { name: "scratch" } });
        });
        const ns = (n: string) => p.resources.find((r) => r.name === n)!;
        assert.deepEqual([ns("data").protect, ns("data").retainOnDelete], [true, true]);
        assert.deepEqual([ns("scratch").protect, ns("scratch").retainOnDelete], [false, false]);
    });

    it("redacts secrets wherever they are nested, including inside YAML built from them, and honours additionalSecretOutputs", async () => {
        const p = await planOf(() => {
            const token = pulumi.secret("tok-123456");
            const generated = new random.RandomPassword("pw", { length: 24, special: false });
            new k8s.core.v1.ConfigMap("cfg", {
                metadata: { name: "cfg", namespace: "apps" },
                data: { plain: "visible", "app.yaml": token.apply((t) => stringify({ auth: { token: t } })) },
            });
            // A ConfigMap does not wrap its data as secret: only the engine's additionalSecretOutputs can make this secret.
            new k8s.core.v1.ConfigMap("leak", { metadata: { name: "leak", namespace: "apps" }, data: { password: generated.result } });
        });
        const files = renderPlan(p);
        const cfg = files.get("manifests/apps/ConfigMap-cfg.yaml")!;
        assert.match(cfg, /plain: visible/);
        assert.match(cfg, /app\.yaml: "\[secret\]"/);
        assert.match(files.get("manifests/apps/ConfigMap-leak.yaml")!, /password: "\[secret\]"/, "RandomPassword.result is secret, as the real engine makes it");
        for (const text of files.values()) assert.ok(!text.includes("tok-123456"));
    });

    it("runs the program without stack traces unless asked (PLAN_STACK_TRACES=1 or stackTraces)", async () => {
        const bug = () => {
            throw new Error("a bug in the program");
        };
        const quiet = await runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "empty", program: bug }).catch((e: Error) => e);
        assert.equal((quiet as Error).message, "a bug in the program");
        assert.doesNotMatch(String((quiet as Error).stack), /\n\s+at /);
        const traced = await runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "empty", program: bug, stackTraces: true }).catch((e: Error) => e);
        assert.match(String((traced as Error).stack), /\n\s+at .*bug /);
        assert.ok(Error.stackTraceLimit > 0, "the limit is restored after the run");
    });

    it("captures no stack per resource unless asked (the SDK's source positions, which the mocks ignore), and restores the SDK after the run", async () => {
        const sdk = pulumi.Resource as unknown as { callsites: () => unknown[] };
        const real = sdk.callsites;
        let captured = 0;
        sdk.callsites = () => (captured++, real());
        try {
            const program = () => void new k8s.core.v1.ConfigMap("c", { data: { a: "b" } }, { provider: new k8s.Provider("k", {}) });
            await runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "empty", program });
            assert.equal(captured, 0, "no stack captured without traces");
            await runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "empty", program, stackTraces: true });
            assert.ok(captured >= 2, `a stack per resource with traces (${captured})`);
        } finally {
            sdk.callsites = real;
        }
    });

    it("registers a ConfigGroup's objects as its children, named and marked as the provider does", async () => {
        const p = await planOf(() => {
            const provider = new k8s.Provider("k", {});
            const yamlText = ["apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: apps}\nstringData: {token: abc123456}", JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })].join("\n---\n");
            new k8s.yaml.v2.ConfigGroup("g", { yaml: yamlText }, { provider });
            new k8s.yaml.v2.ConfigGroup("h", { resourcePrefix: "pre", objs: [{ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", namespace: "apps" } }] }, { provider });
        });
        const group = p.resources.find((r) => r.type === "kubernetes:yaml/v2:ConfigGroup" && r.name === "g")!;
        const children = p.resources.filter((r) => r.parent === group.urn).map((r) => [r.type, r.name, r.custom, r.provider]);
        assert.deepEqual(children.sort(), [
            ["kubernetes:core/v1:Namespace", "g:apps", true, group.provider],
            ["kubernetes:core/v1:Secret", "g:apps/s", true, group.provider],
        ]);
        assert.equal((p.resources.find((r) => r.name === "g:apps/s")!.inputs as Record<string, unknown>).stringData, "[secret]", "Secret data is secret, as the provider marks it");
        assert.ok(p.resources.some((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "pre:apps/d"), "resourcePrefix names the children");
        const files = renderPlan(p);
        assert.ok(files.has("manifests/apps/Deployment-d.yaml") && files.has("manifests/_cluster/Namespace-apps.yaml"));
        await assert.rejects(
            planOf(() => new k8s.yaml.v2.ConfigGroup("f", { files: ["x.yaml"] }, { provider: new k8s.Provider("k", {}) })),
            /does not read `files`/,
        );
        await assert.rejects(
            planOf(() => new k8s.yaml.v2.ConfigGroup("n", { objs: [{ apiVersion: "v1", kind: "ConfigMap", metadata: {} }] }, { provider: new k8s.Provider("k", {}) })),
            /ConfigGroup n: every object needs apiVersion, kind and metadata.name/,
        );
    });

    it("leaves no SDK promise pending after a failed run, so the worker's exit reports no leaked promises", async () => {
        // What the SDK's leak detector reads when the process exits cleanly (it prints "N promises were still active").
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const pending = () => (require("@pulumi/pulumi/runtime/state") as { getStore(): { leakCandidates: Set<unknown> } }).getStore().leakCandidates.size;
        const failures: (() => unknown)[] = [
            () => new k8s.core.v1.ConfigMap("cfg", { metadata: { name: "cfg" }, data: { v: pulumi.output("x").apply((): string => { throw new Error("boom in apply"); }) } }),
            () => {
                new k8s.core.v1.ConfigMap("first", { metadata: { name: "first" } });
                throw new Error("a bug after a registration");
            },
        ];
        for (const program of failures) {
            await assert.rejects(planOf(program));
            assert.equal(pending(), 0);
        }
    });

    it("turns a failure inside an apply into the run's error", async () => {
        await assert.rejects(
            planOf(() => {
                const v = pulumi.output("x").apply((): string => {
                    throw new Error("boom in apply");
                });
                new k8s.core.v1.ConfigMap("cfg", { metadata: { name: "cfg" }, data: { v } });
            }),
            /boom in apply/,
        );
    });
});
