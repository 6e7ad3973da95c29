/**
 * Render every Helm release of a plan with real Helm (`helm template`), offline, so that the
 * objects a chart creates go through the artifacts, the plan diff and the guardrails like the
 * objects the program writes itself (docs/helm-rendering.md).
 *
 * Each release is rendered with its name, namespace, chart version and the values the program
 * passes, for the target cluster's Kubernetes version and with the API versions of the CRDs the
 * platform's charts install. A value the program passes as a secret is rendered as a placeholder
 * of the same shape (so a chart may encode or check it), derived from the value's path, never from
 * the value: nothing rendered, cached or written holds a real secret, and the written objects show
 * "[secret]" where one went. Releases render in parallel, each cached on disk by everything its
 * output depends on (Helm version, chart files, release, values, Kubernetes and API versions), so a
 * re-plan with unchanged values starts no Helm at all.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { planCacheDir } from "./cacheDir";
import { normalizeRandom } from "./chartNormalize";
import { LocatedChart, chartFingerprint, chartSourceDir, locateChart } from "./chartSources";
import { HelmBinary, findHelm } from "./helmBinary";
import { GO_YAML_READER, loadAllAsGoYaml as loadAll } from "./goYaml";
import { artifactYaml, helmRecord, isClusterScoped } from "./manifests";
import { RESOURCE_SIG, SIG_KEY, UNKNOWN, isSecretMarker } from "./mockRuntime";
import type { ChartObject, ChartRendering, HelmRecord, Manifest, Plan, Registration, ReleaseRendering } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

/**
 * Bump when what a cache entry holds, or how it is made, changes. An entry holds the objects js-yaml
 * read (goYaml.ts) and the texts it wrote (`artifactYaml`), so its version is part of every key too.
 */
const FORMAT = `5 ${GO_YAML_READER}`;

/** The Kubernetes version of the schema checks (kubernetes-models), used when the stack names none and the cluster is not kind. */
export const DEFAULT_KUBE_VERSION = "1.33.0";

export interface RenderOptions {
    projectDir: string;
    /** Environment: `HELM_BIN`, `CHART_SOURCE_DIR`, `PLAN_CHART_PULL=0`, `PLAN_HELM=0` (no rendering: an advisory note), `PLAN_HELM_CACHE_DIR`. */
    env?: NodeJS.ProcessEnv;
    /** Cache folder (default: `PLAN_HELM_CACHE_DIR`, else the plan's cache, `PLAN_CACHE_DIR`). */
    cacheDir?: string;
    /** `helm pull` a chart that has no local source (default: unless `PLAN_CHART_PULL=0`). */
    pull?: boolean;
}

// ---------------------------------------------------------------- the releases and their values

interface ReleaseInput {
    urn: string;
    record: HelmRecord;
    /** The chart's folder when the release installs a local chart (config `charts.sourceDir`). */
    localDir?: string;
    /** Values as Helm gets them: secrets as placeholders. */
    values: Record<string, unknown>;
    /** Placeholder tokens, to show as "[secret]" wherever they land. */
    tokens: string[];
    secretPaths: string[];
    includeCrds: boolean;
}

/** A placeholder for a secret at `at`: 32 letters and digits, from the path alone. */
export function secretToken(at: string): string {
    return `rpsecret${createHash("sha256").update(`secret:${at}`).digest("hex").slice(0, 24)}`;
}

/**
 * A stand-in for a secret value with its shape: a JSON document keeps its structure with every
 * string replaced, a string becomes a token, numbers and booleans stay as they are (a chart may
 * need their type; they say nothing a reader of the values could not guess).
 */
function placeholder(v: unknown, at: string, tokens: string[]): unknown {
    if (typeof v === "string") {
        const t = v.trim();
        if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
            try {
                return JSON.stringify(placeholder(JSON.parse(t), at, tokens));
            } catch {
                // not JSON: a plain string
            }
        }
        const token = secretToken(at);
        tokens.push(token);
        return token;
    }
    if (Array.isArray(v)) return v.map((x, i) => placeholder(x, `${at}[${i}]`, tokens));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, placeholder(x, `${at}.${k}`, tokens)]));
    return v;
}

