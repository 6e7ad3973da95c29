/**
 * Benchmark of program start and of the offline plan, measured side by side in one run.
 *
 *   npm run bench -- [--runs 5] [--skip-tests] [--only REGEX]
 *
 * Prints a table (median and spread over the runs, wall and CPU) and writes bench/results.json. Cases:
 *   floor            a Node process that only loads @pulumi/pulumi, @pulumi/kubernetes, @pulumi/random
 *   floor, deferred  the same after tools/plan-engine/deferSdk (as the plan loads the SDK): for reference
 *   plan dev, compiled / npm run plan dev   target 1: `npm run plan -- --stack dev` when nothing
 *                    changed, against `node bin/tools/plan.js` with the same arguments
 *   fresh clone      target 1: the first `npm run plan` of a clone as after `npm ci` (no bin/, an
 *                    empty reference cache) on a machine with Node alone (no Helm), against the floor;
 *                    and the same clone with Helm and the chart sources, as CI has it (every release
 *                    rendered with an empty render cache), reported beside it
 *   plan dev (all)   the offline plan of dev with every component enabled (Helm rendering from its cache)
 *   ... no Helm rendering   the same with rendering switched off (PLAN_HELM=0): what rendering adds
 *   ... cold Helm cache     the same with an empty Helm render cache (PLAN_HELM_CACHE_DIR): every release rendered
 *   ... cold cache   the same with an empty reference and render cache (PLAN_CACHE_DIR), as on a fresh clone
 *   nvflare N        the same with NVIDIA FLARE at N participants (10, 100, 1000)
 *   notebook N       the same with N local daemons of the notebook system (4, 32, 256), on a generic cluster
 *   sdk K N          the SDK alone registering N copies of one object under the same mocks
 *                    (tools/benchRegister.ts; K = ConfigMap or an NVIDIA FLARE client's Deployment)
 *   npm test         target 2: the whole `npm test`, type-check included (under 40 s)
 * and the deploy critical path of the full dev plan (weights in tools/plan-engine/graph.ts) against the
 * sum of all waits done one after another.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { findProjectDir } from "../program/projectDir";
import { referenceDirs } from "./guardrails/reference";
import { EVERY_COMPONENT_ON, PlanResource, buildGraph } from "./plan-engine";
import { chartSourceDir } from "./plan-engine/chartSources";
import { findHelm } from "./plan-engine/helmBinary";
import { RSS_MARKER } from "./plan-engine/reportRss";

const PROJECT_DIR = findProjectDir();
const BIN = path.join(PROJECT_DIR, "bin");
const RSS_PRELOAD = path.join(BIN, "tools", "plan-engine", "reportRss.js");

/** `--set` values for an NVIDIA FLARE federation of `n` participants: 2 servers and n-2 clients. */
export function nvflareParticipants(n: number): string[] {
    // The dev stack's exposure is nodePort: the ports in the kits are node ports (30000-32767).
    const servers = [
        { name: "server1", org: "site", flPort: 30002, adminPort: 30003 },
        { name: "server2", org: "site", flPort: 30102, adminPort: 30103 },
    ];
    const clients = Array.from({ length: Math.max(0, n - servers.length) }, (_, i) => ({ name: `client-${i + 1}`, org: `org_${(i % 10) + 1}` }));
    return [`nvflare.servers=${JSON.stringify(servers)}`, `nvflare.clients=${JSON.stringify(clients)}`];
}

/** `--set` value for a notebook system with `n` local daemons. */
export function notebookDaemons(n: number): string[] {
    // On kind the config allows no more daemons than kind/cluster.yaml has workers: measure a generic cluster.
    // A generic cluster's NetworkPolicies need its API server's and nodes' addresses.
    return ["kubernetes.distribution=generic", 'kubernetes.apiServerCidrs=["10.0.0.10/32"]', 'kubernetes.nodeCidrs=["10.0.0.0/16"]', `distributedNotebook.localDaemons=${n}`];
}

interface Case {
    name: string;
    /** The program and its arguments (default program: this Node). */
    argv: string[];
    command?: string;
    cwd?: string;
    /** Whether the case is one of the targets' baselines. */
    kind: "floor" | "plan" | "tests";
    /** Extra environment for each run (computed per run). */
    env?: () => Record<string, string>;
    /** Run before each measured run, not measured (e.g. remove the fresh clone's bin/). */
    prepare?: () => void;
}

