/**
 * Scheduling sanity: can the pods the plan deploys be placed on the cluster's nodes at all?
 *
 * Only where the plan knows the nodes: a stack with `kubernetes.distribution: kind` runs on the
 * cluster `kind/cluster.yaml` creates (`npm run kind:up`), whose node list (roles, count, labels)
 * is read from that file. Another cluster's nodes are not known offline: the check then says so in
 * one advisory finding and checks nothing else.
 *
 * The model, as kube-scheduler filters (requests, not limits):
 *   - nodes: kind names them `<cluster>-control-plane`, `<cluster>-worker`, `<cluster>-worker2`...
 *     with the labels kubeadm and kind set (`kubernetes.io/hostname`, `kubernetes.io/os=linux`,
 *     `node-role.kubernetes.io/control-plane` on the control plane) plus the node's `labels:`.
 *     The control plane keeps kubeadm's `node-role.kubernetes.io/control-plane:NoSchedule` taint
 *     when the cluster has workers (kind removes it only on a one-node cluster:
 *     kubernetes-sigs/kind v0.29.0, 200b3aa, `pkg/cluster/internal/create/actions/kubeadminit/init.go` 124-150).
 *   - what a node offers: kind nodes are containers on one Docker host, and every node reports the
 *     host's (the Docker VM's) CPUs and memory as its capacity, minus nothing (kind sets no
 *     reservations; `pkg/cluster/internal/kubeadm/config.go` 288-291 only turns off disk eviction).
 *     The assumption is `KIND_NODE_ASSUMPTION` (what the README asks Docker to have), or
 *     `KIND_NODE_CPU` / `KIND_NODE_MEMORY` (e.g. `6`, `12Gi`) for your Docker's.
 *   - what is already there: kind's and kubeadm's own pods (`KIND_SYSTEM_PODS`).
 *   - each pod's request: the sum of its containers' (and sidecar init containers') requests, or
 *     the largest init container's if larger; a request left unset is the limit when one is set.
 *   - filters: taints and tolerations, `nodeSelector`, required node affinity (In, NotIn, Exists,
 *     DoesNotExist), required pod anti-affinity on `kubernetes.io/hostname` (one per node), host
 *     ports, and room for the request.
 *   - placement: DaemonSets on every node they may run on; then the other pods, largest first,
 *     each on the feasible node with the least requested (kube-scheduler's default
 *     `LeastAllocated` scoring); Jobs last, each where it fits while the rest run (they finish).
 *
 * Mandatory: a pod no node can take (with the reason). Advisory: the pods together request more
 * than the one Docker host all kind nodes share (the scheduler would place them, since each node
 * reports the whole host, and the laptop would be overcommitted).
 *
 * Pods created at run time (notebook kernels, JupyterHub's user servers) are not in the plan. Chart
 * pods are counted when the plan has the charts rendered (`plan.charts`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { isKubernetesObject, kindOf } from "../../policy/rules";
import { allContainers, isSidecar, podTemplate } from "../../policy/rules/pods";
import { findProjectDir } from "../../program/projectDir";
import type { Finding, Manifest, Plan, PlanCheck } from "../plan-engine/types";
import { ownGuardResources } from "./policyCheck";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Resources {
    /** CPU in millicores. */
    cpu: number;
    /** Memory in bytes. */
    memory: number;
}

