/**
 * `npm run e2e`: the dev stack, deployed by the real Pulumi engine into a real (container-less)
 * Kubernetes control plane, then checked, changed, read back and destroyed. Every step is
 * asserted; the run exits non-zero on the first failure. A report (per step: wall time,
 * resources, warnings) is written to e2e-report/ and printed.
 *
 *   npm run e2e [-- --keep]   (--keep: leave the cluster's and Pulumi's folder for inspection)
 *
 * Environment: RP_E2E_CACHE (toolchain cache root, default ~/.cache/research-platform/e2e),
 * RP_E2E_NODES (fake nodes, default 4).
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Cluster } from "./cluster";
import { diffLists, planDiffList, previewChangeList } from "./compare";

const ROOT = path.resolve(__dirname, "..");
const REPORT_DIR = path.join(ROOT, "e2e-report");
const PASSPHRASE = "research-platform-e2e";
const STACK = "dev";

interface Step {
    name: string;
    seconds: number;
    ok: boolean;
    detail: string[];
    warnings: string[];
}

const steps: Step[] = [];
const facts: Record<string, unknown> = {};

function log(msg: string): void {
    process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function step<T>(name: string, fn: (s: Step) => Promise<T> | T): Promise<T> {
    const s: Step = { name, seconds: 0, ok: false, detail: [], warnings: [] };
    steps.push(s);
    log(`${name} ...`);
    const t0 = Date.now();
    try {
        const out = await fn(s);
        s.ok = true;
        return out;
    } finally {
        s.seconds = Math.round((Date.now() - t0) / 100) / 10;
        log(`${name}: ${s.ok ? "ok" : "FAILED"} (${s.seconds}s)`);
    }
}

function readEnvFile(file: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
        if (m) out[m[1]] = m[2];
    }
    return out;
}

/** Runs a command, streaming its output to a log file; resolves with its exit code and output. */
function run(cmd: string, args: string[], opts: { env: NodeJS.ProcessEnv; cwd?: string; logFile: string; allowFail?: boolean }): Promise<{ code: number; out: string }> {
    return new Promise((resolve, reject) => {
        fs.appendFileSync(opts.logFile, `\n$ ${cmd} ${args.join(" ")}\n`);
        const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
        const chunks: Buffer[] = [];
        const take = (c: Buffer) => {
            chunks.push(c);
            fs.appendFileSync(opts.logFile, c);
        };
        child.stdout.on("data", take);
        child.stderr.on("data", take);
        child.on("error", reject);
        child.on("close", (code) => {
            const out = Buffer.concat(chunks).toString("utf8");
            if (code !== 0 && !opts.allowFail) {
                reject(new Error(`${path.basename(cmd)} ${args.slice(0, 3).join(" ")} exited ${code}:\n${out.split("\n").slice(-60).join("\n")}`));
            } else resolve({ code: code ?? 1, out });
        });
    });
}

interface EngineEvent {
    diagnosticEvent?: { severity: string; message: string; urn?: string };
    resOutputsEvent?: { metadata: { urn: string; op: string; type: string } };
    resOpFailedEvent?: { metadata: { urn: string; op: string } };
    summaryEvent?: { resourceChanges?: Record<string, number> };
}

function readEvents(file: string): EngineEvent[] {
    if (!fs.existsSync(file)) return [];
    return fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as EngineEvent);
}

function warningsOf(events: EngineEvent[]): string[] {
    return events
        .filter((e) => e.diagnosticEvent && e.diagnosticEvent.severity === "warning")
        .map((e) => `${e.diagnosticEvent!.urn ? `${e.diagnosticEvent!.urn.split("::").pop()}: ` : ""}${e.diagnosticEvent!.message.replace(/<\{%[^%]*%\}>/g, "").trim()}`);
}

function report(ok: boolean, error?: unknown): string {
    const lines = [
        `# e2e report: ${ok ? "PASSED" : "FAILED"}`,
        "",
        `${new Date().toISOString()}, ${os.cpus().length} cores; toolchain: ${JSON.stringify(facts.versions ?? {})}`,
        "",
        "| step | result | seconds | warnings |",
        "|---|---|---|---|",
        ...steps.map((s) => `| ${s.name} | ${s.ok ? "ok" : "FAILED"} | ${s.seconds} | ${s.warnings.length} |`),
        "",
        `total: ${Math.round(steps.reduce((a, s) => a + s.seconds, 0))} s`,
        "",
    ];
    for (const s of steps) {
        if (!s.detail.length && !s.warnings.length) continue;
        lines.push(`## ${s.name}`, "");
        for (const d of s.detail) lines.push(`- ${d}`);
        if (s.warnings.length) {
            lines.push("", `warnings (${s.warnings.length}):`, "");
            for (const w of [...new Set(s.warnings)]) lines.push(`- ${w.split("\n")[0].slice(0, 300)}`);
        }
        lines.push("");
    }
    if (error) lines.push("## error", "", "```", String(error instanceof Error ? error.message : error).slice(0, 6000), "```", "");
    return lines.join("\n");
}