/** Wire-form values -> plain values for Helm, secrets replaced by placeholders (their paths collected). */
function renderValues(wire: unknown, at: string, tokens: string[], paths: string[]): unknown {
    if (isSecretMarker(wire)) {
        paths.push(at || ".");
        return placeholder(reveal(wire.value), at, tokens);
    }
    if (wire === UNKNOWN) return "[unknown]";
    if (Array.isArray(wire)) return wire.map((x, i) => renderValues(x, `${at}[${i}]`, tokens, paths));
    if (wire === null || typeof wire !== "object") return wire;
    const o = wire as Record<string, unknown>;
    if (o[SIG_KEY] === RESOURCE_SIG) return o.urn;
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, renderValues(x, at ? `${at}.${k}` : k, tokens, paths)]));
}

function reveal(v: unknown): unknown {
    if (isSecretMarker(v)) return reveal(v.value);
    if (Array.isArray(v)) return v.map(reveal);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
    return v;
}

/** A release that installs a local chart folder (config `charts.sourceDir`): the folder, and the chart's name from its Chart.yaml. */
function localChart(chart: string, projectDir: string): { dir: string; name: string } | undefined {
    if (!chart.includes("/")) return undefined;
    const dir = path.resolve(projectDir, chart);
    try {
        const name = /^name:\s*["']?([\w.-]+)/m.exec(fs.readFileSync(path.join(dir, "Chart.yaml"), "utf8"))?.[1];
        return { dir, name: name ?? path.basename(dir).replace(/-v?\d[\w.+-]*$/, "") };
    } catch {
        return { dir, name: path.basename(dir).replace(/-v?\d[\w.+-]*$/, "") };
    }
}

function releaseInputs(plan: Plan, projectDir: string): ReleaseInput[] {
    const byUrn = new Map<string, Registration>(plan.registrations.map((r) => [r.urn, r]));
    const out: ReleaseInput[] = [];
    for (const r of plan.resources) {
        let record = helmRecord(r);
        if (!record) continue;
        const local = localChart(record.chart, projectDir);
        if (local) record = { ...record, chart: local.name };
        const wire = (byUrn.get(r.urn)?.wireInputs ?? {}) as Record<string, unknown>;
        let wireValues: unknown;
        if (r.type === "kubernetes:helm.sh/v3:Release") wireValues = wire.values ?? {};
        else {
            const { helmOptions: _h, ...rest } = wire;
            wireValues = rest;
        }
        const tokens: string[] = [];
        const secretPaths: string[] = [];
        const values = (renderValues(wireValues, "", tokens, secretPaths) ?? {}) as Record<string, unknown>;
        out.push({ urn: r.urn, record, localDir: local?.dir, values, tokens, secretPaths, includeCrds: wire.skipCrds !== true });
    }
    return out;
}

// ---------------------------------------------------------------- the cluster rendered for

/** The target cluster's Kubernetes version: `kubernetes.version`, else kind's node image, else the schema checks' version. */
export function targetKubeVersion(plan: Plan, projectDir: string): { version: string; from: string } {
    const platform = plan.resources.find((r) => r.type === "research-platform:index:Platform");
    const k = ((platform?.inputs as any)?.config?.kubernetes ?? {}) as { version?: string; distribution?: string };
    const full = (v: string) => (/^v?\d+\.\d+$/.test(v) ? `${v.replace(/^v/, "")}.0` : v.replace(/^v/, ""));
    if (typeof k.version === "string") return { version: full(k.version), from: "kubernetes.version" };
    if (k.distribution === "kind") {
        try {
            const m = /kindest\/node:v(\d+\.\d+\.\d+)/.exec(fs.readFileSync(path.join(projectDir, "kind", "cluster.yaml"), "utf8"));
            if (m) return { version: m[1], from: "kind/cluster.yaml's node image" };
        } catch {
            // no kind config: fall through
        }
    }
    return { version: DEFAULT_KUBE_VERSION, from: "default (the schema checks' version; set kubernetes.version)" };
}

function yamlFilesUnder(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name) && /(^|\/)(crds|templates)(\/|$)/.test(path.relative(dir, e.parentPath)))
        .map((e) => path.join(e.parentPath, e.name));
}