export interface Taint {
    key: string;
    value?: string;
    effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface NodeSpec {
    name: string;
    role: "control-plane" | "worker";
    labels: Record<string, string>;
    taints: Taint[];
}

export interface NodeModel {
    /** Where the node list comes from, for messages (e.g. `kind/cluster.yaml`). */
    source: string;
    nodes: NodeSpec[];
    /** What each node offers to pods. */
    allocatable: Resources;
    /** Where `allocatable` comes from, for messages. */
    allocatableFrom: string;
    /** Every node shares one host of `allocatable` (kind): the pods together must fit it too. */
    sharedHost: boolean;
    /** Pods the cluster runs before the platform's (placed first). */
    system: PodDemand[];
}

export interface PodDemand {
    /** `Kind namespace/name`, e.g. `StatefulSet distributed-notebook-daemons/local-daemon`. */
    owner: string;
    namespace: string;
    /** How many pods (replicas); a DaemonSet's is per node. */
    count: number;
    daemon: boolean;
    /** Runs to completion (a Job): needs room only while it runs. */
    transient: boolean;
    request: Resources;
    labels: Record<string, string>;
    nodeSelector: Record<string, string>;
    /** Required node affinity: any term must match, every expression of it. */
    nodeAffinity: { key: string; operator: string; values?: string[] }[][];
    tolerations: { key?: string; operator?: string; value?: string; effect?: string }[];
    /** Required pod anti-affinity on the node (kubernetes.io/hostname): label selectors. */
    antiAffinity: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] }[];
    hostPorts: number[];
}

export interface PlacedPod {
    owner: string;
    request: Resources;
}

export interface NodeLoad {
    node: NodeSpec;
    requested: Resources;
    pods: PlacedPod[];
}

export interface Unplaced {
    owner: string;
    /** How many of `count` pods could not be placed. */
    missing: number;
    count: number;
    why: string;
    transient: boolean;
}

export interface SchedulingReport {
    model: NodeModel;
    /** Per node, what the long-running pods request once placed (system pods included). */
    nodes: NodeLoad[];
    /** What the platform's pods (not the system ones) request in total, long-running only. */
    platform: Resources;
    /** Everything long-running, system pods included. */
    total: Resources;
    /** Jobs: their largest request (they run one after another or while the rest runs). */
    jobs: PlacedPod[];
    unplaced: Unplaced[];
}

// ---------------------------------------------------------------------------------------------
// Quantities

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`100m`, `1.5`, `512Mi`, `1G`, `1e3`) as a number of base units; undefined when it is not one. */
export function parseQuantity(q: unknown): number | undefined {
    if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
    if (typeof q !== "string") return undefined;
    const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei)|([eE][+-]?\d+)|(n|u|m|k|K|M|G|T|P|E)?)$/.exec(q.trim());
    if (!m) return undefined;
    const n = Number(m[1]);
    if (m[2]) return n * BINARY[m[2]];
    if (m[3]) return n * 10 ** Number(m[3].slice(1));
    return n * DECIMAL[m[4] ?? ""];
}

export const cpuMilli = (q: unknown): number => Math.round((parseQuantity(q) ?? 0) * 1000);
export const memoryBytes = (q: unknown): number => Math.round(parseQuantity(q) ?? 0);

export function formatCpu(milli: number): string {
    return milli % 1000 === 0 ? `${milli / 1000}` : `${(milli / 1000).toFixed(milli % 100 === 0 ? 1 : 2)}`;
}

export function formatMemory(bytes: number): string {
    if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
    return `${Math.round(bytes / 2 ** 20)} MiB`;
}

const add = (a: Resources, b: Resources): Resources => ({ cpu: a.cpu + b.cpu, memory: a.memory + b.memory });
const ZERO: Resources = { cpu: 0, memory: 0 };

// ---------------------------------------------------------------------------------------------
// The kind cluster's nodes

/**
 * What the README asks Docker to give the kind cluster (README, "After deploy": laptop
 * resources), and so what every kind node reports: all nodes share it.
 */
export const KIND_NODE_ASSUMPTION = { cpu: "8", memory: "16Gi" } as const;

