/**
 * The offline plan: run the real program under mocks with a stack's config and write what it
 * would deploy. No cluster, no Pulumi CLI.
 *
 *   npm run plan -- [--stack dev] [--out DIR] [--set KEY=VALUE]... [--secret KEY=VALUE]...
 *                   [--placeholder-secrets] [--strict]
 *
 * Exit codes: 0 written; 1 a bug or an unexpected failure (reported, then run again with stack
 * traces); 2 invalid config or usage (every problem on stderr, nothing written); 3 `--strict` and
 * mandatory policy findings.
 */
// First: defer the SDK modules the program never uses, before anything loads the SDK.
import "./plan-engine/deferSdk";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, secretSpecs } from "../config";
import { staleBuildProblem } from "../program/freshBuild";
import { findProjectDir } from "../program/projectDir";
import { runChecksBesideRendering } from "./guardrails";
import { Plan, UsageError, buildGraph, chartObjects, componentTree, forOfflinePlan, manifestDocs, renderCharts, renderPlan, runPlan, stackTracesWanted, startPlanWorker, withPlaceholderSecrets, writeArtifacts } from "./plan-engine";

const PROJECT_DIR = findProjectDir();

function usage(): string {
    return "usage: npm run plan -- [--stack dev] [--out DIR] [--set KEY=VALUE]... [--secret KEY=VALUE]... [--placeholder-secrets] [--strict]";
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
    // `npm run plan` builds first; run directly, a stale bin/ would plan yesterday's program.
    const stale = staleBuildProblem(path.join(__dirname, "..", "index.js"), PROJECT_DIR);
    if (stale) {
        console.error(`${stale} (or use \`npm run plan\`, which compiles first)`);
        return 2;
    }
    const stack = args.stack!;
    const outDir = path.resolve(args.out ?? path.join(PROJECT_DIR, "plan", stack));
    const secrets = args["placeholder-secrets"] ? withPlaceholderSecrets(args.secret!, secretSpecs.map((s) => s.key)) : args.secret!;

    // Boots while the program runs; renders the manifests and runs the checks handed to it while the checks run.
    const worker = startPlanWorker();
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
        worker.close();
        if (e instanceof ConfigError) {
            const line = { stack, sets: args.set!, placeholderSecrets: args["placeholder-secrets"]! };
            console.error(new ConfigError(e.problems.map((p) => forOfflinePlan(p, line))).message);
            return 2;
        }
        if (e instanceof UsageError) {
            console.error(e.message);
            return 2;
        }
        throw e;
    }

    // Helm renders the charts in child processes while the worker renders the manifests' YAML.
    const charts = renderCharts(plan, { projectDir: PROJECT_DIR });
    const { findings, checksRun } = await runChecksBesideRendering(plan, worker.render(manifestDocs(plan)), charts, worker.call);
    worker.close();
    const files = renderPlan(plan, findings, checksRun);
    writeArtifacts(outDir, files);

    const g = buildGraph(plan.resources);
    const count = (prefix: string) => [...files.keys()].filter((f) => f.startsWith(prefix)).length;
    const releases = [...files.keys()].filter((f) => /^helm\/[^/]+\.yaml$/.test(f)).length;
    const mandatory = findings.filter((f) => f.level === "mandatory");
    console.log(
        [
            `Offline plan of ${plan.project}/${stack}: ${plan.resources.length} resources (${plan.resources.filter((r) => r.custom).length} custom)`,
            ...componentTree(plan),
            `Deploy order: ${g.levels.length} levels; critical path ~${g.criticalSeconds} s of ${g.serialSeconds} s serial`,
            chartLine(plan),
            `Policy: ${findings.length} finding${findings.length === 1 ? "" : "s"} (${mandatory.length} mandatory) from ${checksRun.length} checks`,
            `Wrote ${path.relative(process.cwd(), outDir) || "."}/: resources.json, ${count("manifests/")} manifests, ${releases} Helm releases with ${chartObjects(plan).length} rendered objects, graph.mmd, summary.md`,
        ].join("\n"),
    );
    if (args.strict && mandatory.length > 0) {
        for (const f of mandatory) console.error(`${f.rule} ${f.subject}: ${f.message}`);
        return 3;
    }
    return 0;
}

/** One line on the Helm rendering: how many releases rendered, from the cache, and why any did not. */
function chartLine(plan: Plan): string {
    const c = plan.charts;
    if (!c || c.releases.length === 0) return "Helm: no releases";
    const rendered = c.releases.filter((r) => r.status === "rendered");
    const cached = rendered.filter((r) => r.cached).length;
    const head = `Helm: ${rendered.length} of ${c.releases.length} releases rendered (${cached} from cache) in ${c.seconds.toFixed(2)} s`;
    const failed = c.releases.filter((r) => r.status === "failed").map((r) => r.key);
    const unrendered = c.releases.filter((r) => r.status === "unrendered");
    return [
        head + (c.helm ? ` with Helm ${c.helm.split(" ")[0]} for Kubernetes ${c.kubeVersion}` : ""),
        ...(failed.length ? [`  Helm refused: ${failed.join(", ")} (see the helm-render findings)`] : []),
        // Said once, whatever the number of releases it concerns.
        ...(unrendered.length ? [`  not rendered: ${unrendered[0].reason}`] : []),
    ].join("\n");
}

/**
 * A failure that is not the user's (a bug in the program or the tools). The program runs without
 * stack traces, for speed; an error raised there has none. The run under mocks is deterministic,
 * so run the plan once more with them to show where it failed.
 */
function reportBug(e: unknown): number {
    console.error(e);
    const hasFrames = e instanceof Error && /\n\s+at /.test(e.stack ?? "");
    if (hasFrames || stackTracesWanted()) return 1;
    console.error("\nThe plan failed on a bug, not on config, and the program ran without stack traces. Running it again with them (PLAN_STACK_TRACES=1):\n");
    const again = spawnSync(process.execPath, [...process.execArgv, "--enable-source-maps", "--stack-trace-limit=50", __filename, ...process.argv.slice(2)], { stdio: "inherit", env: { ...process.env, PLAN_STACK_TRACES: "1" } });
    return again.status === 0 ? 1 : (again.status ?? 1);
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => process.exit(reportBug(e)),
    );
}
