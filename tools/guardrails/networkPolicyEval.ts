/**
 * A small NetworkPolicy evaluator: given Namespaces, NetworkPolicies and pods (labels, namespace,
 * container ports), answers "may A connect to B on port P" by Kubernetes semantics: a pod is
 * isolated for a direction when some policy in its namespace selects it with that policy type;
 * an isolated pod admits a connection when any selecting policy's rule matches (union); a
 * connection needs both the source's egress and the destination's ingress. Peers: podSelector
 * (same namespace), namespaceSelector (+ podSelector), ipBlock (with except; pods have IPs from
 * the pod network); ports by number, name (the destination pod's named container port) and
 * endPort. Connection tracking (replies) is implied, as in every CNI.
 *
 * `allowedPorts` answers for every port at once (as sorted port ranges), so a flow over a range
 * such as 32768-60999 costs one evaluation; `peerEndpoints` turns a runtime contract's peer
 * (contracts/types.ts) into endpoints: the API server and the nodes (kubelets) are addresses in
 * `kubernetes.apiServerCidrs` / `nodeCidrs` (the first and the last host of each), DNS is the
 * `kube-system` pods labelled `k8s-app: kube-dns`, an external host is its address (an IP literal;
 * `<ip>.nip.io` and `<ip>.sslip.io` the embedded IP; `localhost` and `*.localtest.me` 127.0.0.1;
 * any other name a public TEST-NET address), and `anywhere` a public address.
 */

import { chartObjects } from "../plan-engine/helmRender";
import { kubernetesType } from "../plan-engine/mockRuntime";
import type { Plan } from "../plan-engine/types";

/* eslint-disable @typescript-eslint/no-explicit-any */
import type { Peer, PodRef, PortSpec } from "../../contracts/types";

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
/** Where `anywhere` connects from or to: a public address (TEST-NET-3). */
export const PUBLIC_IP = "203.0.113.7";
/** The address a named external host resolves to: a public address (TEST-NET-2). */
export const EXTERNAL_HOST_IP = "198.51.100.7";
export const LOOPBACK_IP = "127.0.0.1";

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

/** Inclusive port ranges `[from, to]`, sorted and disjoint. */
export type Ranges = [number, number][];
export const ALL_PORTS: Ranges = [[1, 65535]];

/** The union of port ranges, sorted and merged. */
export function unionRanges(...lists: Ranges[]): Ranges {
    const all = lists.flat().sort((a, b) => a[0] - b[0]);
    const out: Ranges = [];
    for (const [f, t] of all) {
        const last = out[out.length - 1];
        if (last && f <= last[1] + 1) last[1] = Math.max(last[1], t);
        else out.push([f, t]);
    }
    return out;
}

export function intersectRanges(a: Ranges, b: Ranges): Ranges {
    const out: Ranges = [];
    for (const [f1, t1] of a) for (const [f2, t2] of b) if (Math.max(f1, f2) <= Math.min(t1, t2)) out.push([Math.max(f1, f2), Math.min(t1, t2)]);
    return unionRanges(out);
}

/** The ports of `a` that are not in `b`. */
export function subtractRanges(a: Ranges, b: Ranges): Ranges {
    let rest = unionRanges(a);
    for (const [f, t] of b) {
        rest = rest.flatMap(([x, y]): Ranges => {
            if (t < x || f > y) return [[x, y]];
            const parts: Ranges = [];
            if (x < f) parts.push([x, f - 1]);
            if (t < y) parts.push([t + 1, y]);
            return parts;
        });
    }
    return rest;
}

/** A contract's ports (numbers and `{from, to}` ranges) as ranges. */
export function portSpecRanges(ports: readonly PortSpec[]): Ranges {
    return unionRanges(ports.map((p): [number, number] => (typeof p === "number" ? [p, p] : [p.from, p.to])));
}

/** `8080`, `9000-9003, 8089` */
export function formatRanges(r: Ranges): string {
    return r.map(([f, t]) => (f === t ? `${f}` : `${f}-${t}`)).join(", ");
}