/**
 * kind's and kubeadm's own pods with requests, on the nodes they run on:
 *   - kindnet (DaemonSet, every node, tolerates every taint): 100m / 50Mi
 *     (kubernetes-sigs/kind v0.29.0, 200b3aa, `pkg/build/nodeimage/const_cni.go` 134-136);
 *   - the control plane's static pods: kube-apiserver 250m, kube-controller-manager 200m,
 *     kube-scheduler 100m, etcd 100m / 100Mi (kubernetes/kubernetes `cmd/kubeadm/app/phases/controlplane/manifests.go`,
 *     `staticpodutil.ComponentResources`; `cmd/kubeadm/app/phases/etcd/local.go`);
 *   - CoreDNS, 2 replicas tolerating the control-plane taint: 100m / 70Mi each
 *     (kubernetes/kubernetes 008b365, `cmd/kubeadm/app/phases/addons/dns/manifests.go`, `CoreDNSDeployment`).
 * kube-proxy and kind's local-path-provisioner request nothing.
 */
export const KIND_SYSTEM_PODS: readonly Omit<PodDemand, "labels" | "nodeSelector" | "nodeAffinity" | "antiAffinity" | "hostPorts">[] = [
    { owner: "DaemonSet kube-system/kindnet", namespace: "kube-system", count: 1, daemon: true, transient: false, request: { cpu: 100, memory: 50 * 2 ** 20 }, tolerations: [{ operator: "Exists" }] },
    { owner: "Pod kube-system/kube-apiserver", namespace: "kube-system", count: 1, daemon: false, transient: false, request: { cpu: 250, memory: 0 }, tolerations: [{ operator: "Exists" }] },
    { owner: "Pod kube-system/kube-controller-manager", namespace: "kube-system", count: 1, daemon: false, transient: false, request: { cpu: 200, memory: 0 }, tolerations: [{ operator: "Exists" }] },
    { owner: "Pod kube-system/kube-scheduler", namespace: "kube-system", count: 1, daemon: false, transient: false, request: { cpu: 100, memory: 0 }, tolerations: [{ operator: "Exists" }] },
    { owner: "Pod kube-system/etcd", namespace: "kube-system", count: 1, daemon: false, transient: false, request: { cpu: 100, memory: 100 * 2 ** 20 }, tolerations: [{ operator: "Exists" }] },
    { owner: "Deployment kube-system/coredns", namespace: "kube-system", count: 2, daemon: false, transient: false, request: { cpu: 100, memory: 70 * 2 ** 20 }, tolerations: [{ key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" }] },
];

const CONTROL_PLANE_TAINT: Taint = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" };

/** The node list of a kind config file and what each node is assumed to offer. */
export function kindNodeModel(file: string = path.join(findProjectDir(__dirname), "kind", "cluster.yaml"), env: NodeJS.ProcessEnv = process.env): NodeModel {
    const cfg = parseYaml(fs.readFileSync(file, "utf8")) as { name?: string; nodes?: { role?: string; labels?: Record<string, string> }[] };
    const cluster = cfg.name ?? "kind";
    const declared = cfg.nodes && cfg.nodes.length > 0 ? cfg.nodes : [{ role: "control-plane" }];
    const workers = declared.filter((n) => n.role === "worker").length;
    let cp = 0;
    let w = 0;
    const nodes: NodeSpec[] = declared.map((n) => {
        const role = n.role === "worker" ? "worker" : "control-plane";
        // kind's node names: <cluster>-control-plane, -control-plane2...; <cluster>-worker, -worker2...
        const index = role === "worker" ? ++w : ++cp;
        const name = `${cluster}-${role}${index > 1 ? index : ""}`;
        const labels: Record<string, string> = { "kubernetes.io/hostname": name, "kubernetes.io/os": "linux", ...(n.labels ?? {}) };
        if (role === "control-plane") labels["node-role.kubernetes.io/control-plane"] = "";
        return { name, role, labels, taints: role === "control-plane" && workers > 0 ? [CONTROL_PLANE_TAINT] : [] };
    });
    const cpuGiven = env.KIND_NODE_CPU;
    const memoryGiven = env.KIND_NODE_MEMORY;
    const allocatable = { cpu: cpuMilli(cpuGiven ?? KIND_NODE_ASSUMPTION.cpu), memory: memoryBytes(memoryGiven ?? KIND_NODE_ASSUMPTION.memory) };
    const allocatableFrom =
        cpuGiven || memoryGiven
            ? `KIND_NODE_CPU=${cpuGiven ?? KIND_NODE_ASSUMPTION.cpu}, KIND_NODE_MEMORY=${memoryGiven ?? KIND_NODE_ASSUMPTION.memory}`
            : `the assumed Docker host of ${KIND_NODE_ASSUMPTION.cpu} CPUs and ${KIND_NODE_ASSUMPTION.memory} (set KIND_NODE_CPU / KIND_NODE_MEMORY to yours)`;
    if (!(allocatable.cpu > 0) || !(allocatable.memory > 0)) throw new Error(`KIND_NODE_CPU / KIND_NODE_MEMORY must be quantities such as 8 and 16Gi (got ${cpuGiven ?? "-"}, ${memoryGiven ?? "-"})`);
    const system: PodDemand[] = KIND_SYSTEM_PODS.map((p): PodDemand => ({
        ...p,
        labels: {},
        // The static pods live on the control plane.
        nodeSelector: p.owner.startsWith("Pod ") ? { "node-role.kubernetes.io/control-plane": "" } : ({} as Record<string, string>),
        nodeAffinity: [],
        antiAffinity: [],
        hostPorts: [],
    }));
    const relative = path.relative(findProjectDir(__dirname), file);
    return { source: relative && !relative.startsWith("..") ? relative : file, nodes, allocatable, allocatableFrom, sharedHost: true, system };
}

// ---------------------------------------------------------------------------------------------
// The plan's pods

function containerRequest(c: any): Resources {
    const requests = c?.resources?.requests ?? {};
    const limits = c?.resources?.limits ?? {};
    // A request left unset is defaulted to the limit.
    return { cpu: cpuMilli(requests.cpu ?? limits.cpu), memory: memoryBytes(requests.memory ?? limits.memory) };
}

/** A pod's effective request: its long-running containers', or its largest init container's if larger. */
export function podRequest(spec: any): Resources {
    let running = ZERO;
    let init = ZERO;
    for (const x of allContainers(spec)) {
        if (x.group === "ephemeralContainers") continue;
        const r = containerRequest(x.c);
        if (x.group === "containers" || isSidecar(x)) running = add(running, r);
        else init = { cpu: Math.max(init.cpu, r.cpu), memory: Math.max(init.memory, r.memory) };
    }
    return { cpu: Math.max(running.cpu, init.cpu), memory: Math.max(running.memory, init.memory) };
}

function demandOf(kind: string, manifest: any, fallbackName: string): PodDemand | undefined {
    const t = podTemplate({ urn: "", type: `kubernetes:x:${kind}`, name: fallbackName, props: manifest });
    if (!t) return undefined;
    const namespace = String(manifest?.metadata?.namespace ?? "default");
    const spec = t.spec ?? {};
    const daemon = kind === "DaemonSet";
    const transient = kind === "Job" || kind === "CronJob";
    let count = 1;
    if (!daemon && !transient && kind !== "Pod") count = typeof manifest?.spec?.replicas === "number" ? manifest.spec.replicas : 1;
    if (kind === "Job") count = typeof manifest?.spec?.parallelism === "number" ? manifest.spec.parallelism : 1;
    const anti = (spec.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as any[];
    return {
        owner: `${kind} ${namespace}/${manifest?.metadata?.name ?? fallbackName}`,
        namespace,
        count,
        daemon,
        transient,
        request: podRequest(spec),
        labels: t.labels,
        nodeSelector: spec.nodeSelector ?? {},
        nodeAffinity: ((spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as any[]).map((term) => (term?.matchExpressions ?? []) as PodDemand["nodeAffinity"][number]),
        tolerations: spec.tolerations ?? [],
        antiAffinity: anti.filter((a) => a?.topologyKey === "kubernetes.io/hostname").map((a) => a.labelSelector ?? {}),
        hostPorts: allContainers(spec).flatMap((x) => ((x.c.ports ?? []) as any[]).map((p) => p?.hostPort).filter((p): p is number => typeof p === "number")),
    };
}

/** Chart objects, when the plan has the charts rendered (a field the Helm rendering adds to the plan). */
function chartManifests(plan: Plan): { object: Manifest; hook?: string }[] {
    const charts = (plan as { charts?: { releases?: { objects?: { object: Manifest; hook?: string }[] }[] } }).charts;
    return (charts?.releases ?? []).flatMap((r) => r.objects ?? []);
}

/** Every pod the plan's workloads ask for: the program's own objects, then the charts' (when rendered). */
export function planPods(plan: Plan): PodDemand[] {
    const out: PodDemand[] = [];
    // The program's own objects here, the charts' below (with their hooks).
    for (const r of ownGuardResources(plan)) {
        if (!isKubernetesObject(r)) continue;
        const d = demandOf(kindOf(r), r.props, r.name);
        if (d) out.push(d);
    }
    for (const o of chartManifests(plan)) {
        if (typeof o.object?.kind !== "string") continue;
        // A hook (e.g. a pre-install Job) runs to completion like a Job.
        const d = demandOf(o.object.kind, o.object, String(o.object.metadata?.name ?? "?"));
        if (d) out.push(o.hook ? { ...d, transient: true } : d);
    }
    return out;
}

// ---------------------------------------------------------------------------------------------
// Placement

function tolerates(pod: PodDemand, taint: Taint): boolean {
    if (taint.effect === "PreferNoSchedule") return true;
    return pod.tolerations.some((t) => {
        if (t.effect && t.effect !== taint.effect) return false;
        if (t.operator === "Exists") return !t.key || t.key === taint.key;
        return t.key === taint.key && (t.value ?? "") === (taint.value ?? "");
    });
}

function labelsMatch(labels: Record<string, string>, want: Record<string, string>): boolean {
    return Object.entries(want).every(([k, v]) => {
        // The architecture of a kind node is the Docker host's, whatever it is.
        if (k === "kubernetes.io/arch" || k === "beta.kubernetes.io/arch") return true;
        return labels[k] === String(v);
    });
}

function expressionsMatch(labels: Record<string, string>, expressions: { key: string; operator: string; values?: string[] }[]): boolean {
    return expressions.every((e) => {
        if (e.key === "kubernetes.io/arch") return true;
        const has = e.key in labels;
        const values = (e.values ?? []).map(String);
        switch (e.operator) {
            case "In":
                return has && values.includes(labels[e.key]);
            case "NotIn":
                return !has || !values.includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return true;
        }
    });
}

interface Placed {
    pod: PodDemand;
    node: number;
}

/** Why `pod` cannot go on node `i` (undefined: it can). */
function misfit(pod: PodDemand, i: number, model: NodeModel, loads: NodeLoad[], placed: Placed[], room: Resources): string | undefined {
    const node = model.nodes[i];
    const taint = node.taints.find((t) => !tolerates(pod, t));
    if (taint) return `taint ${taint.key}:${taint.effect}`;
    if (!labelsMatch(node.labels, pod.nodeSelector)) return "nodeSelector";
    if (pod.nodeAffinity.length > 0 && !pod.nodeAffinity.some((term) => expressionsMatch(node.labels, term))) return "node affinity";
    const here = placed.filter((p) => p.node === i);
    for (const sel of pod.antiAffinity) {
        const match = (labels: Record<string, string>) => labelsMatch(labels, sel.matchLabels ?? {}) && expressionsMatch(labels, sel.matchExpressions ?? []);
        if (here.some((p) => p.pod.namespace === pod.namespace && match(p.pod.labels))) return "one per node (required pod anti-affinity on kubernetes.io/hostname)";
    }
    // The pods already there that would refuse this one (their own anti-affinity).
    for (const p of here) {
        if (p.pod.namespace !== pod.namespace) continue;
        if (p.pod.antiAffinity.some((sel) => labelsMatch(pod.labels, sel.matchLabels ?? {}) && expressionsMatch(pod.labels, sel.matchExpressions ?? []))) return `anti-affinity of ${p.pod.owner}`;
    }
    const ports = new Set(here.flatMap((p) => p.pod.hostPorts));
    const clash = pod.hostPorts.find((p) => ports.has(p));
    if (clash !== undefined) return `host port ${clash} taken`;
    const load = loads[i].requested;
    if (load.cpu + pod.request.cpu > room.cpu || load.memory + pod.request.memory > room.memory) return "room";
    return undefined;
}

/** Place every pod of the plan on the model's nodes, as kube-scheduler's filters and default scoring would. */
export function schedule(pods: readonly PodDemand[], model: NodeModel): SchedulingReport {
    const loads: NodeLoad[] = model.nodes.map((node) => ({ node, requested: ZERO, pods: [] }));
    const placed: Placed[] = [];
    const unplaced: Unplaced[] = [];
    const room = model.allocatable;
    const put = (pod: PodDemand, i: number) => {
        loads[i].requested = add(loads[i].requested, pod.request);
        loads[i].pods.push({ owner: pod.owner, request: pod.request });
        placed.push({ pod, node: i });
    };
    const reasons = (pod: PodDemand, pending = placed): Map<string, number> => {
        const why = new Map<string, number>();
        model.nodes.forEach((_, i) => {
            const m = misfit(pod, i, model, loads, pending, room) ?? "?";
            why.set(m, (why.get(m) ?? 0) + 1);
        });
        return why;
    };
    const explain = (pod: PodDemand, why: Map<string, number>): string => {
        const parts = [...why.entries()].map(([reason, n]) => {
            if (reason === "room") {
                if (pod.request.cpu > room.cpu || pod.request.memory > room.memory) {
                    return `${n} node(s) too small: it requests ${formatCpu(pod.request.cpu)} CPU and ${formatMemory(pod.request.memory)}, a node offers ${formatCpu(room.cpu)} CPU and ${formatMemory(room.memory)} (${model.allocatableFrom})`;
                }
                return `${n} node(s) without room left for ${formatCpu(pod.request.cpu)} CPU / ${formatMemory(pod.request.memory)}`;
            }
            return `${n} node(s): ${reason}`;
        });
        return parts.join("; ");
    };

    const all = [...model.system, ...pods];
    // DaemonSets first: one pod on every node they may run on (they never fail to "schedule"; a
    // node without room for them is reported).
    for (const pod of all.filter((p) => p.daemon && !p.transient)) {
        model.nodes.forEach((_, i) => {
            const m = misfit(pod, i, model, loads, placed, room);
            if (m === undefined) put(pod, i);
            else if (m === "room") unplaced.push({ owner: pod.owner, missing: 1, count: 1, why: `no room on ${model.nodes[i].name}: ${explain(pod, new Map([["room", 1]]))}`, transient: false });
        });
    }
    // Then the rest, system pods first, then the largest requests first (ties: by owner, stable).
    const size = (p: PodDemand) => p.request.cpu / room.cpu + p.request.memory / room.memory;
    const longRunning = all.filter((p) => !p.daemon && !p.transient);
    const order = [...longRunning.filter((p) => model.system.includes(p)), ...longRunning.filter((p) => !model.system.includes(p)).sort((a, b) => size(b) - size(a) || (a.owner < b.owner ? -1 : a.owner > b.owner ? 1 : 0))];
    for (const pod of order) {
        let missing = 0;
        let why = "";
        for (let k = 0; k < pod.count; k++) {
            let best = -1;
            let bestScore = Infinity;
            model.nodes.forEach((_, i) => {
                if (misfit(pod, i, model, loads, placed, room) !== undefined) return;
                const after = add(loads[i].requested, pod.request);
                const score = after.cpu / room.cpu + after.memory / room.memory;
                if (score < bestScore) {
                    best = i;
                    bestScore = score;
                }
            });
            if (best >= 0) put(pod, best);
            else {
                if (missing === 0) why = explain(pod, reasons(pod));
                missing++;
            }
        }
        if (missing > 0) unplaced.push({ owner: pod.owner, missing, count: pod.count, why, transient: false });
    }

    // Jobs: each where it fits beside the long-running pods (not kept: they finish).
    const jobs: PlacedPod[] = [];
    for (const pod of all.filter((p) => p.transient)) {
        jobs.push({ owner: pod.owner, request: pod.request });
        const fits = model.nodes.some((_, i) => misfit(pod, i, model, loads, placed, room) === undefined);
        if (!fits) unplaced.push({ owner: pod.owner, missing: pod.count, count: pod.count, why: explain(pod, reasons(pod)), transient: true });
    }

    const sum = (ps: readonly { request: Resources; count?: number }[]) => ps.reduce((acc, p) => add(acc, p.request), ZERO);
    const total = loads.reduce((acc, l) => add(acc, l.requested), ZERO);
    const platform = sum(placed.filter((p) => !model.system.includes(p.pod)).map((p) => p.pod));
    return { model, nodes: loads, platform, total, jobs, unplaced };
}

// ---------------------------------------------------------------------------------------------
// The check

/** The Platform component's `config.kubernetes` (the plan records the whole config there). */
function clusterConfig(plan: Plan): { distribution?: string; context?: string } | undefined {
    const platform = plan.resources.find((r) => r.type === "research-platform:index:Platform");
    return (platform?.inputs as { config?: { kubernetes?: { distribution?: string; context?: string } } } | undefined)?.config?.kubernetes;
}

/** The node model of the cluster a plan deploys to, or why there is none. */
export function nodeModelFor(plan: Plan, kindConfig?: string, env: NodeJS.ProcessEnv = process.env): NodeModel | { none: string } {
    const k8s = clusterConfig(plan);
    if (k8s?.distribution !== "kind") return { none: `kubernetes.distribution is ${k8s?.distribution ?? "unknown"}: the nodes of this cluster are not known offline, so requests, one-per-node workloads and node selectors were not checked against them` };
    return kindNodeModel(kindConfig, env);
}

export function schedulingFindings(plan: Plan, kindConfig?: string, env: NodeJS.ProcessEnv = process.env): Finding[] {
    const model = nodeModelFor(plan, kindConfig, env);
    if ("none" in model) return [{ level: "advisory", rule: "scheduling", subject: "cluster", message: model.none }];
    const report = schedule(planPods(plan), model);
    const findings: Finding[] = report.unplaced.map((u) => ({
        level: "mandatory",
        rule: "scheduling",
        subject: u.owner,
        message: `${u.missing === u.count ? (u.count === 1 ? "its pod" : `all ${u.count} pods`) : `${u.missing} of ${u.count} pods`}${u.transient ? " (a Job)" : ""} cannot be scheduled on the ${model.nodes.length} nodes of ${model.source}: ${u.why}`,
    }));
    if (model.sharedHost && (report.total.cpu > model.allocatable.cpu || report.total.memory > model.allocatable.memory)) {
        findings.push({
            level: "advisory",
            rule: "scheduling",
            subject: "cluster",
            message: `the pods request ${formatCpu(report.total.cpu)} CPU and ${formatMemory(report.total.memory)} in total (kind's own included), more than the one Docker host every node of ${model.source} shares (${formatCpu(model.allocatable.cpu)} CPU, ${formatMemory(model.allocatable.memory)}: ${model.allocatableFrom}); each node reports the whole host, so they are placed, and the laptop is overcommitted`,
        });
    }
    return findings;
}

export const schedulingCheck: PlanCheck = { name: "scheduling", run: (plan) => schedulingFindings(plan) };
