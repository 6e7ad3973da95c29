/**
 * The runtime contracts' checker: holds every enabled system's contract (contracts/index.ts) and
 * the flows no system needs (contracts/denied.ts) against one plan. A finding (rule
 * `runtime-contract`, mandatory) means the plan or the contract is wrong; its subject is
 * `<system>/<fact id>` and its message says what breaks and where the fact was read.
 *
 *   flows      every contract flow is allowed by the NetworkPolicies (source egress and destination ingress)
 *   denied     every denied flow is refused; no system waits for a system it does not use
 *   pods       every PodRef the program creates matches a pod template of the plan
 *   listeners  every probe and Service port of a program workload is a listener of that container,
 *              and every listener named by a Service or a probe has one
 *   writes     every path a program container writes is on a volume (or root filesystem) its user can write
 *   accepts    every config value the contract restricts is accepted (and every user secret it needs is declared)
 *   host       kind mounts and port mappings (kind/cluster.yaml), systemd sandboxing of the remote units
 *
 * A kubelet's probes come from the pod's own node, which NetworkPolicy always admits (Kubernetes
 * docs, "Network Policies": traffic to and from the node where a Pod runs is always allowed), so
 * flows from `kubelet` to pods are not evaluated; flows to kubelets (on every node) are.
 *
 * Pods: the program's come from the plan's pod templates (`planPods`), a chart's from its rendered
 * objects (`renderedChartObjects`, when the plan rendered the Helm releases, with their Services and
 * NetworkPolicies), and PodRefs of a
 * rendered chart are matched like the program's; pods another program creates at run time, and a
 * chart's when rendering is off, are synthesised from the contract's PodRef.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { secretSpecs } from "../../config";
import { contractsFor, registry } from "../../contracts";
import { deniedFlows, deniedWaits } from "../../contracts/denied";
import type { Accept, ContractConfig, DeniedFlow, DeniedWait, Flow, HostFact, Listener, Peer, PodRef, Source, SystemContract } from "../../contracts/types";
import { findProjectDir } from "../../program/projectDir";
import { chartObjects } from "../plan-engine/helmRender";
import { kubernetesType } from "../plan-engine/mockRuntime";
import type { Finding, Plan, PlanCheck, PlanResource } from "../plan-engine/types";
import { Cluster, Endpoint, NetworkFacts, Pod, allowedPorts, formatRanges, intersectRanges, peerEndpoints, portSpecRanges, subtractRanges } from "./networkPolicyEval";

/* eslint-disable @typescript-eslint/no-explicit-any */

export const RULE = "runtime-contract";
const PLATFORM = "research-platform:index:Platform";

/** A pod template of the plan (or, later, of a rendered chart). */
export interface PlanPod extends Pod {
    /** `<Kind> <namespace>/<name>` of the workload. */
    workload: string;
    urn: string;
    /** The pod spec (`template.spec`). */
    spec: any;
    /** `program`, or the chart whose rendering it comes from. */
    createdBy: "program" | { chart: string };
}

/** The kind cluster's nodes as kind/cluster.yaml declares them. */
export interface KindNode {
    role: string;
    extraMounts?: { hostPath?: string; containerPath?: string }[];
    extraPortMappings?: { containerPort?: number; hostPort?: number; protocol?: string }[];
}

/** Everything the checks read, built once from a plan. */
export interface World {
    stack: string;
    cfg: ContractConfig;
    contracts: SystemContract[];
    denied: DeniedFlow[];
    waits: DeniedWait[];
    network: NetworkFacts;
    cluster: Cluster;
    pods: PlanPod[];
    /** Charts whose rendered objects are in `pods` and `cluster.policies`. */
    renderedCharts: Set<string>;
    services: any[];
    /** The plan's resources (for the deploy-order checks). */
    resources: readonly PlanResource[];
    /** kind/cluster.yaml's nodes (dev on kind). */
    kindNodes?: KindNode[];
    /** Files the program writes for hosts outside the cluster (stack output `interlinkHostFiles`). */
    hostFiles?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// The plan's objects

const POD_TEMPLATE = /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|batch\/v1:(Job|CronJob)|core\/v1:Pod|apps\.kruise\.io\/v1alpha1:CloneSet)$/;

/** The pod templates the program writes (Deployments, StatefulSets, ..., Jobs, CronJobs, CloneSets, Pods). */
export function planPods(resources: readonly PlanResource[]): PlanPod[] {
    const out: PlanPod[] = [];
    for (const r of resources) {
        if (!POD_TEMPLATE.test(r.type)) continue;
        const i = r.inputs as any;
        const kind = r.type.split(":").pop()!;
        const t = kind === "Pod" ? i : kind === "CronJob" ? i?.spec?.jobTemplate?.spec?.template : i?.spec?.template;
        if (!t?.spec) continue;
        const namespace = i.metadata?.namespace ?? "default";
        out.push({
            name: `${namespace}/${i.metadata?.name}`,
            workload: `${kind} ${namespace}/${i.metadata?.name}`,
            urn: r.urn,
            namespace,
            labels: t.metadata?.labels ?? {},
            ports: (t.spec.containers ?? []).flatMap((c: any) => c.ports ?? []),
            spec: t.spec,
            createdBy: "program",
        });
    }
    return out;
}

/**
 * The objects of the plan's Helm releases as Helm renders them (`renderCharts`, docs/helm-rendering.md):
 * their pod templates (`createdBy: { chart }`, with the labels the chart really puts on its pods) and
 * NetworkPolicies, and the charts rendered. A contract's PodRef of a rendered chart is then matched
 * against these pods like the program's: a label the contract guessed wrong is a finding.
 * Without rendering (no Helm, no chart sources), none: the checker synthesises those pods from the PodRefs.
 */
