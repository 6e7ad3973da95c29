/**
 * A small NetworkPolicy evaluator: given Namespaces, NetworkPolicies and pods (labels, namespace,
 * container ports), answers "may A connect to B on port P" by Kubernetes semantics: a pod is
 * isolated for a direction when some policy in its namespace selects it with that policy type;
 * an isolated pod admits a connection when any selecting policy's rule matches (union); a
 * connection needs both the source's egress and the destination's ingress. Peers: podSelector
 * (same namespace), namespaceSelector (+ podSelector), ipBlock (with except; pods have IPs from
 * the pod network); ports by number, name (the destination pod's named container port) and
 * endPort. Connection tracking (replies) is implied, as in every CNI.
 */

import { chartObjects } from "../plan-engine/helmRender";
import { kubernetesType } from "../plan-engine/mockRuntime";
import type { Plan } from "../plan-engine/types";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface Pod {
    /** For messages: the workload's name. */
    name: string;
    namespace: string;
    labels: Record<string, string>;
    /** Named container ports, for named NetworkPolicy ports. */
    ports?: { name?: string; containerPort: number; protocol?: string }[];
    /** The pod's IP (default: an address in `podCidr`). */
    ip?: string;
}

/** Either a pod or an address outside the pod network (the API server, a node, an external client). */
export type Endpoint = Pod | { ip: string; name?: string };

export interface Cluster {
    /** Namespace name -> labels (namespaces not listed get only `kubernetes.io/metadata.name`). */
    namespaces: Record<string, Record<string, string>>;
    /** NetworkPolicy manifests (metadata.namespace, spec). */
    policies: any[];
}

export const DEFAULT_POD_IP = "10.244.1.10";

function isPod(e: Endpoint): e is Pod {
    return (e as Pod).namespace !== undefined;
}

function ipv4(ip: string): number | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
    if (!m) return undefined;
    return m.slice(1).reduce((n, o) => n * 256 + Number(o), 0);
}

/** Whether an IPv4 address is in a CIDR (IPv6 CIDRs never match an IPv4 address). */
export function inCidr(ip: string, cidr: string): boolean {
    const [base, bits] = cidr.split("/");
    const a = ipv4(ip);
    const b = ipv4(base);
    if (a === undefined || b === undefined) return false;
    const n = Number(bits);
    if (n === 0) return true;
    return Math.floor(a / 2 ** (32 - n)) === Math.floor(b / 2 ** (32 - n));
}

export function labelSelectorMatches(selector: any, labels: Record<string, string>): boolean {
    if (!selector) return true;
    for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) if (labels[k] !== v) return false;
    for (const e of selector.matchExpressions ?? []) {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        const values: string[] = e.values ?? [];
        if (e.operator === "In" && !(has && values.includes(labels[e.key]))) return false;
        if (e.operator === "NotIn" && has && values.includes(labels[e.key])) return false;
        if (e.operator === "Exists" && !has) return false;
        if (e.operator === "DoesNotExist" && has) return false;
    }
    return true;
}

function namespaceLabels(c: Cluster, ns: string): Record<string, string> {
    return { ...c.namespaces[ns], "kubernetes.io/metadata.name": ns };
}

