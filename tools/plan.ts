/**
 * The offline plan: run the real program under mocks with a stack's config and write what it
 * would deploy. No cluster, no Pulumi CLI.
 *
 *   npm run plan -- [--stack dev] [--out DIR] [--set KEY=VALUE]... [--secret KEY=VALUE]...
 *                   [--placeholder-secrets] [--strict]
 *
 * Exit codes: 0 written; 1 a bug or an unexpected failure; 2 invalid config or usage (every
 * problem on stderr, nothing written); 3 `--strict` and mandatory policy findings.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, secretSpecs } from "../config";
import { runChecks } from "./lib/checks";
import { buildGraph, shortType } from "./lib/graph";
import { Plan, runPlan, withPlaceholderSecrets } from "./lib/plan";
import { findProjectDir } from "./lib/projectDir";
import { renderPlan } from "./lib/render";
import { UsageError } from "./lib/stackConfig";

const PROJECT_DIR = findProjectDir();
const ARTIFACTS = ["resources.json", "graph.mmd", "summary.md", "manifests", "helm"];

function usage(): string {
    return "usage: npm run plan -- [--stack dev] [--out DIR] [--set KEY=VALUE]... [--secret KEY=VALUE]... [--placeholder-secrets] [--strict]";
}

function tree(plan: Plan): string[] {
    const children = new Map<string | null, Plan["resources"]>();
    for (const r of plan.resources) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    const lines: string[] = [];
    const walk = (parent: string | null, depth: number) => {
        for (const r of children.get(parent) ?? []) {
            if (r.custom) continue;
            const own = (children.get(r.urn) ?? []).filter((c) => c.custom).length;
            lines.push(`${"  ".repeat(depth)}${shortType(r.type)} ${r.name} (${own} resource${own === 1 ? "" : "s"})`);
            walk(r.urn, depth + 1);
        }
    };
    walk(null, 1);
    return lines;
}

export async function main(argv: string[]): Promise<number> {
    let args;
    try {
        args = parseArgs({
            args: argv,
            options: {
                stack: { type: "string", default: "dev" },
                out: { type: "string" },
                set: { type: "string", multiple: true, default: [] },
                secret: { type: "string", multiple: true, default: [] },
                "placeholder-secrets": { type: "boolean", default: false },
                strict: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
            allowPositionals: false,
        }).values;
    } catch (e) {
        console.error(`${(e as Error).message}\n${usage()}`);
        return 2;
    }
    if (args.help) {
        console.log(usage());
        return 0;
    }
    const stack = args.stack!;
    const outDir = path.resolve(args.out ?? path.join(PROJECT_DIR, "plan", stack));
    const secrets = args["placeholder-secrets"] ? withPlaceholderSecrets(args.secret!, secretSpecs.map((s) => s.key)) : args.secret!;

    let plan: Plan;
    try {
        plan = await runPlan({
            projectDir: PROJECT_DIR,
            stack,
            sets: args.set,
            secrets,
            // The real program, exactly as `pulumi up` loads it.
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            program: () => require("../index"),
        });
    } catch (e) {
        if (e instanceof ConfigError || e instanceof UsageError) {
            console.error(e.message);
            return 2;
        }
        throw e;
    }

    const { findings, checksRun } = runChecks(plan);
    const files = renderPlan(plan, findings, checksRun);
    fs.mkdirSync(outDir, { recursive: true });
    for (const a of ARTIFACTS) fs.rmSync(path.join(outDir, a), { recursive: true, force: true });
    for (const [rel, content] of files) {
        fs.mkdirSync(path.dirname(path.join(outDir, rel)), { recursive: true });
        fs.writeFileSync(path.join(outDir, rel), content);
    }

    const g = buildGraph(plan.resources);
    const count = (prefix: string) => [...files.keys()].filter((f) => f.startsWith(prefix)).length;
    const mandatory = findings.filter((f) => f.level === "mandatory");
    console.log(
        [
            `Offline plan of ${plan.project}/${stack}: ${plan.resources.length} resources (${plan.resources.filter((r) => r.custom).length} custom)`,
            ...tree(plan),
            `Deploy order: ${g.levels.length} levels; critical path ~${g.criticalSeconds} s of ${g.serialSeconds} s serial`,
            `Policy: ${findings.length} finding${findings.length === 1 ? "" : "s"} (${mandatory.length} mandatory) from ${checksRun.length} checks`,
            `Wrote ${path.relative(process.cwd(), outDir) || "."}/: resources.json, ${count("manifests/")} manifests, ${count("helm/")} Helm releases, graph.mmd, summary.md`,
        ].join("\n"),
    );
    if (args.strict && mandatory.length > 0) {
        for (const f of mandatory) console.error(`${f.rule} ${f.subject}: ${f.message}`);
        return 3;
    }
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