export function renderedChartObjects(plan: Plan): { pods: PlanPod[]; policies: any[]; services: any[]; charts: string[] } {
    const releases = (plan.charts?.releases ?? []).filter((r) => r.status === "rendered");
    const chartOf = new Map(releases.map((r) => [r.key, r.record.chart]));
    const pods: PlanPod[] = [];
    const policies: any[] = [];
    const services: any[] = [];
    for (const o of chartObjects(plan)) {
        const chart = chartOf.get(o.release);
        if (!chart) continue;
        const type = kubernetesType(String(o.object.apiVersion), String(o.object.kind));
        if (type === "kubernetes:networking.k8s.io/v1:NetworkPolicy") policies.push(o.object);
        else if (type === "kubernetes:core/v1:Service") services.push(o.object);
        else if (POD_TEMPLATE.test(type)) {
            // Hook pods (Helm runs them around install/upgrade) are pods of the chart too.
            const [pod] = planPods([{ urn: o.path, type, name: String(o.object.metadata?.name), inputs: o.object } as PlanResource]);
            if (pod) pods.push({ ...pod, createdBy: { chart } });
        }
    }
    return { pods, policies, services, charts: [...new Set(chartOf.values())].sort() };
}

/** The validated config the plan recorded as the Platform's `config` input. */
export function planConfig(plan: Plan): ContractConfig | undefined {
    const platform = plan.resources.find((r) => r.type === PLATFORM);
    return (platform?.inputs as any)?.config;
}

/** The nodes of a kind config file. */
export function readKindNodes(file: string): KindNode[] | undefined {
    if (!fs.existsSync(file)) return undefined;
    return ((parseYaml(fs.readFileSync(file, "utf8")) as any)?.nodes ?? []) as KindNode[];
}

export interface WorldOptions {
    /** kind/cluster.yaml's nodes (default: read from the project). */
    kindNodes?: KindNode[];
    /** The contracts to hold (default: the registry's, for the plan's config). */
    contracts?: SystemContract[];
    /** The denied flows and deploy-order edges (default: contracts/denied.ts for the plan's config). */
    denied?: DeniedFlow[];
    waits?: DeniedWait[];
}

export function worldOf(plan: Plan, opts: WorldOptions = {}): World | undefined {
    const cfg = planConfig(plan);
    if (!cfg) return undefined;
    const resources = plan.resources;
    const namespaces: Record<string, Record<string, string>> = {};
    const policies: any[] = [];
    const services: any[] = [];
    for (const r of resources) {
        const i = r.inputs as any;
        if (r.type === "kubernetes:core/v1:Namespace") namespaces[i.metadata?.name] = i.metadata?.labels ?? {};
        else if (r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy") policies.push(i);
        else if (r.type === "kubernetes:core/v1:Service") services.push(i);
    }
    const rendered = renderedChartObjects(plan);
    const hostFiles = (plan.outputs as any)?.interlinkHostFiles;
    return {
        stack: plan.stack,
        cfg,
        contracts: opts.contracts ?? contractsFor(cfg),
        denied: opts.denied ?? deniedFlows(cfg),
        waits: opts.waits ?? deniedWaits(cfg),
        network: { apiServerCidrs: cfg.kubernetes.apiServerCidrs, nodeCidrs: cfg.kubernetes.nodeCidrs },
        cluster: { namespaces, policies: [...policies, ...rendered.policies] },
        pods: [...planPods(resources), ...rendered.pods],
        renderedCharts: new Set(rendered.charts),
        services: [...services, ...rendered.services],
        resources,
        kindNodes: cfg.kubernetes.distribution === "kind" ? (opts.kindNodes ?? readKindNodes(path.join(findProjectDir(), "kind", "cluster.yaml"))) : undefined,
        hostFiles: hostFiles && typeof hostFiles === "object" ? (hostFiles as Record<string, string>) : undefined,
    };
}

// ---------------------------------------------------------------------------------------------
// Messages

function short(ref: string): string {
    return /^[0-9a-f]{40}$/.test(ref) ? ref.slice(0, 7) : ref;
}

/** `owner/repo@abc1234 file:lines` of the first source, and how many more there are. */
export function cite(source: Source | Source[] | undefined): string {
    const list = source === undefined ? [] : Array.isArray(source) ? source : [source];
    if (list.length === 0) return "";
    const s = list[0];
    return ` [source: ${s.repo}@${short(s.ref)} ${s.file}${s.lines ? `:${s.lines}` : ""}${list.length > 1 ? ` (+${list.length - 1} more)` : ""}]`;
}

function peerName(p: Peer): string {
    switch (p.kind) {
        case "pods":
            return `${p.namespace}/${p.name}`;
        case "external":
            return `${p.name} (${p.host})`;
        default:
            return p.kind === "apiServer" ? "the API server" : p.kind === "dns" ? "cluster DNS" : p.kind === "anywhere" ? "anywhere" : `the ${p.kind}s`;
    }
}

function endpointName(e: Endpoint): string {
    return "namespace" in e ? e.name : (e.name ?? e.ip);
}

// ---------------------------------------------------------------------------------------------
// Pods of a PodRef

export function podMatches(pod: Pod, ref: PodRef): boolean {
    return pod.namespace === ref.namespace && Object.entries(ref.labels).every(([k, v]) => pod.labels[k] === v) && (ref.labelKeys ?? []).every((k) => k in pod.labels);
}

/**
 * A pod that stands for a PodRef the plan cannot show (run-time pods, or a chart's when the plan
 * did not render it), with the named ports its contract's listeners give it (a NetworkPolicy may
 * name a port: z2jh's singleuser policy admits `notebook-port`).
 */
export function synthesisedPod(ref: PodRef, listeners: readonly Listener[] = []): Pod {
    const labels = { ...ref.labels };
    for (const k of ref.labelKeys ?? []) labels[k] ??= "<any value>";
    const same = (p: PodRef) => p.namespace === ref.namespace && p.name === ref.name;
    const ports = listeners.filter((l) => l.portName && same(l.pod)).map((l) => ({ name: l.portName, containerPort: l.port, protocol: l.protocol ?? "TCP" }));
    return { name: `${ref.namespace}/${ref.name}`, namespace: ref.namespace, labels, ...(ports.length ? { ports } : {}) };
}

/** Whether the plan has (or stands in for) the pods of `ref`: the program's must be pod templates. */
function fromPlan(w: World, ref: PodRef): boolean {
    return ref.createdBy === "program" || (typeof ref.createdBy === "object" && "chart" in ref.createdBy && w.renderedCharts.has(ref.createdBy.chart));
}

/**
 * The plan's pods by namespace and by label, and the pods each PodRef matches: a federation of a
 * thousand NVIDIA FLARE clients has a thousand pods and thousands of refs (flows, listeners,
 * writes), and matching every ref against every pod was most of such a plan's time.
 */
interface PodIndex {
    byNamespace: Map<string, PlanPod[]>;
    /** `<namespace>\0<key>\0<value>` -> the pods carrying that label. */
    byLabel: Map<string, PlanPod[]>;
    matches: Map<string, PlanPod[]>;
}

const podIndexes = new WeakMap<readonly PlanPod[], PodIndex>();

/** Append `v` to the list of `k` in `m`. */
function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
}

