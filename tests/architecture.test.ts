/**
 * The import rule of docs/architecture.md, enforced: every project TypeScript file belongs to a
 * layer, a layer imports only the layers the table below allows, and no files import each other
 * in a circle (type-only imports count: they tie the modules together just the same).
 *
 * Imports are read with TypeScript's own pre-processor (`import`, `import type`, `export ... from`,
 * `require("...")`, `import("...")`); only relative ones name project files.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
/** Separate projects (own package.json and node_modules) and build output: not part of the layering. */
const SKIP = new Set(["node_modules", "bin", "plan", "deployments", ".git", ".pulumi"]);

/** The config modules every component config may use: they import no component config. */
const CONFIG_SHARED = ["config/problems.ts", "config/types.ts", "config/spec.ts", "config/kubernetes.ts", "config/facts.ts"];

type Layer =
    | "entry"
    | "program"
    | "platform"
    | "add-ons"
    | "apps"
    | "k8s-kit"
    | "config-assembler"
    | "component-config"
    | "config-shared"
    | "contracts"
    | "policy"
    | "plan-engine"
    | "guardrails"
    | "cli"
    | "e2e"
    | "tests";

/** The layer of a project file (path relative to the root, with `/`), or undefined when it has none. */
export function layerOf(file: string): Layer | undefined {
    if (file === "index.ts") return "entry";
    if (file.startsWith("program/")) return "program";
    if (file === "components/platform.ts") return "platform";
    if (file.startsWith("components/cluster/")) return "add-ons";
    if (file.startsWith("components/apps/")) return "apps";
    if (file.startsWith("components/k8s/") || file === "components/charts.ts") return "k8s-kit";
    if (file === "config/index.ts" || file === "config/schema.ts") return "config-assembler";
    if (CONFIG_SHARED.includes(file)) return "config-shared";
    if (/^config\/[^/]+\.ts$/.test(file)) return "component-config";
    if (file.startsWith("contracts/")) return "contracts";
    if (file.startsWith("policy/")) return "policy";
    if (file.startsWith("tools/plan-engine/")) return "plan-engine";
    if (file.startsWith("tools/guardrails/")) return "guardrails";
    if (/^tools\/[^/]+\.ts$/.test(file)) return "cli";
    if (file.startsWith("e2e/")) return "e2e";
    if (file.startsWith("tests/")) return "tests";
    return undefined;
}

const CONFIG: Layer[] = ["config-assembler", "component-config", "config-shared"];

/**
 * Which layers each layer may import (its own included only where listed), plus single files
 * allowed across a boundary. docs/architecture.md shows the same table.
 */
export const MAY_IMPORT: Record<Layer, { layers: Layer[]; files?: string[] }> = {
    entry: { layers: ["program"] },
    program: { layers: ["program", "platform", ...CONFIG] },
    platform: { layers: ["add-ons", "apps", "k8s-kit", ...CONFIG] },
    "add-ons": { layers: ["add-ons", "k8s-kit", ...CONFIG] },
    // The add-ons hand the apps what they need through components/cluster/handles.ts.
    apps: { layers: ["apps", "k8s-kit", ...CONFIG], files: ["components/cluster/handles.ts"] },
    "k8s-kit": { layers: ["k8s-kit"] },
    "config-assembler": { layers: CONFIG },
    "component-config": { layers: ["config-shared"] },
    "config-shared": { layers: ["config-shared"] },
    contracts: { layers: ["contracts", ...CONFIG] },
    // The exception annotation is written by the components and read by the rules: one leaf module.
    policy: { layers: ["policy"], files: ["components/k8s/policyException.ts"] },
    "plan-engine": { layers: ["plan-engine", "program", ...CONFIG] },
    guardrails: { layers: ["guardrails", "plan-engine", "policy", "contracts", "program", ...CONFIG], files: ["components/charts.ts"] },
    cli: { layers: ["plan-engine", "guardrails", "program", "entry", ...CONFIG] },
    e2e: { layers: ["e2e", "policy", "plan-engine"] },
    tests: { layers: ["entry", "program", "platform", "add-ons", "apps", "k8s-kit", ...CONFIG, "contracts", "policy", "plan-engine", "guardrails", "cli", "e2e", "tests"] },
};

/** Every project .ts file, relative to the root with `/`. */
function projectFiles(dir = ROOT): string[] {
    const out: string[] = [];
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (SKIP.has(e.name)) continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) out.push(...projectFiles(p));
        else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) out.push(path.relative(ROOT, p).split(path.sep).join("/"));
    }
    return out.sort();
}