interface Sample {
    seconds: number;
    /** CPU seconds (user + system) of the process and everything it waited for. */
    cpu: number;
    rssKb: number;
    /** Wall-clock seconds of the Helm rendering inside a plan (its "Helm: ... in N s" line). */
    helmSeconds?: number;
}

function planCase(name: string, extra: string[], env?: Case["env"]): Case {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
    const sets = [...EVERY_COMPONENT_ON, ...extra].flatMap((s) => ["--set", s]);
    return { name, kind: "plan", argv: [path.join(BIN, "tools", "plan.js"), "--stack", "dev", "--placeholder-secrets", "--out", out, ...sets], env };
}

const coldCaches: string[] = [];

/** Target 1's fresh clone: the README's newcomer, Node alone (no Helm). */
const FRESH_CLONE = "fresh clone: first npm run plan (Node alone)";
/** The same clone as CI has it: Helm and the chart sources, every release rendered cold. */
const FRESH_CLONE_HELM = "fresh clone: first npm run plan, Helm rendering (as CI)";

/** A fresh, empty reference cache for every run: what a plan costs on a fresh clone. */
function coldCache(): Record<string, string> {
    coldCaches.push(fs.mkdtempSync(path.join(os.tmpdir(), "bench-cache-")));
    return { PLAN_CACHE_DIR: coldCaches[coldCaches.length - 1] };
}

/** A fresh, empty Helm render cache (the reference cache stays warm): what rendering every release costs. */
function coldHelmCache(): Record<string, string> {
    coldCaches.push(fs.mkdtempSync(path.join(os.tmpdir(), "bench-helm-")));
    return { PLAN_HELM_CACHE_DIR: coldCaches[coldCaches.length - 1] };
}

/** `npm` as the user runs it: the npm that runs this benchmark (`npm run bench`), else the one on PATH. */
function npm(args: string[]): Pick<Case, "command" | "argv"> {
    const cli = process.env.npm_execpath;
    return cli && cli.endsWith(".js") ? { argv: [cli, ...args] } : { command: "npm", argv: args };
}

/**
 * A fresh clone of the working tree, as after `npm ci`: the tracked files, `node_modules` (linked),
 * no `bin/` and an empty reference cache before every run. It reads the same reference data.
 *
 * `withHelm` false is the README's newcomer, a fresh machine with Node alone: no Helm anywhere (an
 * empty tool cache, `HELM_BIN` unset), so the releases are not rendered and nothing is pulled.
 * `withHelm` true is a clone as CI has it: the pinned Helm, the local chart sources, and empty
 * reference and render caches, so every release is rendered for the first time.
 */
function freshClone(withHelm: boolean): Case {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-clone-"));
    const files = spawnSync("git", ["ls-files", "-z"], { cwd: PROJECT_DIR, encoding: "utf8" }).stdout.split("\0").filter((f) => f && fs.existsSync(path.join(PROJECT_DIR, f)));
    for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    }
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    coldCaches.push(dir);
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
    let tools: Record<string, string>;
    if (withHelm) {
        const helm = findHelm();
        tools = { HELM_BIN: "path" in helm ? helm.path : "", CHART_SOURCE_DIR: chartSourceDir(PROJECT_DIR).dir, PLAN_CHART_PULL: "0" };
    } else {
        const noTools = fs.mkdtempSync(path.join(os.tmpdir(), "bench-no-tools-"));
        coldCaches.push(noTools);
        tools = { HELM_BIN: "", RESEARCH_PLATFORM_CACHE: noTools, PLAN_CHART_PULL: "0" };
    }
    return {
        name: withHelm ? FRESH_CLONE_HELM : FRESH_CLONE,
        kind: "plan",
        cwd: dir,
        ...npm(["run", "--silent", "plan", "--", "--stack", "dev", "--out", out]),
        prepare: () => fs.rmSync(path.join(dir, "bin"), { recursive: true, force: true }),
        env: () => ({ ...coldCache(), CHART_REFERENCE_DIR: referenceDirs().root, ...tools }),
    };
}