function podIndex(pods: readonly PlanPod[]): PodIndex {
    let ix = podIndexes.get(pods);
    if (!ix) {
        ix = { byNamespace: new Map(), byLabel: new Map(), matches: new Map() };
        for (const p of pods) {
            push(ix.byNamespace, p.namespace, p);
            for (const [k, v] of Object.entries(p.labels)) push(ix.byLabel, `${p.namespace}\0${k}\0${v}`, p);
        }
        podIndexes.set(pods, ix);
    }
    return ix;
}

/** The plan's pods `ref` selects (in plan order), whoever creates them. */
function podsMatching(w: World, ref: PodRef): PlanPod[] {
    const ix = podIndex(w.pods);
    const key = JSON.stringify([ref.namespace, ref.labels, ref.labelKeys ?? []]);
    let found = ix.matches.get(key);
    if (!found) {
        // The fewest candidates: the pods of the ref's rarest label, else of its namespace.
        let candidates = ix.byNamespace.get(ref.namespace) ?? [];
        for (const [k, v] of Object.entries(ref.labels)) {
            const withLabel = ix.byLabel.get(`${ref.namespace}\0${k}\0${v}`) ?? [];
            if (withLabel.length < candidates.length) candidates = withLabel;
        }
        found = candidates.filter((p) => podMatches(p, ref));
        ix.matches.set(key, found);
    }
    return found;
}

export function podsOfRef(w: World, ref: PodRef): PlanPod[] | undefined {
    return fromPlan(w, ref) ? podsMatching(w, ref) : undefined;
}

/** The endpoints of a peer: a hostNetwork pod is its nodes' addresses. */
function endpointsOf(w: World, peer: Peer): Endpoint[] {
    if (peer.kind === "pods" && peer.hostNetwork) return peerEndpoints({ kind: "node" }, w.network, () => []).map((e) => ({ ...e, name: `${peer.namespace}/${peer.name} (hostNetwork, ${(e as { ip: string }).ip})` }));
    return peerEndpoints(peer, w.network, (ref) => podsOfRef(w, ref) ?? [synthesisedPod(ref, w.contracts.flatMap((c) => c.listeners))]);
}

function checkPodRefs(w: World, system: string, peers: Peer[], out: Finding[]): void {
    const refs = new Map<string, PodRef>();
    for (const p of peers) if (p.kind === "pods" && fromPlan(w, p)) refs.set(JSON.stringify([p.namespace, p.labels, p.labelKeys ?? []]), p);
    for (const ref of refs.values()) {
        if ((podsOfRef(w, ref) ?? []).length === 0) {
            out.push(finding(system, `pods/${ref.name}`, `the contract's pods ${ref.namespace}/${ref.name} (labels ${JSON.stringify(ref.labels)}) are the program's, but no pod template of the plan is in namespace ${ref.namespace} with those labels: the contract or the program is wrong, and every fact about these pods goes unchecked`));
        }
    }
}

function finding(system: string, fact: string, message: string): Finding {
    return { level: "mandatory", rule: RULE, subject: `${system}/${fact}`, message };
}

// ---------------------------------------------------------------------------------------------
// Flows

function outsideCluster(p: Peer): boolean {
    return p.kind === "external" || p.kind === "anywhere";
}

/** Every (source, destination) pair of a flow and the flow's ports each pair does not get. */
function blockedPairs(w: World, from: Peer, to: Peer, ports: Flow["ports"], protocol: string): { src: Endpoint; dst: Endpoint; missing: ReturnType<typeof portSpecRanges>; why: string }[] {
    const want = portSpecRanges(ports);
    const out: { src: Endpoint; dst: Endpoint; missing: ReturnType<typeof portSpecRanges>; why: string }[] = [];
    for (const src of endpointsOf(w, from)) {
        for (const dst of endpointsOf(w, to)) {
            const v = allowedPorts(w.cluster, src, dst, protocol);
            const missing = subtractRanges(want, v.ports);
            if (missing.length === 0) continue;
            const why = [
                v.egress.isolated && subtractRanges(want, v.egress.ports).length > 0 ? `${endpointName(src)}'s egress is isolated and ${v.egress.policies.length > 0 ? `its allows (${v.egress.policies.join(", ")}) reach ${endpointName(dst)} only on ${formatRanges(v.egress.ports) || "no port"}` : `no allow reaches ${endpointName(dst)}`}` : "",
                v.ingress.isolated && subtractRanges(want, v.ingress.ports).length > 0 ? `${endpointName(dst)}'s ingress is isolated and ${v.ingress.policies.length > 0 ? `its allows (${v.ingress.policies.join(", ")}) admit ${endpointName(src)} only on ${formatRanges(v.ingress.ports) || "no port"}` : `no allow admits ${endpointName(src)}`}` : "",
            ].filter(Boolean);
            out.push({ src, dst, missing, why: why.join("; ") });
        }
    }
    return out;
}

function checkFlows(w: World, c: SystemContract, out: Finding[]): void {
    for (const f of c.flows) {
        if (outsideCluster(f.from) && outsideCluster(f.to)) continue;
        // A kubelet probes the pods of its own node, which NetworkPolicy always admits.
        if (f.from.kind === "kubelet" && f.to.kind === "pods") continue;
        const blocked = blockedPairs(w, f.from, f.to, f.ports, f.protocol ?? "TCP");
        if (blocked.length === 0) continue;
        const pairs = blocked.slice(0, 3).map((b) => `${endpointName(b.src)} -> ${endpointName(b.dst)} ${f.protocol ?? "TCP"} ${formatRanges(b.missing)} denied (${b.why})`);
        out.push(finding(c.system, `flow/${f.id}`, `flow ${peerName(f.from)} -> ${peerName(f.to)} is denied by the NetworkPolicies, so this breaks: ${f.why}. ${pairs.join("; ")}${blocked.length > 3 ? `; and ${blocked.length - 3} more pairs` : ""}${cite(f.source)}`));
    }
}