/** The project files a file imports (relative specifiers resolved as TypeScript and Node resolve them). */
function importsOf(file: string, exists: (f: string) => boolean): { target: string | undefined; spec: string }[] {
    const text = fs.readFileSync(path.join(ROOT, file), "utf8");
    const specs = ts.preProcessFile(text, true, true).importedFiles.map((i) => i.fileName);
    return specs
        .filter((s) => s.startsWith("."))
        .map((spec) => {
            const base = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
            const target = [`${base}.ts`, `${base}/index.ts`, base].find((c) => c.endsWith(".ts") && exists(c));
            return { target, spec };
        });
}

export type Graph = Map<string, string[]>;

/** The import rule's breaches: `from -> to` with the rule that forbids it. */
export function ruleBreaches(graph: Graph): string[] {
    const out: string[] = [];
    for (const [from, targets] of graph) {
        const layer = layerOf(from);
        if (!layer) {
            out.push(`${from} belongs to no layer (see docs/architecture.md)`);
            continue;
        }
        const rule = MAY_IMPORT[layer];
        for (const to of targets) {
            const target = layerOf(to);
            if ((target && rule.layers.includes(target)) || rule.files?.includes(to)) continue;
            out.push(`${from} (${layer}) imports ${to} (${target ?? "no layer"}): ${layer} may import ${[...rule.layers, ...(rule.files ?? [])].join(", ")}`);
        }
    }
    return out;
}

/** Every import cycle, as the files of each strongly connected component (Tarjan), sorted. */
export function importCycles(graph: Graph): string[][] {
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
        index.set(v, next);
        low.set(v, next++);
        stack.push(v);
        onStack.add(v);
        for (const w of graph.get(v) ?? []) {
            if (!index.has(w)) {
                visit(w);
                low.set(v, Math.min(low.get(v)!, low.get(w)!));
            } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        }
        if (low.get(v) === index.get(v)) {
            const scc: string[] = [];
            let w: string;
            do {
                w = stack.pop()!;
                onStack.delete(w);
                scc.push(w);
            } while (w !== v);
            if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(scc.sort());
        }
    };
    for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
    return cycles;
}

describe("architecture: the import rule (docs/architecture.md)", () => {
    const files = projectFiles();
    const known = new Set(files);
    const graph: Graph = new Map();
    const unresolved: string[] = [];
    for (const f of files) {
        const imports = importsOf(f, (c) => known.has(c) || fs.existsSync(path.join(ROOT, c)));
        for (const i of imports) if (!i.target) unresolved.push(`${f}: "${i.spec}"`);
        graph.set(f, [...new Set(imports.map((i) => i.target).filter((t): t is string => t !== undefined && known.has(t)))]);
    }

    it("reads every project file's imports (and finds the layers' files where they should be)", () => {
        assert.deepEqual(unresolved, [], "relative imports that name no project file");
        for (const f of ["index.ts", "program/index.ts", "config/schema.ts", "components/platform.ts", "tools/plan-engine/index.ts", "tools/guardrails/index.ts", "tools/plan.ts"]) {
            assert.ok(known.has(f), `${f} is missing`);
        }
        assert.ok(files.length > 100, `only ${files.length} files found`);
    });

    it("has no import cycle", () => {
        const cycles = importCycles(graph);
        assert.deepEqual(cycles, [], `import cycles:\n${cycles.map((c) => `  ${c.join(" <-> ")}`).join("\n")}`);
    });

    it("every file imports only what its layer may import (the program never imports the tooling)", () => {
        const breaches = ruleBreaches(graph);
        assert.deepEqual(breaches, [], `imports that break the rule:\n  ${breaches.join("\n  ")}`);
    });

    it("the checks catch what they are for: a cycle, an import into the tooling, a file outside the layers", () => {
        const bad: Graph = new Map([
            ["config/schema.ts", ["config/metallb.ts"]],
            ["config/metallb.ts", ["config/schema.ts"]],
            ["index.ts", ["program/index.ts", "tools/plan-engine/index.ts"]],
            ["components/apps/x.ts", ["tests/harness.ts", "components/cluster/handles.ts"]],
            ["somewhere/else.ts", []],
        ]);
        assert.deepEqual(importCycles(bad), [["config/metallb.ts", "config/schema.ts"]]);
        const breaches = ruleBreaches(bad);
        assert.equal(breaches.length, 4, breaches.join("\n"));
        assert.match(breaches.join("\n"), /config\/metallb\.ts \(component-config\) imports config\/schema\.ts/);
        assert.match(breaches.join("\n"), /index\.ts \(entry\) imports tools\/plan-engine\/index\.ts \(plan-engine\)/);
        assert.match(breaches.join("\n"), /components\/apps\/x\.ts \(apps\) imports tests\/harness\.ts/);
        assert.match(breaches.join("\n"), /somewhere\/else\.ts belongs to no layer/);
    });
});