/** CPU seconds of this process's waited-for children (Linux /proc; NaN elsewhere). */
function childCpuSeconds(): number {
    try {
        const fields = fs.readFileSync("/proc/self/stat", "utf8").replace(/^.*\) /, "").split(" ");
        // After the command: state is field 3, so cutime (16) and cstime (17) are at 13 and 14 here.
        return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS;
    } catch {
        return NaN;
    }
}
const CLOCK_TICKS = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

function measure(c: Case): Sample {
    c.prepare?.();
    // Peak RSS from every Node process of the case, except the test suite's (its tests read their children's stderr).
    const rssEnv = c.kind === "tests" ? {} : { BENCH_REPORT_RSS: "1", NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${RSS_PRELOAD}`.trim() };
    const env = { ...process.env, ...rssEnv, ...c.env?.() };
    const cpu0 = childCpuSeconds();
    const start = process.hrtime.bigint();
    const r = spawnSync(c.command ?? process.execPath, c.argv, { cwd: c.cwd ?? PROJECT_DIR, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, env });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = childCpuSeconds() - cpu0;
    if (r.status !== 0) throw new Error(`${c.name} failed (exit ${r.status}):\n${(r.stdout ?? "").slice(-1000)}\n${(r.stderr ?? "").slice(-2000)}`);
    // Every Node process of the case reports its peak; the case's is the largest (the plan, not npm).
    const rss = [...(r.stderr ?? "").matchAll(new RegExp(`${RSS_MARKER}(\\d+)`, "g"))].map((m) => Number(m[1]));
    const helm = /^Helm: (\d+) of \d+ releases rendered \(\d+ from cache\) in ([\d.]+) s/m.exec(r.stdout ?? "");
    return { seconds, cpu, rssKb: rss.length ? Math.max(...rss) : NaN, ...(helm && Number(helm[1]) > 0 ? { helmSeconds: Number(helm[2]) } : {}) };
}

function stats(xs: number[]): { median: number; min: number; max: number } {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}

function main(): void {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, "skip-tests": { type: "boolean", default: false }, only: { type: "string" } } });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number >= 1");

    const loadSdk = "require('@pulumi/pulumi'); require('@pulumi/kubernetes'); require('@pulumi/random');";
    const devOut = fs.mkdtempSync(path.join(os.tmpdir(), "bench-plan-"));
    let cases: Case[] = [
        { name: "floor", kind: "floor", argv: ["-e", loadSdk] },
        { name: "floor, deferred", kind: "floor", argv: ["-e", `require(${JSON.stringify(path.join(BIN, "tools", "plan-engine", "deferSdk.js"))}); ${loadSdk}`] },
        // Target 1: `npm run plan` of the dev stack, against the compiled plan alone, same arguments.
        { name: "plan dev, compiled (node bin/tools/plan.js)", kind: "plan", argv: [path.join(BIN, "tools", "plan.js"), "--stack", "dev", "--out", devOut] },
        { name: "npm run plan dev (build fresh)", kind: "plan", ...npm(["run", "--silent", "plan", "--", "--stack", "dev", "--out", devOut]) },
        freshClone(false),
        freshClone(true),
        planCase("plan dev (all)", []),
        planCase("plan dev (all), no Helm rendering", [], () => ({ PLAN_HELM: "0" })),
        planCase("plan dev (all), cold Helm cache", [], coldHelmCache),
        planCase("plan dev (all), cold cache", [], coldCache),
        ...[10, 100, 1000].map((n) => planCase(`nvflare ${n}`, nvflareParticipants(n))),
        ...[4, 32, 256].map((n) => planCase(`notebook ${n}`, notebookDaemons(n))),
        ...["configmap", "deployment"].flatMap((k) => [10, 1000].map((n): Case => ({ name: `sdk ${k} ${n}`, kind: "plan", argv: [path.join(BIN, "tools", "benchRegister.js"), k, String(n)] }))),
    ];
    // Target 2: the whole `npm test`, type-check included.
    if (!values["skip-tests"]) cases.push({ name: "npm test", kind: "tests", ...npm(["test", "--silent"]) });
    if (values.only) {
        const only = new RegExp(values.only);
        cases = cases.filter((c) => c.kind === "floor" || only.test(c.name));
    }

    const load = () => os.loadavg()[0];
    const loadBefore = load();
    // Side by side: every round runs every case once, so load on the machine hits all alike.
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    for (let round = 1; round <= runs; round++) {
        for (const c of cases) samples.get(c.name)!.push(measure(c));
        process.stderr.write(`round ${round}/${runs} done\n`);
    }
    const loadAfter = load();
    for (const dir of coldCaches) fs.rmSync(dir, { recursive: true, force: true });

    const floor = stats(samples.get("floor")!.map((s) => s.seconds)).median;
    const floorCpu = stats(samples.get("floor")!.map((s) => s.cpu)).median;
    const floorRss = stats(samples.get("floor")!.map((s) => s.rssKb)).median;
    const rows = cases.map((c) => {
        const t = stats(samples.get(c.name)!.map((s) => s.seconds));
        const cpu = stats(samples.get(c.name)!.map((s) => s.cpu));
        const m = stats(samples.get(c.name)!.map((s) => s.rssKb));
        return { case: c.name, kind: c.kind, seconds: t, cpuSeconds: cpu, rssMb: { median: m.median / 1024, min: m.min / 1024, max: m.max / 1024 }, vsFloor: { time: t.median / floor, cpu: cpu.median / floorCpu, rss: m.median / floorRss } };
    });
    const get = (name: string) => rows.find((r) => r.case === name);

    // Critical path of the full dev plan, from the plan the benchmark just wrote.
    const full = cases.find((c) => c.name === "plan dev (all)");
    let criticalPath = { seconds: NaN, serialSeconds: NaN, ratio: NaN, resources: 0 };
    if (full) {
        const outDir = full.argv[full.argv.indexOf("--out") + 1];
        const resources = (JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")) as { resources: PlanResource[] }).resources;
        const g = buildGraph(resources);
        criticalPath = { seconds: g.criticalSeconds, serialSeconds: g.serialSeconds, ratio: g.serialSeconds ? g.criticalSeconds / g.serialSeconds : 0, resources: resources.filter((r) => r.custom).length };
    }

    // The rendering inside the plans: warm (every release from the cache) and cold (every release rendered by Helm, in parallel).
    const helmOf = (name: string) => {
        const xs = (samples.get(name) ?? []).flatMap((s) => (s.helmSeconds === undefined ? [] : [s.helmSeconds]));
        return xs.length ? stats(xs) : undefined;
    };
    const helm = { warm: helmOf("plan dev (all)"), cold: helmOf("plan dev (all), cold Helm cache") };
    const planWith = get("plan dev (all)")?.seconds.median ?? NaN;
    const planWithout = get("plan dev (all), no Helm rendering")?.seconds.median ?? NaN;
    const ratio = (a: string, b: string, what: "seconds" | "cpuSeconds" = "seconds") => (get(a)?.[what].median ?? NaN) / (get(b)?.[what].median ?? NaN);
    const npmVsCompiled = ratio("npm run plan dev (build fresh)", "plan dev, compiled (node bin/tools/plan.js)");
    const cloneVsFloor = ratio(FRESH_CLONE, "floor");
    const targets: Record<string, boolean> = {};
    const target = (label: string, value: number, ok: boolean) => {
        if (!Number.isNaN(value)) targets[label] = ok;
    };
    target(`npm run plan (fresh build) <= 1.3x the compiled plan alone: ${npmVsCompiled.toFixed(2)}x`, npmVsCompiled, npmVsCompiled <= 1.3);
    target(`a fresh clone's first npm run plan <= 3x the SDK-load floor: ${cloneVsFloor.toFixed(2)}x`, cloneVsFloor, cloneVsFloor <= 3);
    target(`npm test (type-check included) < 40 s: ${(get("npm test")?.seconds.median ?? NaN).toFixed(1)} s`, get("npm test")?.seconds.median ?? NaN, (get("npm test")?.seconds.median ?? Infinity) < 40);
    target("plan dev (all) time <= 2.0x floor", get("plan dev (all)")?.vsFloor.time ?? NaN, (get("plan dev (all)")?.vsFloor.time ?? Infinity) <= 2.0);
    target("plan dev (all) peak RSS <= 1.5x floor", get("plan dev (all)")?.vsFloor.rss ?? NaN, (get("plan dev (all)")?.vsFloor.rss ?? Infinity) <= 1.5);
    target("warm re-plan with Helm rendering adds < 10% to the plan", planWith / planWithout, planWith < 1.1 * planWithout);
    target("cold Helm rendering of every release < 2 s", helm.cold?.median ?? NaN, (helm.cold?.median ?? Infinity) < 2);
    target("nvflare 1000 <= 2x nvflare 10", ratio("nvflare 1000", "nvflare 10"), ratio("nvflare 1000", "nvflare 10") <= 2);
    target("critical path <= 40% of serial", criticalPath.ratio, criticalPath.ratio <= 0.4);

    const f = (x: number, d = 2) => (Number.isNaN(x) ? "-" : x.toFixed(d));
    const perResource = (prefix: string) => (1000 * ((get(`${prefix} 1000`)?.seconds.median ?? NaN) - (get(`${prefix} 10`)?.seconds.median ?? NaN))) / 990;
    const perResourceMs = { nvflareParticipant: perResource("nvflare"), sdkConfigMap: perResource("sdk configmap"), sdkClientDeployment: perResource("sdk deployment") };
    const busy = Math.max(loadBefore, loadAfter) > 0.5 * os.cpus().length;
    const lines = [
        `Benchmark: ${runs} runs each, side by side; ${os.cpus().length} cores, ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}; load average ${f(loadBefore)} before, ${f(loadAfter)} after${busy ? " (BUSY machine: wall times are not reliable; compare the CPU column)" : ""}`,
        "",
        "| case | median s | min-max s | CPU s (median) | peak RSS MB (median) | time vs floor | RSS vs floor |",
        "|---|---:|---:|---:|---:|---:|---:|",
        ...rows.map((r) => `| ${r.case} | ${f(r.seconds.median)} | ${f(r.seconds.min)}-${f(r.seconds.max)} | ${f(r.cpuSeconds.median)} | ${f(r.rssMb.median, 0)} | ${f(r.vsFloor.time)}x | ${f(r.vsFloor.rss)}x |`),
        "",
        `Target 1, CPU instead of wall: npm run plan ${f(ratio("npm run plan dev (build fresh)", "plan dev, compiled (node bin/tools/plan.js)", "cpuSeconds"))}x the compiled plan; fresh clone ${f(ratio(FRESH_CLONE, "floor", "cpuSeconds"))}x the floor (floor CPU ${f(floorCpu)} s)`,
        `Plan dev (all) against the floor with the same SDK modules deferred: ${f(ratio("plan dev (all)", "floor, deferred"))}x time`,
        `Cost per resource (median of the 1000 case minus the 10 case, over 990): NVIDIA FLARE participant ${f(perResourceMs.nvflareParticipant)} ms in the plan; the SDK alone, under the same mocks: ConfigMap ${f(perResourceMs.sdkConfigMap)} ms, client Deployment ${f(perResourceMs.sdkClientDeployment)} ms`,
        `Helm rendering inside the plan (every release, in parallel): warm ${helm.warm ? `${f(helm.warm.median)} s (${f(helm.warm.min)}-${f(helm.warm.max)})` : "n/a"}, cold ${helm.cold ? `${f(helm.cold.median)} s (${f(helm.cold.min)}-${f(helm.cold.max)})` : "n/a (no Helm or no chart sources)"}; the plan with rendering ${f(planWith)} s, without ${f(planWithout)} s (+${f(100 * (planWith / planWithout - 1), 0)}%)`,
        `Deploy critical path (full dev, ${criticalPath.resources} resources): ${criticalPath.seconds} s of ${criticalPath.serialSeconds} s serial = ${f(100 * criticalPath.ratio, 0)}%`,
        "",
        ...Object.entries(targets).map(([k, ok]) => `${ok ? "met   " : "MISSED"}  ${k}`),
    ];
    console.log(lines.join("\n"));
    fs.mkdirSync(path.join(PROJECT_DIR, "bench"), { recursive: true });
    fs.writeFileSync(path.join(PROJECT_DIR, "bench", "results.json"), `${JSON.stringify({ date: new Date().toISOString(), runs, node: process.version, cores: os.cpus().length, loadAverage: { before: loadBefore, after: loadAfter }, rows, helm, perResourceMs, criticalPath, targets }, null, 2)}\n`);
}

if (require.main === module) main();