function checkDenied(w: World, out: Finding[]): void {
    for (const d of w.denied) {
        if (d.decidedByChart && !w.renderedCharts.has(d.decidedByChart)) continue;
        const want = portSpecRanges(d.ports);
        const leaks: string[] = [];
        for (const src of endpointsOf(w, d.from)) {
            for (const dst of endpointsOf(w, d.to)) {
                const v = allowedPorts(w.cluster, src, dst, d.protocol ?? "TCP");
                const open = intersectRanges(want, v.ports);
                if (open.length > 0) leaks.push(`${endpointName(src)} -> ${endpointName(dst)} ${d.protocol ?? "TCP"} ${formatRanges(open)} (${[v.egress.isolated ? `egress by ${v.egress.policies.join(", ")}` : "egress not isolated", v.ingress.isolated ? `ingress by ${v.ingress.policies.join(", ")}` : "ingress not isolated"].join(", ")})`);
            }
        }
        if (leaks.length > 0) out.push(finding("denied", `flow/${d.id}`, `no system needs ${peerName(d.from)} -> ${peerName(d.to)} (${d.why}), but the NetworkPolicies allow ${leaks.slice(0, 3).join("; ")}${leaks.length > 3 ? `; and ${leaks.length - 3} more pairs` : ""}${cite(d.source)}`));
    }
}

/** Resources of each system (by its components), and who waits for whom (transitively). */
function checkWaits(w: World, out: Finding[]): void {
    const byUrn = new Map(w.resources.map((r) => [r.urn, r]));
    const systemOf = new Map<string, string>();
    const componentSystem = new Map(registry.flatMap((r) => r.components.map((t): [string, string] => [t, r.system])));
    for (const r of w.resources) {
        for (let p: PlanResource | undefined = r; p; p = p.parent ? byUrn.get(p.parent) : undefined) {
            const s = componentSystem.get(p.type);
            if (s) {
                systemOf.set(r.urn, s);
                break;
            }
        }
    }
    const reach = new Map<string, Set<string>>();
    const waitsFor = (urn: string, seen = new Set<string>()): Set<string> => {
        const known = reach.get(urn);
        if (known) return known;
        const all = new Set<string>();
        seen.add(urn);
        for (const d of byUrn.get(urn)?.dependsOn ?? []) {
            if (seen.has(d)) continue;
            all.add(d);
            for (const x of waitsFor(d, seen)) all.add(x);
        }
        reach.set(urn, all);
        return all;
    };
    for (const d of w.waits) {
        const via: string[] = [];
        for (const r of w.resources) {
            if (systemOf.get(r.urn) !== d.from) continue;
            const hit = [...waitsFor(r.urn)].find((x) => systemOf.get(x) === d.to);
            if (hit) via.push(`${r.type.split(":").pop()} ${r.name} waits for ${byUrn.get(hit)?.type.split(":").pop()} ${byUrn.get(hit)?.name}`);
        }
        if (via.length > 0) out.push(finding("denied", `wait/${d.id}`, `${d.from} waits for ${d.to} at deploy time, but it never uses it at run time (${d.why}): ${via.slice(0, 3).join("; ")}${via.length > 3 ? `; and ${via.length - 3} more` : ""}${cite(d.source)}`));
    }
}

// ---------------------------------------------------------------------------------------------
// Listeners

interface PortNeed {
    container: string | undefined;
    port: number;
    what: string;
}

function resolvePort(spec: any, container: any | undefined, port: unknown): { container: string | undefined; port: number } | undefined {
    if (typeof port === "number") return { container: container?.name, port };
    if (typeof port === "string" && /^\d+$/.test(port)) return { container: container?.name, port: Number(port) };
    if (typeof port !== "string") return undefined;
    for (const c of container ? [container] : (spec.containers ?? [])) {
        const named = (c.ports ?? []).find((p: any) => p.name === port);
        if (named) return { container: c.name, port: named.containerPort };
    }
    return undefined;
}

/** The ports a pod must have listeners on: its port probes and the target ports of the Services selecting it. */
function portNeeds(w: World, pod: PlanPod): PortNeed[] {
    const needs: PortNeed[] = [];
    for (const c of pod.spec.containers ?? []) {
        for (const kind of ["readinessProbe", "livenessProbe", "startupProbe"]) {
            const p = c[kind];
            const raw = p?.httpGet?.port ?? p?.tcpSocket?.port ?? p?.grpc?.port;
            if (raw === undefined) continue;
            const r = resolvePort(pod.spec, c, raw);
            needs.push(r ? { container: c.name, port: r.port, what: `${kind} ${p.httpGet ? "httpGet" : p.tcpSocket ? "tcpSocket" : "grpc"} ${raw}` } : { container: c.name, port: -1, what: `${kind} on port ${raw}, which no container port of ${c.name} is named` });
        }
    }
    for (const s of w.services) {
        const sel = s.spec?.selector;
        if ((s.metadata?.namespace ?? "default") !== pod.namespace || !sel || Object.keys(sel).length === 0) continue;
        if (!Object.entries(sel).every(([k, v]) => pod.labels[k] === v)) continue;
        for (const sp of s.spec?.ports ?? []) {
            const raw = sp.targetPort ?? sp.port;
            const r = resolvePort(pod.spec, undefined, raw);
            const what = `Service ${s.metadata?.name} port ${sp.port}${sp.name ? ` (${sp.name})` : ""} -> ${raw}`;
            if (!r) needs.push({ container: undefined, port: -1, what: `${what}, which no container port is named` });
            else {
                // A numeric target port belongs to the container that declares it, or to the only container.
                const containers = pod.spec.containers ?? [];
                const owner = r.container ?? containers.find((c: any) => (c.ports ?? []).some((p: any) => p.containerPort === r.port))?.name ?? (containers.length === 1 ? containers[0].name : undefined);
                needs.push({ container: owner, port: r.port, what });
            }
        }
    }
    return needs;
}