async function main(): Promise<number> {
    const keep = process.argv.includes("--keep");
    fs.mkdirSync(REPORT_DIR, { recursive: true });
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "rp-e2e-"));
    const logFile = path.join(REPORT_DIR, "commands.log");
    fs.writeFileSync(logFile, "");
    let cluster: Cluster | undefined;
    // Interrupted (Ctrl-C, CI's limit): stop the control plane before leaving.
    for (const sig of ["SIGINT", "SIGTERM"] as const) {
        process.once(sig, () => {
            log(`${sig}: stopping the control plane`);
            void (cluster ? cluster.down() : Promise.resolve()).finally(() => process.exit(130));
        });
    }
    let ok = false;
    let failure: unknown;
    try {
        const cache = await step("toolchain (build what is missing)", async (s) => {
            const out = execFileSync("bash", [path.join(__dirname, "build-toolchain.sh")], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
            const dir = out.trim().split("\n").pop()!;
            facts.versions = readEnvFile(path.join(dir, "versions.env"));
            s.detail.push(`cache ${dir}`);
            const times = path.join(dir, "build-times.tsv");
            if (fs.existsSync(times)) s.detail.push(`build times (s): ${fs.readFileSync(times, "utf8").trim().replace(/\t/g, "=").split("\n").join(", ")}`);
            return dir;
        });
        const v = facts.versions as Record<string, string>;
        const bin = path.join(cache, "bin");

        await step("compile the program", async () => {
            execFileSync(process.execPath, [path.join(ROOT, "scripts", "build.mjs")], { cwd: ROOT, stdio: "inherit" });
        });

        cluster = new Cluster({ bin, kwokStages: path.join(cache, "kwok-stages"), dir: path.join(work, "cluster"), nodes: Number(process.env.RP_E2E_NODES ?? 4) });
        await step("control plane up (etcd, kube-apiserver, controller-manager, scheduler, kwok)", async (s) => {
            await cluster!.up();
            s.detail.push(`API server ${cluster!.server}; kubeconfig ${cluster!.kubeconfig}`);
        });

        // Pulumi: a file backend, a passphrase secrets provider, plugins installed from the cache.
        const pulumiHome = path.join(work, "pulumi-home");
        const backend = path.join(work, "backend");
        fs.mkdirSync(backend, { recursive: true });
        // Only the CLI and the language host go on PATH: the engine would take provider binaries from
        // PATH over the installed plugins (and warn).
        const pathDir = path.join(work, "path");
        fs.mkdirSync(pathDir, { recursive: true });
        for (const b of ["pulumi", "pulumi-language-nodejs"]) fs.symlinkSync(path.join(bin, b), path.join(pathDir, b));
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PATH: `${pathDir}:${process.env.PATH}`,
            PULUMI_HOME: pulumiHome,
            PULUMI_BACKEND_URL: `file://${backend}`,
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            PULUMI_SKIP_CONFIRMATIONS: "true",
            // Enables --event-log (the engine's events as JSON lines), which the assertions read.
            PULUMI_DEBUG_COMMANDS: "true",
            KUBECONFIG: cluster.kubeconfig,
        };
        // The project as Pulumi sees it: a folder of our own, so that `stack init` and `config set`
        // write its stack file and never the checkout's. Everything else links to the checkout.
        const project = path.join(work, "project");
        fs.mkdirSync(project, { recursive: true });
        fs.copyFileSync(path.join(ROOT, "Pulumi.yaml"), path.join(project, "Pulumi.yaml"));
        for (const f of ["bin", "node_modules", "package.json"]) fs.symlinkSync(path.join(ROOT, f), path.join(project, f));
        const pulumi = (args: string[], allowFail = false) => run(path.join(bin, "pulumi"), [...args, "--non-interactive"], { env, logFile, allowFail, cwd: project });
        const configFile = path.join(project, `Pulumi.${STACK}.yaml`);

        await step("pulumi login, plugins, stack and its config", async (s) => {
            await pulumi(["login", `file://${backend}`]);
            const plugins: [string, string, string][] = [
                ["kubernetes", v.K8S_PROVIDER_VERSION, "pulumi-resource-kubernetes"],
                ["random", v.RANDOM_VERSION, "pulumi-resource-random"],
                ["kubernetes-cert-manager", v.CERT_MANAGER_VERSION, "pulumi-resource-kubernetes-cert-manager"],
            ];
            for (const [name, version, file] of plugins) await pulumi(["plugin", "install", "resource", name, version, "--file", path.join(bin, file)]);
            fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), configFile);
            await pulumi(["stack", "init", STACK, "--secrets-provider", "passphrase"]);
            const set = (key: string, value: string) => pulumi(["config", "set", "--path", `research-platform:${key}`, value]);
            await set("kubernetes.context", cluster!.context);
            await set("kubernetes.kubeconfig", cluster!.kubeconfig);
            await set("charts.sourceDir", chartSourceDir());
            s.detail.push(`stack ${STACK} from Pulumi.${STACK}.yaml with kubernetes.context=${cluster!.context}, kubernetes.kubeconfig and charts.sourceDir=${chartSourceDir()}`);
            const listed = (await pulumi(["plugin", "ls", "--json"])).out;
            s.detail.push(`plugins: ${(JSON.parse(listed.slice(listed.indexOf("["))) as { name: string; version: string }[]).map((p) => `${p.name} ${p.version}`).join(", ")}`);
        });

        const eventsFile = (name: string) => path.join(work, `${name}.events.jsonl`);

        // The policy pack as a user runs it, with no policy config: its env-dependent rules (stack
        // policies) take the environment from the Platform component's outputs (found by this run:
        // they used to read only its inputs, which the real engine does not show a stack policy).
        const policy = ["--policy-pack", path.join(ROOT, "policy")];

        // Step 2: everything created, releases installed, CRDs established, Pod Security enforced.
        await step("pulumi up (whole dev stack, policy pack)", async (s) => {
            await pulumi(["up", "--yes", "--skip-preview", ...policy, "--event-log", eventsFile("up"), "--suppress-progress"]);
            const events = readEvents(eventsFile("up"));
            s.warnings.push(...warningsOf(events));
            const failed = events.filter((e) => e.resOpFailedEvent);
            assert.equal(failed.length, 0, `failed operations: ${failed.map((e) => e.resOpFailedEvent!.metadata.urn).join(", ")}`);
            const state = await exportState(pulumi);
            const created = events.filter((e) => e.resOutputsEvent && e.resOutputsEvent.metadata.op === "create").length;
            s.detail.push(`${state.length} resources in the stack (${created} created)`);
            facts.resources = state.length;
            assert.ok(state.length > 100, `the whole dev stack (${state.length} resources)`);
        });

        await step("assert: Helm releases deployed, CRDs established, custom resources present, Pod Security enforced", async (s) => {
            const state = await exportState(pulumi);
            const releases = state.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
            assert.ok(releases.length >= 6, `Helm releases in the stack (${releases.length})`);
            for (const r of releases) {
                const st = r.outputs?.status as { status?: string; name?: string; namespace?: string } | undefined;
                assert.equal(st?.status, "deployed", `release ${r.urn.split("::").pop()} is deployed`);
                // Helm's own record of the release is in the cluster.
                const secrets = await cluster!.api("GET", `/api/v1/namespaces/${st!.namespace}/secrets?labelSelector=owner%3Dhelm,name%3D${st!.name}`);
                assert.ok(secrets.body.items.length >= 1, `Helm's release secret for ${st!.namespace}/${st!.name}`);
            }
            s.detail.push(`${releases.length} Helm releases deployed: ${releases.map((r) => (r.outputs?.status as { name: string }).name).join(", ")}`);

            const crds = (await cluster!.api("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).body.items as { metadata: { name: string }; spec: { group: string; names: { kind: string } }; status?: { conditions?: { type: string; status: string }[] } }[];
            for (const c of crds) assert.ok(c.status?.conditions?.some((x) => x.type === "Established" && x.status === "True"), `CRD ${c.metadata.name} established`);
            const crdKinds = new Set(crds.map((c) => `${c.spec.group}/${c.spec.names.kind}`));
            const customs = state.filter((r) => r.custom && r.type.startsWith("kubernetes:") && crdKinds.has(`${r.type.split(":")[1].split("/")[0]}/${r.type.split(":")[2]}`));
            for (const r of customs) {
                const o = r.outputs as { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; selfLink?: string } };
                const plural = crds.find((c) => `${c.spec.group}/${c.spec.names.kind}` === `${o.apiVersion.split("/")[0]}/${o.kind}`)!.metadata.name.split(".")[0];
                const ns = o.metadata.namespace ? `/namespaces/${o.metadata.namespace}` : "";
                const got = await cluster!.api("GET", `/apis/${o.apiVersion}${ns}/${plural}/${o.metadata.name}`);
                assert.equal(got.status, 200, `${o.kind} ${o.metadata.name} exists in the cluster`);
            }
            s.detail.push(`${crds.length} CRDs established; ${customs.length} custom resources of them in the stack, all in the cluster`);

            // Pod Security: every namespace the stack made carries an enforce level, and the API server enforces it.
            const namespaces = state.filter((r) => r.type === "kubernetes:core/v1:Namespace").map((r) => (r.outputs as { metadata: { name: string; labels?: Record<string, string> } }).metadata);
            const levels: Record<string, string> = {};
            for (const n of namespaces) {
                const live = (await cluster!.api("GET", `/api/v1/namespaces/${n.name}`)).body as { metadata: { labels?: Record<string, string> } };
                const level = live.metadata.labels?.["pod-security.kubernetes.io/enforce"];
                assert.ok(level, `namespace ${n.name} has a pod-security enforce label`);
                levels[n.name] = level!;
            }
            s.detail.push(`Pod Security enforce levels: ${Object.entries(levels).map(([k, l]) => `${k}=${l}`).join(", ")}`);
            const restricted = Object.entries(levels).find(([, l]) => l === "restricted");
            assert.ok(restricted, "some namespace is restricted");
            const privileged = { apiVersion: "v1", kind: "Pod", metadata: { name: "e2e-privileged-probe" }, spec: { containers: [{ name: "c", image: "busybox", securityContext: { privileged: true } }] } };
            const refused = await cluster!.api("POST", `/api/v1/namespaces/${restricted![0]}/pods?dryRun=All`, privileged);
            assert.equal(refused.status, 403, `a privileged pod is refused in ${restricted![0]} (got ${refused.status})`);
            assert.match(JSON.stringify(refused.body), /violates PodSecurity/);
            s.detail.push(`a privileged pod is refused in ${restricted![0]}: ${String(refused.body.message).slice(0, 160)}`);

            // Workloads: every Deployment and StatefulSet the stack made is available (pods simulated by kwok).
            const workloads = state.filter((r) => r.type === "kubernetes:apps/v1:Deployment" || r.type === "kubernetes:apps/v1:StatefulSet");
            for (const r of workloads) {
                const o = r.outputs as { apiVersion: string; kind: string; metadata: { name: string; namespace: string }; status?: { readyReplicas?: number }; spec?: { replicas?: number } };
                const res = o.kind === "Deployment" ? "deployments" : "statefulsets";
                const live = (await cluster!.api("GET", `/apis/apps/v1/namespaces/${o.metadata.namespace}/${res}/${o.metadata.name}`)).body as { spec: { replicas: number }; status: { readyReplicas?: number } };
                assert.equal(live.status.readyReplicas ?? 0, live.spec.replicas, `${o.kind} ${o.metadata.namespace}/${o.metadata.name} ready`);
            }
            const pods = (await cluster!.api("GET", "/api/v1/pods")).body.items as { status: { phase: string } }[];
            s.detail.push(`${workloads.length} Deployments/StatefulSets of the stack ready; ${pods.length} pods in the cluster (${pods.filter((p) => p.status.phase === "Running").length} Running, ${pods.filter((p) => p.status.phase === "Succeeded").length} Succeeded)`);
        });

        // Step 3: idempotent; then a config change previews the changes plan:diff lists.
        await step("pulumi up again: no changes", async (s) => {
            await pulumi(["up", "--yes", "--expect-no-changes", ...policy, "--event-log", eventsFile("up2"), "--suppress-progress"]);
            const summary = readEvents(eventsFile("up2")).find((e) => e.summaryEvent)?.summaryEvent;
            s.warnings.push(...warningsOf(readEvents(eventsFile("up2"))));
            const changes = Object.entries(summary?.resourceChanges ?? {}).filter(([op]) => op !== "same");
            assert.deepEqual(changes, [], "the second up changes nothing");
            s.detail.push(`summary: ${JSON.stringify(summary?.resourceChanges)}`);
        });

        await step("config change: preview --diff lists what plan:diff lists", async (s) => {
            const change: [string, string][] = [
                ["nvflare.clients[0].name", "site-1"],
                ["nvflare.clients[0].org", "nvidia"],
                ["jupyterhub.singleuser.profiles[2].displayName", "E2E environment"],
                ["jupyterhub.singleuser.profiles[2].description", "One more profile, added by the e2e run."],
            ];
            const changed = path.join(work, `Pulumi.${STACK}.changed.yaml`);
            fs.copyFileSync(configFile, changed);
            for (const [k, val] of change) await pulumi(["config", "set", "--config-file", changed, "--path", `research-platform:${k}`, val]);
            const preview = await pulumi(["preview", "--diff", "--json", "--config-file", changed, ...policy]);
            const fromPreview = previewChangeList(preview.out);
            const base = [`kubernetes.context=${cluster!.context}`, `kubernetes.kubeconfig=${cluster!.kubeconfig}`, `charts.sourceDir=${chartSourceDir()}`];
            const sets = [...base, 'nvflare.clients=[{"name":"site-1","org":"nvidia"}]', `jupyterhub.singleuser.profiles=${JSON.stringify(devProfilesPlus())}`];
            const fromPlan = await planDiffList(ROOT, STACK, base, sets, path.join(work, "plans"), (cmd, args) => run(cmd, args, { env: process.env, logFile }));
            const d = diffLists(fromPreview, fromPlan);
            s.detail.push(`pulumi preview --diff: ${fromPreview.length} changes: ${fromPreview.join(", ")}`);
            s.detail.push(`npm run plan:diff: ${fromPlan.length} changes: ${fromPlan.join(", ")}`);
            assert.ok(fromPreview.length > 0, "the config change changes something");
            assert.deepEqual(d, { onlyInPreview: [], onlyInPlanDiff: [] }, "pulumi preview --diff and plan:diff list the same resources");
        });

        // Step 4: outputs, destroy.
        await step("stack outputs read back", async (s) => {
            const out = JSON.parse((await pulumi(["stack", "output", "--json", "--show-secrets"])).out) as Record<string, unknown>;
            assert.equal(out.environment, "dev");
            assert.equal(out.kubernetesContext, cluster!.context);
            for (const [k, val] of Object.entries(out)) assert.ok(val !== null && val !== undefined && val !== "", `output ${k} has a value`);
            const pw = out.jupyterhubAdminPassword;
            assert.ok(typeof pw === "string" && pw.length === 24, "jupyterhubAdminPassword is the generated 24-character password");
            s.detail.push(`outputs: ${Object.keys(out).sort().join(", ")}`);
        });

        await step("pulumi destroy: nothing the stack created is left", async (s) => {
            const before = await exportState(pulumi);
            // metrics-server's aggregated API (APIService v1beta1.metrics.k8s.io) has no real server
            // behind it here (its pod is simulated), so API discovery of metrics.k8s.io fails, and the
            // namespace controller refuses to finish deleting any namespace while discovery fails
            // (NamespaceDeletionDiscoveryFailure): destroy would wait forever. In a real cluster
            // metrics-server answers. Stand-in: remove the APIService object before destroy.
            const apiService = await cluster!.api("DELETE", "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io");
            s.detail.push(`APIService v1beta1.metrics.k8s.io removed before destroy (HTTP ${apiService.status}): its server is a simulated pod`);
            await pulumi(["destroy", "--yes", "--skip-preview", "--event-log", eventsFile("destroy"), "--suppress-progress"]);
            s.warnings.push(...warningsOf(readEvents(eventsFile("destroy"))));
            const after = await exportState(pulumi);
            assert.equal(after.length, 0, `the stack holds nothing after destroy (${after.map((r) => r.urn).join(", ")})`);
            let checked = 0;
            for (const r of before.filter((x) => x.custom && x.type.startsWith("kubernetes:") && x.type !== "kubernetes:helm.sh/v3:Release" && !x.type.startsWith("pulumi:providers:"))) {
                const o = r.outputs as { apiVersion?: string; kind?: string; metadata?: { name: string; namespace?: string } } | undefined;
                if (!o?.apiVersion || !o.metadata?.name) continue;
                const gone = await isGone(cluster!, o.apiVersion, o.kind!, o.metadata.name, o.metadata.namespace);
                assert.ok(gone, `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name} is gone`);
                checked++;
            }
            const releases = before.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map((r) => r.outputs?.status as { name: string; namespace: string });
            for (const rel of releases) {
                const secrets = await cluster!.api("GET", `/api/v1/namespaces/${rel.namespace}/secrets?labelSelector=owner%3Dhelm,name%3D${rel.name}`);
                assert.equal(secrets.body.items?.length ?? 0, 0, `Helm release ${rel.namespace}/${rel.name} is uninstalled`);
            }
            s.detail.push(`${before.length} resources destroyed; ${checked} Kubernetes objects checked gone from the API server (namespaces terminated); ${releases.length} Helm releases uninstalled`);
            const crds = (await cluster!.api("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).body.items as unknown[];
            s.detail.push(`${crds.length} CRDs remain: Helm never deletes the CRDs of a chart's crds/ folder on uninstall (by design), and the stack does not own them`);
        });
        const exited = cluster.exited();
        assert.deepEqual(exited, [], `control-plane processes that died during the run: ${exited.join(", ")}`);
        ok = true;
    } catch (e) {
        failure = e;
        log(`FAILED: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
        if (cluster) await cluster.down();
        const text = report(ok, failure);
        fs.writeFileSync(path.join(REPORT_DIR, "report.md"), text);
        fs.writeFileSync(path.join(REPORT_DIR, "report.json"), JSON.stringify({ ok, steps, facts }, null, 2));
        if (fs.existsSync(path.join(work, "cluster"))) {
            for (const f of fs.readdirSync(path.join(work, "cluster")).filter((x) => x.endsWith(".log"))) fs.copyFileSync(path.join(work, "cluster", f), path.join(REPORT_DIR, f));
        }
        process.stdout.write(`\n${text}\n`);
        if (keep) log(`kept ${work}`);
        else fs.rmSync(work, { recursive: true, force: true });
    }
    process.stdout.write(`e2e: ${steps.filter((s) => s.ok).length} passed, ${steps.filter((s) => !s.ok).length} failed\n`);
    return ok ? 0 : 1;
}

/** The unpacked upstream charts: `$RP_E2E_CHART_SRC`, else `../shared/reference/chart-src` beside the checkout. */
function chartSourceDir(): string {
    const dir = process.env.RP_E2E_CHART_SRC ? path.resolve(process.env.RP_E2E_CHART_SRC) : path.resolve(ROOT, "..", "shared", "reference", "chart-src");
    if (!fs.existsSync(dir)) throw new Error(`no chart sources at ${dir}: set RP_E2E_CHART_SRC to the folder of <chart>-<version> folders (shared/reference/chart-src)`);
    return dir;
}

/** The dev stack's JupyterHub profiles plus the one the config change adds. */
function devProfilesPlus(): unknown[] {
    // Read the dev stack file's profiles with the project's own stack-file reader (plain YAML).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require("yaml") as typeof import("yaml");
    const doc = yaml.parse(fs.readFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), "utf8")) as { config: Record<string, { singleuser: { profiles: unknown[] } }> };
    return [...doc.config["research-platform:jupyterhub"].singleuser.profiles, { displayName: "E2E environment", description: "One more profile, added by the e2e run." }];
}

interface StateResource {
    urn: string;
    type: string;
    custom: boolean;
    outputs?: Record<string, unknown>;
}

async function exportState(pulumi: (args: string[]) => Promise<{ out: string }>): Promise<StateResource[]> {
    const out = (await pulumi(["stack", "export", "--show-secrets"])).out;
    const doc = JSON.parse(out.slice(out.indexOf("{"))) as { deployment: { resources?: StateResource[] } };
    return (doc.deployment.resources ?? []).filter((r) => r.type !== "pulumi:pulumi:Stack");
}

async function isGone(cluster: Cluster, apiVersion: string, kind: string, name: string, namespace?: string): Promise<boolean> {
    const disc = await cluster.api("GET", apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`);
    if (disc.status === 404) return true; // the whole API is gone (a CRD's group)
    const res = (disc.body.resources as { name: string; kind: string; namespaced: boolean }[]).find((r) => r.kind === kind && !r.name.includes("/"));
    if (!res) return true;
    const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const url = `${base}${res.namespaced && namespace ? `/namespaces/${namespace}` : ""}/${res.name}/${name}`;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
        const r = await cluster.api("GET", url);
        if (r.status === 404) return true;
        await new Promise((x) => setTimeout(x, 1000));
    }
    return false;
}

main().then(
    (code) => process.exit(code),
    (e) => {
        console.error(e);
        process.exit(1);
    },
);