/** Whether a policy peer (`from`/`to` entry) matches an endpoint, for a policy in namespace `policyNs`. */
function peerMatches(c: Cluster, peer: any, policyNs: string, e: Endpoint): boolean {
    if (peer.ipBlock) {
        const ip = isPod(e) ? (e.ip ?? DEFAULT_POD_IP) : e.ip;
        return inCidr(ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((x: string) => inCidr(ip, x));
    }
    if (!isPod(e)) return false;
    if (peer.namespaceSelector) {
        if (!labelSelectorMatches(peer.namespaceSelector, namespaceLabels(c, e.namespace))) return false;
    } else if (e.namespace !== policyNs) return false;
    return labelSelectorMatches(peer.podSelector ?? {}, e.labels);
}

function portMatches(ports: any[] | undefined, port: number, protocol: string, dst: Endpoint): boolean {
    if (!ports || ports.length === 0) return true;
    return ports.some((p) => {
        if ((p.protocol ?? "TCP") !== protocol) return false;
        if (p.port === undefined) return true;
        if (typeof p.port === "string" && !/^\d+$/.test(p.port)) {
            const named = isPod(dst) ? dst.ports?.find((x) => x.name === p.port && (x.protocol ?? "TCP") === protocol) : undefined;
            return named?.containerPort === port;
        }
        const from = Number(p.port);
        return p.endPort ? port >= from && port <= p.endPort : port === from;
    });
}

function selecting(c: Cluster, pod: Pod, type: "Ingress" | "Egress"): any[] {
    return c.policies.filter((p) => {
        const ns = p.metadata?.namespace ?? "default";
        if (ns !== pod.namespace || !labelSelectorMatches(p.spec?.podSelector ?? {}, pod.labels)) return false;
        const types: string[] = p.spec?.policyTypes ?? (p.spec?.egress ? ["Ingress", "Egress"] : ["Ingress"]);
        return types.includes(type);
    });
}

export interface Verdict {
    allowed: boolean;
    /** The policies that decided each direction (empty when the pod is not isolated in it). */
    egress: string[];
    ingress: string[];
    reason: string;
}

/** Whether `src` may open a connection to `dst` on `port`/`protocol`. */
export function mayConnect(c: Cluster, src: Endpoint, dst: Endpoint, port: number, protocol = "TCP"): Verdict {
    const name = (p: any) => `${p.metadata?.namespace}/${p.metadata?.name}`;
    let egress: string[] = [];
    if (isPod(src)) {
        const pols = selecting(c, src, "Egress");
        if (pols.length > 0) {
            egress = pols.filter((p) => (p.spec.egress ?? []).some((r: any) => (!r.to || r.to.length === 0 || r.to.some((peer: any) => peerMatches(c, peer, p.metadata.namespace, dst))) && portMatches(r.ports, port, protocol, dst))).map(name);
            if (egress.length === 0) return { allowed: false, egress, ingress: [], reason: `${src.name}'s egress is isolated and no policy lets it reach ${dst.name ?? (dst as { ip: string }).ip}:${port}` };
        }
    }
    let ingress: string[] = [];
    if (isPod(dst)) {
        const pols = selecting(c, dst, "Ingress");
        if (pols.length > 0) {
            ingress = pols.filter((p) => (p.spec.ingress ?? []).some((r: any) => (!r.from || r.from.length === 0 || r.from.some((peer: any) => peerMatches(c, peer, p.metadata.namespace, src))) && portMatches(r.ports, port, protocol, dst))).map(name);
            if (ingress.length === 0) return { allowed: false, egress, ingress, reason: `${dst.name}'s ingress is isolated and no policy admits ${src.name ?? (src as { ip: string }).ip} on ${port}` };
        }
    }
    return { allowed: true, egress, ingress, reason: "allowed" };
}

/** Build the cluster model and the pods from a plan's resources (type token + inputs). */
export function clusterFromResources(resources: readonly { type: string; inputs: any }[]): { cluster: Cluster; pods: Pod[] } {
    const namespaces: Record<string, Record<string, string>> = {};
    const policies: any[] = [];
    const pods: Pod[] = [];
    for (const r of resources) {
        const i = r.inputs ?? {};
        if (r.type === "kubernetes:core/v1:Namespace") namespaces[i.metadata?.name] = i.metadata?.labels ?? {};
        else if (r.type === "kubernetes:networking.k8s.io/v1:NetworkPolicy") policies.push(i);
        else if (/^kubernetes:apps\/v1:(Deployment|StatefulSet|DaemonSet)$/.test(r.type)) {
            const t = i.spec?.template;
            pods.push({
                name: i.metadata?.name,
                namespace: i.metadata?.namespace ?? "default",
                labels: t?.metadata?.labels ?? {},
                ports: (t?.spec?.containers ?? []).flatMap((x: any) => x.ports ?? []),
            });
        }
    }
    return { cluster: { namespaces, policies }, pods };
}

/**
 * The cluster model of a whole plan: the program's objects and the objects its Helm charts
 * rendered (`renderCharts`), so charts' NetworkPolicies (z2jh's) and pods (with the labels the
 * chart really puts on them) count like the program's own.
 */
export function clusterFromPlan(plan: Plan): { cluster: Cluster; pods: Pod[] } {
    const charts = chartObjects(plan).map((o) => ({ type: kubernetesType(String(o.object.apiVersion), String(o.object.kind)), inputs: o.object }));
    return clusterFromResources([...plan.resources.filter((r) => r.custom), ...charts]);
}