/** `group/version` and `group/version/Kind` of every CRD in a chart's `crds/` and `templates/` (subcharts included; template lines dropped). */
function chartCrdApiVersions(dir: string): string[] {
    const out = new Set<string>();
    for (const file of yamlFilesUnder(dir)) {
        const text = fs.readFileSync(file, "utf8");
        if (!text.includes("CustomResourceDefinition")) continue;
        const clean = text
            .split("\n")
            .filter((l) => !/^\s*\{\{.*\}\}\s*$/.test(l))
            .join("\n");
        for (const chunk of clean.split(/^---\s*$/m)) {
            if (!chunk.includes("CustomResourceDefinition")) continue;
            let crd: any;
            try {
                crd = loadAll(chunk)[0];
            } catch {
                continue; // templated beyond whole lines: its API version is not known statically
            }
            if (crd?.kind !== "CustomResourceDefinition" || typeof crd.spec?.group !== "string") continue;
            for (const v of crd.spec.versions ?? (crd.spec.version ? [{ name: crd.spec.version, served: true }] : [])) {
                if (v?.served === false || typeof v?.name !== "string") continue;
                out.add(`${crd.spec.group}/${v.name}`);
                if (typeof crd.spec.names?.kind === "string") out.add(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`);
            }
        }
    }
    return [...out].sort();
}

// ---------------------------------------------------------------- the disk cache

function readJson<T>(file: string): T | undefined {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as T;
    } catch {
        return undefined;
    }
}

function writeJson(file: string, value: unknown): void {
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(value));
        fs.renameSync(tmp, file);
    } catch {
        // A read-only or full disk: the next plan renders again.
    }
}

function hash(...parts: string[]): string {
    const h = createHash("sha256");
    for (const p of [FORMAT, ...parts]) h.update(p).update("\0");
    return h.digest("hex").slice(0, 40);
}

// ---------------------------------------------------------------- running Helm

interface Rendered {
    status: "rendered" | "failed";
    reason?: string;
    /** String values the program sets that reach no rendered object (see `unreachedValues`). */
    unreached?: [string, string][];
    /** Helm's warnings about values it dropped (see `helmWarnings`). */
    warnings: string[];
    objects: Omit<ChartObject, "release" | "path">[];
}

function runHelm(helm: string, args: string[], stdin: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(helm, args, { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => out.push(d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        child.on("error", (e) => resolve({ status: null, stdout: "", stderr: e.message }));
        child.on("close", (status) => resolve({ status, stdout: Buffer.concat(out).toString("utf8"), stderr }));
        child.stdin.on("error", () => undefined);
        child.stdin.end(stdin);
    });
}

/** Helm's coalescing warnings (`coalesce.go:NNN: warning: ...`): a value Helm drops because its type does not fit the chart's default. */
const WARNING = /\S+\.go:\d+: warning: (.*?)(?=Error: |\S+\.go:\d+: warning: |\n|$)/g;

export function helmWarnings(stderr: string): string[] {
    return [...new Set([...stderr.matchAll(WARNING)].map((m) => m[1].trim()))].sort();
}

/** Helm's error, without its warnings, the "Error: " prefix and Helm's own advice, at most a dozen lines. */
export function helmError(stderr: string): string {
    const lines = stderr
        .replace(WARNING, "")
        .split("\n")
        .filter((l) => l.trim() !== "" && !/^(WARNING|walk\.go|Use --debug)/.test(l))
        .map((l) => l.replace(/^Error: /, ""));
    return (lines.length > 12 ? [...lines.slice(0, 12), `... (${lines.length - 12} more lines)`] : lines).join("\n") || "helm exited without a message";
}

function replaceTokens(v: unknown, tokens: readonly string[]): unknown {
    if (typeof v === "string") {
        let s = v;
        for (const t of tokens) if (s.includes(t)) s = s.split(t).join("[secret]");
        return s;
    }
    if (Array.isArray(v)) return v.map((x) => replaceTokens(x, tokens));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceTokens(x, tokens)]));
    return v;
}

/** Helm's output -> the objects, each with its artifact text (secrets redacted, random parts replaced). */
export function parseRendered(stdout: string, chart: string, tokens: readonly string[]): Omit<ChartObject, "release" | "path">[] {
    const out: Omit<ChartObject, "release" | "path">[] = [];
    for (const chunk of stdout.split(/^---[ \t]*$/m)) {
        if (chunk.trim() === "") continue;
        const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? "";
        const docs = loadAll(chunk);
        for (const doc of docs) {
            if (!doc || typeof doc !== "object" || Array.isArray(doc)) continue;
            const object = doc as Manifest;
            if (typeof object.kind !== "string" || typeof object.apiVersion !== "string") continue;
            const hook = object.metadata?.annotations?.["helm.sh/hook"];
            const randoms = normalizeRandom(chart, object);
            const isSecret = object.kind === "Secret" && object.apiVersion === "v1";
            const hasToken = tokens.some((t) => chunk.includes(t));
            const header = [
                ...(hook ? [`# Helm hook (helm.sh/hook: ${hook}): Helm creates and runs it around install/upgrade; it is not kept as part of the release`] : []),
                ...randoms.map((why) => `# Generated at random by Helm at each render, written as fixed text: ${why}`),
                ...(isSecret ? ["# Secret data written as \"[secret]\""] : []),
            ];
            let text: string;
            if (randoms.length === 0 && !isSecret && !hasToken && docs.length === 1) {
                text = `${header.length ? `${header.join("\n")}\n` : ""}${chunk.replace(/^\n+/, "").trimEnd()}\n`;
            } else {
                let shown = hasToken ? (replaceTokens(object, tokens) as Manifest) : structuredClone(object);
                if (isSecret) {
                    shown = { ...shown };
                    for (const f of ["data", "stringData"]) {
                        const d = shown[f];
                        if (d && typeof d === "object") shown[f] = Object.fromEntries(Object.keys(d).map((k) => [k, "[secret]"]));
                    }
                }
                text = `${[...header, `# Source: ${source}`].join("\n")}\n${artifactYaml(shown)}`;
            }
            out.push({ source, ...(hook ? { hook } : {}), object, text });
        }
    }
    return out;
}

/** Leaf strings (path, value) of the values. */
function stringLeaves(v: unknown, at: string, out: [string, string][]): void {
    if (typeof v === "string") out.push([at, v]);
    else if (Array.isArray(v)) v.forEach((x, i) => stringLeaves(x, `${at}[${i}]`, out));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) stringLeaves(x, at ? `${at}.${k}` : k, out);
}