function checkListeners(w: World, out: Finding[]): void {
    const all: { system: string; l: Listener }[] = w.contracts.flatMap((c) => c.listeners.map((l) => ({ system: c.system, l })));
    // Each pod's listeners, and the systems whose contracts name it (in the contracts' order).
    const listenersOf = new Map<PlanPod, { system: string; l: Listener }[]>();
    for (const x of all) for (const pod of podsMatching(w, x.l.pod)) push(listenersOf, pod, x);
    const systemsOf = new Map<PlanPod, Set<string>>();
    for (const c of w.contracts) {
        const refs = [...c.flows.flatMap((f) => [f.from, f.to]), ...c.listeners.map((l) => l.pod), ...c.writes.map((x) => x.pod)];
        for (const ref of refs) {
            if (ref.kind !== "pods") continue;
            for (const pod of podsMatching(w, ref)) {
                const set = systemsOf.get(pod) ?? new Set<string>();
                set.add(c.system);
                systemsOf.set(pod, set);
            }
        }
    }
    // Program workloads: every probe and Service port is a contract listener of that container.
    for (const pod of w.pods.filter((p) => p.createdBy === "program" || w.renderedCharts.has(p.createdBy.chart))) {
        const mine = listenersOf.get(pod) ?? [];
        const systems = systemsOf.get(pod) ?? new Set<string>();
        const system = [...systems][0] ?? "unknown";
        const silent = new Map<string, { system: string; needs: PortNeed[]; listening: number[]; source: Source | Source[] }>();
        for (const need of portNeeds(w, pod)) {
            if (need.port < 0) {
                out.push(finding(system, `listener/${pod.workload.split(" ")[1]}/${need.container ?? "?"}`, `${pod.workload}: ${need.what}: the probe or Service reaches nothing`));
                continue;
            }
            const ofContainer = mine.filter((x) => need.container === undefined || x.l.container === need.container);
            if (ofContainer.length === 0) {
                const key = `unlisted ${need.container ?? ""}`;
                const entry = silent.get(key) ?? { system, needs: [], listening: [], source: [] };
                entry.needs.push(need);
                silent.set(key, entry);
            } else if (!ofContainer.some((x) => x.l.port === need.port)) {
                const key = need.container ?? "";
                const entry = silent.get(key) ?? { system: ofContainer[0].system, needs: [], listening: [...new Set(ofContainer.map((x) => x.l.port))], source: ofContainer[0].l.source };
                entry.needs.push(need);
                silent.set(key, entry);
            }
        }
        // Ports nothing listens on, one finding per container.
        for (const [key, e] of silent) {
            const ports = [...new Set(e.needs.map((n) => n.port))];
            if (key.startsWith("unlisted ")) {
                const container = key.slice("unlisted ".length);
                out.push(finding(e.system, `listener/${pod.workload.split(" ")[1]}/${container || "?"}`, `${pod.workload}: ${e.needs.map((n) => n.what).join("; ")} target ${container ? `container ${container}` : "the pod"} on ${formatRanges(portSpecRanges(ports))}, but no contract lists the listeners of ${container ? "that container" : "this pod"}${systems.size === 0 ? " (no contract describes this workload)" : ""}: add them to the system's contract, read from the program's source`));
                continue;
            }
            const container = key;
            out.push(finding(e.system, `listener/${pod.workload.split(" ")[1]}/${container || "?"}`, `${pod.workload}${container ? ` container ${container}` : ""}: nothing listens on ${formatRanges(portSpecRanges(ports))} (the contract's listeners there: ${e.listening.join(", ")}), yet ${e.needs.slice(0, 4).map((n) => n.what).join("; ")}${e.needs.length > 4 ? `; and ${e.needs.length - 4} more` : ""} target them: probes fail, Services send clients nowhere${cite(e.source)}`));
        }
    }
    // Every listener named by a Service or a probe has one (for pods the plan holds).
    for (const { system, l } of all) {
        const pods = podsOfRef(w, l.pod);
        if (!pods || pods.length === 0) continue;
        for (const by of l.namedBy.filter((x) => x === "service" || x === "probe")) {
            const named = pods.some((pod) => portNeeds(w, pod).some((n) => n.port === l.port && (n.container === undefined || n.container === l.container) && (by === "service" ? n.what.startsWith("Service ") : !n.what.startsWith("Service "))));
            if (!named) out.push(finding(system, `listener/${l.pod.name}/${l.container}:${l.port}`, `${l.pod.namespace}/${l.pod.name} container ${l.container} listens on ${l.port} (${l.why}), which the contract says a ${by} must name, but no ${by === "service" ? "Service of the plan targets" : "probe of that container checks"} it${cite(l.source)}`));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writes

/** Whether `p` is `dir` or below it. */
export function under(p: string, dir: string): boolean {
    const a = p.replace(/\/+$/, "") || "/";
    const b = dir.replace(/\/+$/, "") || "/";
    return a === b || b === "/" || a.startsWith(`${b}/`);
}

/** The user a container runs as: a number, or undefined for the image's user. */
function runAs(spec: any, c: any): { uid: number | undefined; nonRoot: boolean } {
    const uid = c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
    const nonRoot = c.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot ?? false;
    return { uid, nonRoot: uid !== undefined ? uid !== 0 : nonRoot };
}

/** Why `path` is not writable by container `c` of `pod`, or undefined when it is. */
export function notWritable(pod: { spec: any }, c: any, p: string, kindMounts: readonly string[] = []): string | undefined {
    const spec = pod.spec;
    const user = runAs(spec, c);
    const who = user.uid !== undefined ? `UID ${user.uid}` : user.nonRoot ? "a non-root image user" : "the image's user";
    const mount = (c.volumeMounts ?? []).filter((m: any) => under(p, m.mountPath)).sort((a: any, b: any) => b.mountPath.length - a.mountPath.length)[0];
    if (!mount) {
        if (c.securityContext?.readOnlyRootFilesystem === true) return `${p} is on no volume and the root filesystem is read-only`;
        if (user.nonRoot && !under(p, "/tmp")) return `${p} is on no volume: on the image's filesystem only root can write outside /tmp, and the container runs as ${who}`;
        return undefined;
    }
    if (mount.readOnly) return `${p} is on volume ${mount.name}, mounted read-only at ${mount.mountPath}`;
    const vol = (spec.volumes ?? []).find((v: any) => v.name === mount.name);
    if (!vol) return `${p} is on volume mount ${mount.name}, which the pod does not define`;
    if (vol.configMap || vol.secret || vol.downwardAPI || vol.projected) return `${p} is on volume ${mount.name} (${Object.keys(vol).filter((k) => k !== "name")[0]}), which is always read-only`;
    if (vol.hostPath) {
        if (!user.nonRoot) return undefined;
        const hp = vol.hostPath;
        // Something that makes the directory writable: a root init container that chowns or chmods it.
        const fixer = (spec.initContainers ?? []).find((ic: any) => !runAs(spec, ic).nonRoot && (ic.volumeMounts ?? []).some((m: any) => m.name === mount.name) && /\b(chown|chmod)\b/.test(JSON.stringify([ic.command, ic.args])));
        if (fixer) return undefined;
        // A host folder the kind config mounts into the nodes keeps its owner from the host (the contract documents it).
        if (kindMounts.some((k) => under(hp.path, k))) return undefined;
        const made = hp.type === "DirectoryOrCreate" ? "which the kubelet creates root:root 0755 when it is missing" : "which must already exist on the node, owned by root unless someone prepared it (no kind mount of kind/cluster.yaml documents its owner, no root init container chowns it)";
        return `${p} is on hostPath ${hp.path} (type ${hp.type || "unset"}), ${made}; fsGroup does not apply to hostPath volumes, so ${who} cannot write it`;
    }
    return undefined;
}

function checkWrites(w: World, c: SystemContract, out: Finding[]): void {
    const kindMounts = (w.kindNodes ?? []).flatMap((n) => (n.extraMounts ?? []).map((m) => m.containerPath ?? "")).filter(Boolean);
    for (const x of c.writes) {
        let pods = podsOfRef(w, x.pod);
        if (!pods) continue;
        const hasContainer = (pod: PlanPod) => [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].some((k: any) => k.name === x.container);
        // A PodRef without labels (a chart's hook Jobs, whose pods carry none) selects every pod of its
        // namespace: it means the rendered pods that run the named container.
        if (Object.keys(x.pod.labels).length === 0 && !(x.pod.labelKeys ?? []).length && pods.some(hasContainer)) pods = pods.filter(hasContainer);
        for (const pod of pods) {
            const ctr = [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])].find((k: any) => k.name === x.container);
            const fact = `write/${x.pod.name}/${x.container}:${x.path}`;
            if (!ctr) {
                out.push(finding(c.system, fact, `${pod.workload} has no container ${x.container}, which the contract says writes ${x.path}: the contract or the program is wrong`));
                continue;
            }
            const why = notWritable(pod, ctr, x.path, kindMounts);
            if (why) out.push(finding(c.system, fact, `${pod.workload} container ${x.container} writes ${x.path} (${x.why}), but ${why}${cite(x.source)}`));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Accepts

type Scalar = string | number | boolean;

/** Whether a string in `accepted`/`rejected` is a description rather than a value. */
export function isDescription(v: Scalar): boolean {
    return typeof v === "string" && /\s/.test(v);
}

/** `<x>` one or more characters, `…` anything, `[...]` optional: a string pattern of the lists. */
export function isPattern(v: Scalar): v is string {
    return typeof v === "string" && !isDescription(v) && /<[^>]*>|…/.test(v);
}

function patternRegex(p: string): RegExp {
    let re = "";
    for (let i = 0; i < p.length; i++) {
        const ch = p[i];
        if (ch === "<") {
            const end = p.indexOf(">", i);
            re += ".+";
            i = end < 0 ? p.length : end;
        } else if (ch === "…") re += ".*";
        else if (ch === "[") re += "(?:";
        else if (ch === "]") re += ")?";
        else re += ch.replace(/[.*+?^${}()|\\/]/g, "\\$&");
    }
    return new RegExp(`^${re}$`);
}

/** Whether a config value is the list entry `a` (numbers and numeric strings compare by text). */
export function valueMatches(a: Scalar, v: Scalar): boolean {
    if (isDescription(a)) return false;
    if (isPattern(a)) return typeof v === "string" && patternRegex(a).test(v);
    if (typeof a === "boolean" || typeof v === "boolean") return a === v;
    return String(a) === String(v);
}

/** The value at a config path such as `nvflare.servers[0].flPort`; `found: false` for a path that is not one. */
export function valueAt(cfg: unknown, key: string): { found: boolean; value?: unknown } {
    if (!/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*|\[\d+\])*$/.test(key)) return { found: false };
    let v: unknown = cfg;
    for (const part of key.match(/[^.[\]]+/g) ?? []) {
        if (v === null || typeof v !== "object") return { found: true, value: undefined };
        v = (v as Record<string, unknown>)[part];
    }
    return { found: true, value: v };
}

export const SECRET_KEY = /^[a-z][A-Za-z0-9]*(ClientSecret|Password|Token)$/;

/** What is wrong with a value against an Accept (undefined when nothing is). */
export function acceptProblems(a: Accept, value: unknown): string[] {
    const problems: string[] = [];
    const accepted = (a.accepted ?? []).filter((x) => !isDescription(x));
    const rejected = (a.rejected ?? []).filter((x) => !isDescription(x));
    const isScalar = (v: unknown): v is Scalar => ["string", "number", "boolean"].includes(typeof v);
    const range = value && typeof value === "object" && !Array.isArray(value) && typeof (value as any).from === "number" && typeof (value as any).to === "number" ? (value as { from: number; to: number }) : undefined;
    if (range) {
        for (const r of rejected) if (typeof r === "number" && r >= range.from && r <= range.to) problems.push(`the range ${range.from}-${range.to} contains ${r}, which the program refuses`);
        return problems;
    }
    const values = isScalar(value) ? [value] : Array.isArray(value) && value.every(isScalar) ? (value as Scalar[]) : undefined;
    if (!values) return problems;
    for (const v of values) {
        const hit = rejected.find((x) => valueMatches(x, v));
        if (hit !== undefined) {
            problems.push(`${JSON.stringify(v)} is a value it refuses${isPattern(hit) ? ` (${hit})` : ""}`);
            continue;
        }
        if (accepted.length > 0 && !accepted.some((x) => valueMatches(x, v))) {
            const typed = accepted.some((x) => (typeof x === "boolean") === (typeof v === "boolean"));
            problems.push(typed ? `${JSON.stringify(v)} is not one of the values it accepts (${accepted.map((x) => JSON.stringify(x)).join(", ")})` : `the contract's accepted values (${accepted.map((x) => JSON.stringify(x)).join(", ")}) cannot be values of this key (${JSON.stringify(v)}): the contract is wrong`);
        }
    }
    return problems;
}

/** A plan object named `<Kind> <namespace>/<name>` or `<Kind> <name>` (Helm releases by their release name). */
export function planObject(resources: readonly PlanResource[], object: string): unknown {
    const m = /^(\S+) (?:([^/\s]+)\/)?(\S+)$/.exec(object);
    if (!m) return undefined;
    const [, kind, ns, name] = m;
    return resources.find((r) => {
        if (r.type.split(":").pop() !== kind) return false;
        const i = r.inputs as any;
        const meta = i?.metadata ?? {};
        const n = meta.name ?? i?.name;
        const rns = meta.namespace ?? i?.namespace;
        return n === name && (ns === undefined || rns === ns);
    })?.inputs;
}

/** The value at a path into an object, parsing YAML/JSON strings met on the way. */
export function valueAtPath(obj: unknown, p: readonly (string | number)[]): unknown {
    let v = obj;
    for (const part of p) {
        if (typeof v === "string") {
            try {
                v = parseYaml(v);
            } catch {
                return undefined;
            }
        }
        if (v === null || typeof v !== "object") return undefined;
        v = (v as Record<string, unknown>)[String(part)];
    }
    return v;
}

function checkAccepts(w: World, c: SystemContract, out: Finding[]): void {
    for (const a of c.accepts) {
        const fact = `accept/${a.key}`;
        const fail = (p: string) => out.push(finding(c.system, fact, `${a.key}: ${p}; it reaches ${a.reads}: ${a.why}${cite(a.source)}`));
        if (a.planValue) {
            const obj = planObject(w.resources, a.planValue.object);
            if (obj === undefined) {
                fail(`the plan has no ${a.planValue.object}, where the contract says the value reaches the program`);
                continue;
            }
            const v = valueAtPath(obj, a.planValue.path);
            const where = `${a.planValue.object} ${a.planValue.path.join(" > ")}`;
            if (v === undefined) {
                if ((a.rejected ?? []).includes("") || (a.accepted ?? []).length > 0) fail(`the program does not write ${where}${(a.accepted ?? []).length > 0 ? `; it must be one of ${(a.accepted ?? []).map((x) => JSON.stringify(x)).join(", ")}` : ""}`);
                continue;
            }
            for (const p of acceptProblems(a, v)) fail(`${where}: ${p}`);
            continue;
        }
        if (SECRET_KEY.test(a.key)) {
            const spec = secretSpecs.find((s) => s.key === a.key);
            const refusesEmpty = (a.rejected ?? []).includes("");
            if (!spec) fail(`the program reads this user secret, but the config declares no such secret (a SecretSpec in config/), so it can never be set`);
            else if (refusesEmpty && !spec.requiredWhen(w.cfg as any)) fail(`the program refuses it empty, but the config does not require it while ${c.system} is enabled`);
            continue;
        }
        const at = valueAt(w.cfg, a.key);
        if (!at.found) continue;
        for (const p of acceptProblems(a, at.value)) fail(p);
    }
}

// ---------------------------------------------------------------------------------------------
// Host facts

/** The paths a systemd unit's sandboxing makes read-only or writable (longest prefix wins). */
export function unitPathRules(unit: string): { path: string; writable: boolean; why: string }[] {
    const service: Record<string, string[]> = {};
    let section = "";
    for (const raw of unit.split("\n")) {
        const line = raw.trim();
        if (!line || line.startsWith("#") || line.startsWith(";")) continue;
        const sec = /^\[(.+)\]$/.exec(line);
        if (sec) {
            section = sec[1];
            continue;
        }
        const kv = /^([A-Za-z]+)\s*=\s*(.*)$/.exec(line);
        if (!kv || section !== "Service") continue;
        if (kv[2] === "") service[kv[1]] = [];
        else (service[kv[1]] ??= []).push(...kv[2].split(/\s+/));
    }
    const rules: { path: string; writable: boolean; why: string }[] = [];
    const ps = (service.ProtectSystem ?? []).at(-1) ?? "no";
    const ro = (paths: string[], why: string) => paths.forEach((p) => rules.push({ path: p, writable: false, why }));
    if (["yes", "true", "on", "1", "full", "strict"].includes(ps)) ro(["/usr", "/boot", "/efi"], `ProtectSystem=${ps}`);
    if (ps === "full" || ps === "strict") ro(["/etc"], `ProtectSystem=${ps}`);
    if (ps === "strict") {
        ro(["/"], "ProtectSystem=strict");
        for (const p of ["/dev", "/proc", "/sys"]) rules.push({ path: p, writable: true, why: "API filesystem" });
    }
    const ph = (service.ProtectHome ?? []).at(-1);
    if (ph && ["yes", "true", "read-only"].includes(ph)) ro(["/home", "/root", "/run/user"], `ProtectHome=${ph}`);
    ro((service.ReadOnlyPaths ?? []).map((p) => p.replace(/^[-+]+/, "")), "ReadOnlyPaths=");
    ro((service.InaccessiblePaths ?? []).map((p) => p.replace(/^[-+]+/, "")), "InaccessiblePaths=");
    for (const p of service.ReadWritePaths ?? []) rules.push({ path: p.replace(/^[-+]+/, ""), writable: true, why: "ReadWritePaths=" });
    const dirs: Record<string, string> = { StateDirectory: "/var/lib", CacheDirectory: "/var/cache", LogsDirectory: "/var/log", RuntimeDirectory: "/run" };
    for (const [k, base] of Object.entries(dirs)) for (const d of service[k] ?? []) rules.push({ path: `${base}/${d.split(":")[0]}`, writable: true, why: `${k}=` });
    return rules;
}

/** Why a unit cannot write `p`, or undefined when its sandboxing lets it. */
export function unitCannotWrite(unit: string, p: string): string | undefined {
    const rule = unitPathRules(unit)
        .filter((r) => under(p, r.path))
        .sort((a, b) => b.path.length - a.path.length)[0];
    return rule && !rule.writable ? `${rule.why} makes ${rule.path} read-only for the service` : undefined;
}

/** The unit's `IPAddressAllow=`/`IPAddressDeny=` (all assignments, an empty one resets). */
export function unitIpAccess(unit: string): { allow: string[]; deny: string[] } {
    const out = { allow: [] as string[], deny: [] as string[] };
    for (const raw of unit.split("\n")) {
        const kv = /^\s*IPAddress(Allow|Deny)\s*=\s*(.*)$/.exec(raw);
        if (!kv) continue;
        const list = kv[1] === "Allow" ? out.allow : out.deny;
        if (kv[2].trim() === "") list.length = 0;
        else list.push(...kv[2].trim().split(/\s+/));
    }
    return out;
}

const LOCALHOST = ["localhost", "127.0.0.0/8", "::1/128", "::1", "127.0.0.1"];

function ipSet(list: string[]): Set<string> {
    return new Set(list.map((x) => (LOCALHOST.includes(x) ? "localhost" : x === "0.0.0.0/0" || x === "::/0" ? "any" : x)));
}

function checkHostFacts(w: World, c: SystemContract, out: Finding[]): void {
    for (const h of c.hostFacts) {
        const fact = `host/${h.id}`;
        const fail = (m: string) => out.push(finding(c.system, fact, `${m}${cite(h.source)}`));
        if (h.kind === "kindMount" || h.kind === "kindPortMapping") {
            if (w.cfg.kubernetes.distribution !== "kind") continue;
            if (!w.kindNodes) {
                fail(`kind/cluster.yaml is missing, so ${h.kind === "kindMount" ? `the mount of ${h.hostPath}` : `the port mapping of ${h.containerPort}`} cannot be there: ${h.why}`);
                continue;
            }
            if (h.kind === "kindMount") checkKindMount(w.kindNodes, h, fail);
            else if (!w.kindNodes.some((n) => (n.extraPortMappings ?? []).some((m) => m.containerPort === h.containerPort))) fail(`no node of kind/cluster.yaml maps container port ${h.containerPort} to the host (extraPortMappings), so this breaks: ${h.why}`);
        } else {
            if (!w.hostFiles) {
                fail(`the plan has no stack output interlinkHostFiles, so the unit ${h.unit} cannot be checked: ${h.why}`);
                continue;
            }
            const unitFile = Object.keys(w.hostFiles).find((f) => path.posix.basename(f) === h.unit);
            if (!unitFile) {
                fail(`the host files the program writes have no unit ${h.unit}: ${h.why}`);
                continue;
            }
            const text = w.hostFiles[unitFile];
            if (h.kind === "unitWritablePath") {
                const why = unitCannotWrite(text, h.path);
                if (why) fail(`${h.unit} cannot write ${h.path}: ${why}, so this breaks: ${h.why}`);
            } else {
                const acl = unitIpAccess(text);
                const want = ipSet(h.allowOnly.split(/[\s,]+/).filter(Boolean));
                const allow = ipSet(acl.allow);
                const denyAll = ipSet(acl.deny).has("any");
                const exact = allow.size === want.size && [...want].every((x) => allow.has(x));
                if (!denyAll || !exact) fail(`${h.unit} listens on port ${h.port} on every interface; its unit must set IPAddressDeny=any and IPAddressAllow=${h.allowOnly} (it has IPAddressDeny=${acl.deny.join(" ") || "(none)"}, IPAddressAllow=${acl.allow.join(" ") || "(none)"}): ${h.why}`);
            }
        }
    }
}

function checkKindMount(nodes: KindNode[], h: Extract<HostFact, { kind: "kindMount" }>, fail: (m: string) => void): void {
    const workers = nodes.filter((n) => n.role === "worker");
    const schedulable = workers.length > 0 ? workers : nodes;
    const hostFolders = new Set<string>();
    const missing: string[] = [];
    schedulable.forEach((n, i) => {
        const m = (n.extraMounts ?? []).filter((x) => x.containerPath && under(h.hostPath, x.containerPath)).sort((a, b) => b.containerPath!.length - a.containerPath!.length)[0];
        if (!m) missing.push(`${n.role} #${i + 1}`);
        else hostFolders.add(`${m.hostPath}${h.hostPath.slice(m.containerPath!.replace(/\/+$/, "").length)}`);
    });
    if (missing.length > 0) fail(`${missing.length} of the ${schedulable.length} kind nodes that can run the pods (${missing.join(", ")}) have no extraMounts entry for ${h.hostPath} in kind/cluster.yaml, so this breaks: ${h.why}`);
    else if (hostFolders.size > 1) fail(`the kind nodes mount different host folders at ${h.hostPath} (${[...hostFolders].join(", ")}): ${h.why}`);
}

// ---------------------------------------------------------------------------------------------

/** Every finding of the contracts against a world (a plan's). */
export function contractFindings(w: World): Finding[] {
    const out: Finding[] = [];
    for (const c of w.contracts) {
        checkPodRefs(w, c.system, [...c.flows.flatMap((f) => [f.from, f.to]), ...c.listeners.map((l) => l.pod), ...c.writes.map((x) => x.pod)], out);
        checkFlows(w, c, out);
        checkWrites(w, c, out);
        checkAccepts(w, c, out);
        checkHostFacts(w, c, out);
    }
    checkListeners(w, out);
    checkPodRefs(w, "denied", w.denied.flatMap((d) => [d.from, d.to]), out);
    checkDenied(w, out);
    checkWaits(w, out);
    return out;
}

export const contractsCheck: PlanCheck = {
    name: "runtime-contracts",
    run(plan: Plan): Finding[] {
        const w = worldOf(plan);
        return w ? contractFindings(w) : [];
    },
};