/** The ports a rule's `ports` list admits towards `dst` (every port when there is no list). */
function rulePortRanges(ports: any[] | undefined, protocol: string, dst: Endpoint): Ranges {
    if (!ports || ports.length === 0) return ALL_PORTS;
    const out: Ranges = [];
    for (const p of ports) {
        if ((p.protocol ?? "TCP") !== protocol) continue;
        if (p.port === undefined) return ALL_PORTS;
        if (typeof p.port === "string" && !/^\d+$/.test(p.port)) {
            const named = isPod(dst) ? dst.ports?.find((x) => x.name === p.port && (x.protocol ?? "TCP") === protocol) : undefined;
            if (named) out.push([named.containerPort, named.containerPort]);
            continue;
        }
        const from = Number(p.port);
        out.push([from, p.endPort ? Number(p.endPort) : from]);
    }
    return unionRanges(out);
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

/** What one direction lets through: every port when the pod is not isolated in that direction. */
export interface DirectionVerdict {
    /** Whether some policy selects the pod for this direction. */
    isolated: boolean;
    /** The ports it admits. */
    ports: Ranges;
    /** The policies whose rules admit some port (`namespace/name`). */
    policies: string[];
}

export interface PortsVerdict {
    egress: DirectionVerdict;
    ingress: DirectionVerdict;
    /** The ports `src` may open to `dst` (both directions). */
    ports: Ranges;
}

function isLoopback(e: Endpoint): boolean {
    return !isPod(e) && inCidr(e.ip, "127.0.0.0/8");
}

/** Every port `src` may connect to on `dst` with `protocol`, by the same semantics as `mayConnect`. */
export function allowedPorts(c: Cluster, src: Endpoint, dst: Endpoint, protocol = "TCP"): PortsVerdict {
    const name = (p: any) => `${p.metadata?.namespace}/${p.metadata?.name}`;
    const direction = (pod: Pod, type: "Ingress" | "Egress", other: Endpoint, target: Endpoint): DirectionVerdict => {
        const pols = selecting(c, pod, type);
        if (pols.length === 0) return { isolated: false, ports: ALL_PORTS, policies: [] };
        const perPolicy = pols.map((p) => {
            const rules: any[] = (type === "Egress" ? p.spec.egress : p.spec.ingress) ?? [];
            const key = type === "Egress" ? "to" : "from";
            return unionRanges(...rules.filter((r) => !r[key] || r[key].length === 0 || r[key].some((peer: any) => peerMatches(c, peer, p.metadata.namespace, other))).map((r) => rulePortRanges(r.ports, protocol, target)));
        });
        return { isolated: true, ports: unionRanges(...perPolicy), policies: pols.filter((_, i) => perPolicy[i].length > 0).map(name) };
    };
    // A connection to the pod's own loopback never leaves it: no policy applies.
    const egress = isPod(src) && !isLoopback(dst) ? direction(src, "Egress", dst, dst) : { isolated: false, ports: ALL_PORTS, policies: [] };
    const ingress = isPod(dst) ? direction(dst, "Ingress", src, dst) : { isolated: false, ports: ALL_PORTS, policies: [] };
    return { egress, ingress, ports: intersectRanges(egress.ports, ingress.ports) };
}

/** The network facts the non-pod peers need: `kubernetes.apiServerCidrs` and `nodeCidrs`. */
export interface NetworkFacts {
    apiServerCidrs: readonly string[];
    nodeCidrs: readonly string[];
}

/** The first and the last host address of an IPv4 CIDR (the address itself for a /32; none for IPv6). */
export function hostAddresses(cidr: string): string[] {
    const [base, bits] = cidr.split("/");
    const b = ipv4(base);
    if (b === undefined) return [];
    const n = Number(bits ?? 32);
    if (n >= 31) return [base];
    const size = 2 ** (32 - n);
    const start = Math.floor(b / size) * size;
    const dotted = (x: number) => [24, 16, 8, 0].map((s) => Math.floor(x / 2 ** s) % 256).join(".");
    return [dotted(start + 1), dotted(start + size - 2)];
}

/** The address a host name reaches from a pod, by the conventions in the header. */
export function resolveHost(host: string): string {
    const h = host.toLowerCase().replace(/\.$/, "");
    if (ipv4(h) !== undefined) return h;
    const embedded = /(?:^|[.-])(\d{1,3}[.-]\d{1,3}[.-]\d{1,3}[.-]\d{1,3})\.(?:nip\.io|sslip\.io)$/.exec(h);
    if (embedded) return embedded[1].replace(/-/g, ".");
    if (h === "localhost" || h === "localtest.me" || h.endsWith(".localtest.me")) return LOOPBACK_IP;
    return EXTERNAL_HOST_IP;
}

/** The cluster DNS pods (CoreDNS keeps kube-dns's label). */
export const DNS_POD: Pod = { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }, { name: "dns-tcp", containerPort: 53 }] };

/**
 * The endpoints a contract peer stands for. `podsOf` gives the pods of a `PodRef` (matched in the
 * plan, or synthesised from the reference: the checker decides).
 */
export function peerEndpoints(peer: Peer, net: NetworkFacts, podsOf: (ref: PodRef) => Pod[]): Endpoint[] {
    switch (peer.kind) {
        case "pods":
            return podsOf(peer);
        case "apiServer":
            return net.apiServerCidrs.flatMap(hostAddresses).map((ip) => ({ name: `API server ${ip}`, ip }));
        case "kubelet":
        case "node":
            return net.nodeCidrs.flatMap(hostAddresses).map((ip) => ({ name: `node ${ip}`, ip }));
        case "dns":
            return [DNS_POD];
        case "external":
            return [{ name: `${peer.name} (${peer.host})`, ip: resolveHost(peer.host) }];
        case "anywhere":
            return [{ name: `anywhere (${PUBLIC_IP})`, ip: PUBLIC_IP }];
    }
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