/** Every string of a rendered object, Secret data decoded, and the strings of a YAML config inside it (z2jh's values.yaml: YAML folds long strings). */
function renderedStrings(o: { object: Manifest }, out: string[]): void {
    const walk = (v: unknown, decode: boolean) => {
        if (typeof v === "string") {
            out.push(v);
            const text = decode ? Buffer.from(v, "base64").toString("utf8") : v;
            if (decode) out.push(text);
            if (text.includes("\n") && /^\s*[\w.-]+:/m.test(text)) {
                try {
                    walk(loadAll(text)[0], false);
                } catch {
                    // not YAML
                }
            }
        } else if (Array.isArray(v)) for (const x of v) walk(x, decode);
        else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, decode || (o.object.kind === "Secret" && (k === "data" || k === "binaryData")));
    };
    walk(o.object, false);
}

/**
 * What only rendering shows about the values: a string the program sets (4 characters or more,
 * not a secret) that appears in no rendered object, not even inside a Secret or a config file,
 * is a value the chart ignores (a key renamed, or not read by this chart version). Booleans,
 * numbers and short strings cannot be told from chance and are not looked at.
 */
export function unreachedValues(values: unknown, objects: readonly { object: Manifest }[], secretPaths: readonly string[]): [string, string][] {
    const leaves: [string, string][] = [];
    stringLeaves(values, "", leaves);
    const strings: string[] = [];
    for (const o of objects) renderedStrings(o, strings);
    const text = strings.join("\n");
    const secret = (p: string) => secretPaths.some((s) => p === s || p.startsWith(`${s}.`) || p.startsWith(`${s}[`));
    return leaves.filter(([p, v]) => v.length >= 4 && v !== "[secret]" && !secret(p) && !text.includes(v));
}

