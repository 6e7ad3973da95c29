/**
 * Benchmark of program start and of the offline plan, measured side by side in one run.
 *
 *   npm run bench -- [--runs 5] [--skip-tests]
 *
 * Prints a table (median and spread over the runs) and writes bench/results.json. Cases:
 *   floor            a Node process that only loads @pulumi/pulumi, @pulumi/kubernetes, @pulumi/random
 *   floor, deferred  the same after tools/plan-engine/deferSdk (as the plan loads the SDK): for reference
 *   plan dev (all)   the offline plan of dev with every component enabled (Helm rendering from its cache)
 *   ... no Helm rendering   the same with rendering switched off (PLAN_HELM=0): what rendering adds
 *   ... cold Helm cache     the same with an empty Helm render cache (PLAN_HELM_CACHE_DIR): every release rendered
 *   ... cold cache   the same with an empty reference and render cache (PLAN_CACHE_DIR), as on a fresh clone
 *   nvflare N        the same with NVIDIA FLARE at N participants (10, 100, 1000)
 *   notebook N       the same with N local daemons of the notebook system (4, 32, 256), on a generic cluster
 *   sdk K N          the SDK alone registering N copies of one object under the same mocks
 *                    (tools/benchRegister.ts; K = ConfigMap or an NVIDIA FLARE client's Deployment)
 *   mocha            the whole test suite
 * and the deploy critical path of the full dev plan (weights in tools/plan-engine/graph.ts) against the
 * sum of all waits done one after another.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { findProjectDir } from "../program/projectDir";
import { EVERY_COMPONENT_ON, PlanResource, buildGraph } from "./plan-engine";
import { RSS_MARKER } from "./plan-engine/reportRss";

const PROJECT_DIR = findProjectDir();
const BIN = path.join(PROJECT_DIR, "bin");
const RSS_PRELOAD = path.join(BIN, "tools", "plan-engine", "reportRss.js");

/** `--set` values for an NVIDIA FLARE federation of `n` participants: 2 servers and n-2 clients. */
export function nvflareParticipants(n: number): string[] {
    const servers = [
        { name: "server1", org: "site", flPort: 8002, adminPort: 8003 },
        { name: "server2", org: "site", flPort: 8102, adminPort: 8103 },
    ];
    const clients = Array.from({ length: Math.max(0, n - servers.length) }, (_, i) => ({ name: `client-${i + 1}`, org: `org_${(i % 10) + 1}` }));
    return [`nvflare.servers=${JSON.stringify(servers)}`, `nvflare.clients=${JSON.stringify(clients)}`];
}

/** `--set` value for a notebook system with `n` local daemons. */
export function notebookDaemons(n: number): string[] {
    // On kind the config allows no more daemons than kind/cluster.yaml has workers: measure a generic cluster.
    return ["kubernetes.distribution=generic", `distributedNotebook.localDaemons=${n}`];
}

interface Case {
    name: string;
    argv: string[];
    /** Whether the case is one of the targets' baselines. */
    kind: "floor" | "plan" | "tests";
    /** Extra environment for each run (computed per run). */
    env?: () => Record<string, string>;
}