async function renderOne(helm: HelmBinary, input: ReleaseInput, chartDir: string, kubeVersion: string, apiVersions: readonly string[]): Promise<Rendered> {
    const h = input.record;
    const args = ["template", h.name, chartDir, "--namespace", h.namespace, "--kube-version", kubeVersion, "--skip-tests", ...(input.includeCrds ? ["--include-crds"] : [])];
    for (const v of apiVersions) args.push("--api-versions", v);
    args.push("--values", "-");
    const r = await runHelm(helm.path, args, JSON.stringify(input.values));
    const warnings = helmWarnings(r.stderr);
    if (r.status !== 0) return { status: "failed", reason: helmError(r.stderr), warnings, objects: [] };
    try {
        const objects = parseRendered(r.stdout, h.chart, input.tokens);
        return { status: "rendered", warnings, objects, unreached: unreachedValues(h.values, objects, input.secretPaths) };
    } catch (e) {
        return { status: "failed", reason: `Helm's output is not YAML the plan can read: ${(e as Error).message.split("\n")[0]}`, warnings, objects: [] };
    }
}

// ---------------------------------------------------------------- the plan's rendering

/** Folder of a release's objects: `helm/<namespace>-<release>/`, beside its values record `helm/<namespace>-<release>.yaml`. */
export function releaseDir(h: Pick<HelmRecord, "namespace" | "name">): string {
    return `helm/${h.namespace}-${h.name}`;
}

/** Where a chart object is written: `helm/<ns>-<release>/[hooks/]<namespace or _cluster>/<Kind>-<name>.yaml`. */
function objectPath(h: HelmRecord, o: Omit<ChartObject, "release" | "path">): string {
    const ns = o.object.metadata?.namespace ?? "_cluster";
    return `${releaseDir(h)}/${o.hook ? "hooks/" : ""}${ns}/${o.object.kind}-${o.object.metadata?.name ?? "unnamed"}.yaml`;
}

/**
 * Render every release of the plan. Never throws for a chart's or the user's problem: a release
 * Helm refuses is `failed` with Helm's message, one that cannot be rendered (no Helm, no chart)
 * is `unrendered` with the reason; the guardrails turn both into findings.
 */