interface Sample {
    seconds: number;
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

function measure(c: Case): Sample {
    const start = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--require", RSS_PRELOAD, ...c.argv], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, BENCH_REPORT_RSS: "1", ...c.env?.() },
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.status !== 0) throw new Error(`${c.name} failed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
    const rss = new RegExp(`${RSS_MARKER}(\\d+)`).exec(r.stderr);
    const helm = /^Helm: (\d+) of \d+ releases rendered \(\d+ from cache\) in ([\d.]+) s/m.exec(r.stdout ?? "");
    return { seconds, rssKb: rss ? Number(rss[1]) : NaN, ...(helm && Number(helm[1]) > 0 ? { helmSeconds: Number(helm[2]) } : {}) };
}

function stats(xs: number[]): { median: number; min: number; max: number } {
    const s = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(s.length / 2);
    return { median: s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2, min: s[0], max: s[s.length - 1] };
}

function main(): void {
    const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, "skip-tests": { type: "boolean", default: false } } });
    const runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a whole number >= 1");

    const loadSdk = "require('@pulumi/pulumi'); require('@pulumi/kubernetes'); require('@pulumi/random');";
    const cases: Case[] = [
        { name: "floor", kind: "floor", argv: ["-e", loadSdk] },
        { name: "floor, deferred", kind: "floor", argv: ["-e", `require(${JSON.stringify(path.join(BIN, "tools", "plan-engine", "deferSdk.js"))}); ${loadSdk}`] },
        planCase("plan dev (all)", []),
        planCase("plan dev (all), no Helm rendering", [], () => ({ PLAN_HELM: "0" })),
        planCase("plan dev (all), cold Helm cache", [], coldHelmCache),
        planCase("plan dev (all), cold cache", [], coldCache),
        ...[10, 100, 1000].map((n) => planCase(`nvflare ${n}`, nvflareParticipants(n))),
        ...[4, 32, 256].map((n) => planCase(`notebook ${n}`, notebookDaemons(n))),
        ...["configmap", "deployment"].flatMap((k) => [10, 1000].map((n): Case => ({ name: `sdk ${k} ${n}`, kind: "plan", argv: [path.join(BIN, "tools", "benchRegister.js"), k, String(n)] }))),
    ];
    if (!values["skip-tests"]) cases.push({ name: "mocha", kind: "tests", argv: [path.join(PROJECT_DIR, "node_modules", "mocha", "bin", "mocha.js")] });

    // Side by side: every round runs every case once, so load on the machine hits all alike.
    const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
    for (let round = 1; round <= runs; round++) {
        for (const c of cases) samples.get(c.name)!.push(measure(c));
        process.stderr.write(`round ${round}/${runs} done\n`);
    }
    for (const dir of coldCaches) fs.rmSync(dir, { recursive: true, force: true });

    const floor = stats(samples.get("floor")!.map((s) => s.seconds)).median;
    const floorRss = stats(samples.get("floor")!.map((s) => s.rssKb)).median;
    const rows = cases.map((c) => {
        const t = stats(samples.get(c.name)!.map((s) => s.seconds));
        const m = stats(samples.get(c.name)!.map((s) => s.rssKb));
        return { case: c.name, kind: c.kind, seconds: t, rssMb: { median: m.median / 1024, min: m.min / 1024, max: m.max / 1024 }, vsFloor: { time: t.median / floor, rss: m.median / floorRss } };
    });

    // Critical path of the full dev plan, from the plan the benchmark just wrote.
    const full = cases.find((c) => c.name === "plan dev (all)")!;
    const outDir = full.argv[full.argv.indexOf("--out") + 1];
    const resources = (JSON.parse(fs.readFileSync(path.join(outDir, "resources.json"), "utf8")) as { resources: PlanResource[] }).resources;
    const g = buildGraph(resources);
    const criticalPath = { seconds: g.criticalSeconds, serialSeconds: g.serialSeconds, ratio: g.serialSeconds ? g.criticalSeconds / g.serialSeconds : 0, resources: resources.filter((r) => r.custom).length };

    const get = (name: string) => rows.find((r) => r.case === name);
    // The rendering inside the plans: warm (every release from the cache) and cold (every release rendered by Helm, in parallel).
    const helmOf = (name: string) => {
        const xs = samples.get(name)!.flatMap((s) => (s.helmSeconds === undefined ? [] : [s.helmSeconds]));
        return xs.length ? stats(xs) : undefined;
    };
    const helm = { warm: helmOf("plan dev (all)"), cold: helmOf("plan dev (all), cold Helm cache") };
    const planWith = get("plan dev (all)")?.seconds.median ?? NaN;
    const planWithout = get("plan dev (all), no Helm rendering")?.seconds.median ?? NaN;
    const targets = {
        "plan dev (all) time <= 2.0x floor": (get("plan dev (all)")?.vsFloor.time ?? Infinity) <= 2.0,
        "plan dev (all) peak RSS <= 1.5x floor": (get("plan dev (all)")?.vsFloor.rss ?? Infinity) <= 1.5,
        "warm re-plan with Helm rendering adds < 10% to the plan": planWith < 1.1 * planWithout,
        "cold Helm rendering of every release < 2 s": (helm.cold?.median ?? Infinity) < 2,
        "nvflare 1000 <= 2x nvflare 10": (get("nvflare 1000")?.seconds.median ?? Infinity) <= 2 * (get("nvflare 10")?.seconds.median ?? 0),
        ...(values["skip-tests"] ? {} : { "mocha suite < 60 s": (get("mocha")?.seconds.median ?? Infinity) < 60 }),
        "critical path <= 40% of serial": criticalPath.ratio <= 0.4,
    };

    const f = (x: number, d = 2) => x.toFixed(d);
    const perResource = (prefix: string) => f((1000 * ((get(`${prefix} 1000`)?.seconds.median ?? NaN) - (get(`${prefix} 10`)?.seconds.median ?? NaN))) / 990);
    const perResourceMs = { nvflareParticipant: Number(perResource("nvflare")), sdkConfigMap: Number(perResource("sdk configmap")), sdkClientDeployment: Number(perResource("sdk deployment")) };
    const lines = [
        `Benchmark: ${runs} runs each, side by side; ${os.cpus().length} cores, ${f(os.totalmem() / 2 ** 30, 0)} GiB, Node ${process.version}`,
        "",
        "| case | median s | min-max s | peak RSS MB (median) | time vs floor | RSS vs floor |",
        "|---|---:|---:|---:|---:|---:|",
        ...rows.map((r) => `| ${r.case} | ${f(r.seconds.median)} | ${f(r.seconds.min)}-${f(r.seconds.max)} | ${f(r.rssMb.median, 0)} | ${f(r.vsFloor.time)}x | ${f(r.vsFloor.rss)}x |`),
        "",
        `Plan dev (all) against the floor with the same SDK modules deferred: ${f((get("plan dev (all)")?.seconds.median ?? NaN) / (get("floor, deferred")?.seconds.median ?? NaN))}x time, ${f((get("plan dev (all)")?.rssMb.median ?? NaN) / (get("floor, deferred")?.rssMb.median ?? NaN))}x RSS`,
        `Cost per resource (median of the 1000 case minus the 10 case, over 990): NVIDIA FLARE participant ${f(perResourceMs.nvflareParticipant)} ms in the plan; the SDK alone, under the same mocks: ConfigMap ${f(perResourceMs.sdkConfigMap)} ms, client Deployment ${f(perResourceMs.sdkClientDeployment)} ms`,
        `Helm rendering inside the plan (every release, in parallel): warm ${helm.warm ? `${f(helm.warm.median)} s (${f(helm.warm.min)}-${f(helm.warm.max)})` : "n/a"}, cold ${helm.cold ? `${f(helm.cold.median)} s (${f(helm.cold.min)}-${f(helm.cold.max)})` : "n/a (no Helm or no chart sources)"}; the plan with rendering ${f(planWith)} s, without ${f(planWithout)} s (+${f(100 * (planWith / planWithout - 1), 0)}%)`,
        `Deploy critical path (full dev, ${criticalPath.resources} resources): ${criticalPath.seconds} s of ${criticalPath.serialSeconds} s serial = ${f(100 * criticalPath.ratio, 0)}%`,
        "",
        ...Object.entries(targets).map(([k, ok]) => `${ok ? "met " : "MISSED"}  ${k}`),
    ];
    console.log(lines.join("\n"));
    fs.mkdirSync(path.join(PROJECT_DIR, "bench"), { recursive: true });
    fs.writeFileSync(path.join(PROJECT_DIR, "bench", "results.json"), `${JSON.stringify({ date: new Date().toISOString(), runs, node: process.version, cores: os.cpus().length, rows, helm, perResourceMs, criticalPath, targets }, null, 2)}\n`);
}

if (require.main === module) main();