export async function renderCharts(plan: Plan, opts: RenderOptions): Promise<ChartRendering> {
    const started = Date.now();
    const env = opts.env ?? process.env;
    const cache = opts.cacheDir ?? (env.PLAN_HELM_CACHE_DIR ? path.resolve(env.PLAN_HELM_CACHE_DIR) : planCacheDir(env));
    const pull = opts.pull ?? env.PLAN_CHART_PULL !== "0";
    const inputs = releaseInputs(plan, opts.projectDir);
    const kube = targetKubeVersion(plan, opts.projectDir);
    const sources = chartSourceDir(opts.projectDir, env);
    const off = env.PLAN_HELM === "0";
    const found = off ? { missing: "rendering is switched off (PLAN_HELM=0)" } : findHelm(env);
    const helm = "missing" in found ? undefined : found;
    const result: ChartRendering = {
        helm: helm ? `${helm.version} (${helm.from}: ${helm.path})` : undefined,
        kubeVersion: kube.version,
        kubeVersionFrom: kube.from,
        apiVersions: [],
        expected: !off && (!!helm || sources.exists),
        releases: [],
        seconds: 0,
    };
    const base = (i: ReleaseInput): ReleaseRendering => ({ key: `${i.record.namespace}/${i.record.name}`, urn: i.urn, record: i.record, status: "unrendered", warnings: [], unreached: [], objects: [], cached: false, secretPaths: i.secretPaths });
    if (!helm) {
        result.releases = inputs.map((i) => ({ ...base(i), reason: (found as { missing: string }).missing }));
        result.seconds = (Date.now() - started) / 1000;
        return plan.charts = result;
    }

    const located: LocatedChart[] = await Promise.all(
        inputs.map((i) =>
            !i.localDir
                ? locateChart(i.record, sources, helm.path, { pull, env })
                : fs.existsSync(path.join(i.localDir, "Chart.yaml"))
                  ? { dir: fs.realpathSync(i.localDir), from: "local" as const }
                  : { missing: `the release installs the local chart ${i.localDir} (charts.sourceDir), which has no Chart.yaml` },
        ),
    );
    const fingerprints = located.map((l) => ("dir" in l ? chartFingerprint(l.dir) : ""));
    // The API versions of every CRD the platform's charts install, from the charts' files (cached by their fingerprint).
    const apiVersions = new Set<string>();
    located.forEach((l, n) => {
        if (!("dir" in l) || !inputs[n].includeCrds) return;
        const file = path.join(cache, "helm-crds", `${hash(fingerprints[n], l.dir)}.json`);
        let found = readJson<string[]>(file);
        if (!found) writeJson(file, (found = chartCrdApiVersions(l.dir)));
        for (const v of found) apiVersions.add(v);
    });
    result.apiVersions = [...apiVersions].sort();

    result.releases = await Promise.all(
        inputs.map(async (i, n): Promise<ReleaseRendering> => {
            const l = located[n];
            if (!("dir" in l)) return { ...base(i), reason: l.missing };
            const key = hash(helm.version, helm.path, fingerprints[n], l.dir, i.record.name, i.record.namespace, i.record.chart, i.record.version, kube.version, String(i.includeCrds), result.apiVersions.join(","), JSON.stringify(i.values));
            const file = path.join(cache, "helm-render", `${key}.json`);
            let rendered = readJson<Rendered>(file);
            const cached = !!rendered;
            if (!rendered) {
                rendered = await renderOne(helm, i, l.dir, kube.version, result.apiVersions);
                writeJson(file, rendered);
            }
            return { ...base(i), status: rendered.status, reason: rendered.reason, warnings: rendered.warnings ?? [], unreached: rendered.unreached ?? [], cacheKey: key, chartDir: l.dir, cached, objects: rendered.objects.map((o) => ({ ...o, release: `${i.record.namespace}/${i.record.name}`, path: "" })) };
        }),
    );

    // Namespaces as Helm applies them: a namespaced object without one goes into the release's.
    const clusterCrdKinds = new Set<string>();
    for (const r of result.releases) {
        for (const o of r.objects) {
            const s = (o.object as any).spec;
            if (o.object.kind === "CustomResourceDefinition" && s?.scope === "Cluster" && typeof s?.names?.kind === "string") clusterCrdKinds.add(s.names.kind);
        }
    }
    for (const r of result.releases) {
        const taken = new Set<string>();
        for (const o of r.objects) {
            const kind = String(o.object.kind);
            const meta = (o.object.metadata ??= {});
            if (isClusterScoped(kind) || clusterCrdKinds.has(kind)) delete meta.namespace;
            else if (!meta.namespace) meta.namespace = r.record.namespace;
            let p = objectPath(r.record, o);
            for (let n = 2; taken.has(p); n++) p = objectPath(r.record, o).replace(/\.yaml$/, `-${n}.yaml`);
            taken.add(p);
            o.path = p;
        }
        r.objects.sort((a, b) => (a.path < b.path ? -1 : 1));
    }
    result.seconds = (Date.now() - started) / 1000;
    return plan.charts = result;
}

/** Every rendered chart object of a plan (none before `renderCharts`). */
export function chartObjects(plan: Plan): ChartObject[] {
    return (plan.charts?.releases ?? []).flatMap((r) => r.objects);
}
