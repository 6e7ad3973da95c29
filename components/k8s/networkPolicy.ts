import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels } from "./labels";

type NetworkPolicyPeer = k8s.types.input.networking.v1.NetworkPolicyPeer;
type NetworkPolicyPort = k8s.types.input.networking.v1.NetworkPolicyPort;

/** What NetworkPolicies need to know about the cluster's own addresses (from `kubernetes.*` config). */
export interface ClusterNetwork {
    /** Where the API server listens as NetworkPolicies see it (the control-plane addresses). */
    apiServerCidrs: string[];
    /** The API server's ports (Service port and endpoint port). */
    apiServerPorts: number[];
    /** The nodes' addresses (kubelets, host-network pods). */
    nodeCidrs: string[];
    /** The namespace of the ingress controller the platform installs (Traefik), if any. */
    ingressNamespace?: string;
}

/** A peer of an allow: who may connect (ingress) or be connected to (egress). */
export type Peer =
    /** Pods with these labels, in `namespace` (default: the policy's own namespace). */
    | { pods: Record<string, string>; namespace?: string }
    /** Pods that carry the label key `podsWithLabel`, whatever its value, in `namespace` (default: the policy's own). */
    | { podsWithLabel: string; namespace?: string }
    /** Every pod of a namespace. */
    | { namespace: string }
    /** Every pod of every namespace (e.g. the ingress controller's backends). */
    | { allNamespaces: true }
    /** Addresses outside the pod network (load-balancer clients, remote sites). */
    | { cidr: string; except?: string[] }
    /** The Kubernetes API server (`kubernetes.apiServerCidrs`, on `kubernetes.apiServerPorts` unless the allow names ports). */
    | { apiServer: true }
    /** The nodes (`kubernetes.nodeCidrs`): kubelets, host-network pods. */
    | { nodes: true }
    /** Any address, in or outside the cluster. */
    | { anywhere: true };

export interface PortSpec {
    port: number | string;
    protocol?: "TCP" | "UDP" | "SCTP";
    endPort?: number;
}

/** One allowed flow of the namespace's pods. */
export interface Allow {
    /** Short name: the policy is `allow-<name>`. */
    name: string;
    /** The namespace's pods it applies to (labels); all pods when omitted. */
    pods?: Record<string, string>;
    /** Traffic into the selected pods from `peers`. */
    from?: Peer[];
    /** Traffic from the selected pods to `peers`. */
    to?: Peer[];
    /** Destination ports (of the selected pods for `from`, of the peers for `to`); all ports when omitted. */
    ports?: PortSpec[];
    /** Why this flow exists (kept as an annotation on the policy). */
    reason: string;
}

export interface IsolationArgs {
    /** The namespace's name (as created by the component). */
    namespace: string;
    /** The application label (`app.kubernetes.io/name`) of the policies. */
    app: string;
    network: ClusterNetwork;
    allows: Allow[];
    /** DNS egress to kube-system's cluster DNS for every pod (default true). */
    dns?: boolean;
}

/** Annotation recording why an allow exists. */
export const ALLOW_REASON_ANNOTATION = "research-platform.io/allow-reason";
/** The name of the default-deny policy in every isolated namespace. */
export const DEFAULT_DENY = "default-deny";

export const DNS_PORTS: PortSpec[] = [
    { port: 53, protocol: "UDP" },
    { port: 53, protocol: "TCP" },
];

const nsSelector = (name: string) => ({ matchLabels: { "kubernetes.io/metadata.name": name } });

/** Kubernetes peers and whether the allow should default to the API server's ports. */
export function toPeers(peer: Peer, network: ClusterNetwork): NetworkPolicyPeer[] {
    if ("pods" in peer) return [{ podSelector: { matchLabels: peer.pods }, ...(peer.namespace ? { namespaceSelector: nsSelector(peer.namespace) } : {}) }];
    if ("podsWithLabel" in peer) return [{ podSelector: { matchExpressions: [{ key: peer.podsWithLabel, operator: "Exists" }] }, ...(peer.namespace ? { namespaceSelector: nsSelector(peer.namespace) } : {}) }];
    if ("namespace" in peer) return [{ namespaceSelector: nsSelector(peer.namespace), podSelector: {} }];
    if ("allNamespaces" in peer) return [{ namespaceSelector: {}, podSelector: {} }];
    if ("cidr" in peer) return [{ ipBlock: { cidr: peer.cidr, except: peer.except } }];
    if ("apiServer" in peer) return network.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } }));
    if ("nodes" in peer) return network.nodeCidrs.map((cidr) => ({ ipBlock: { cidr } }));
    return [{ ipBlock: { cidr: "0.0.0.0/0" } }, { ipBlock: { cidr: "::/0" } }];
}

function toPorts(ports: PortSpec[] | undefined): NetworkPolicyPort[] | undefined {
    return ports?.map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP", ...(p.endPort ? { endPort: p.endPort } : {}) }));
}

/** Where the API server is: an egress allow for `pods` (every pod when omitted). */
export function apiServerAllow(network: ClusterNetwork, pods: Record<string, string> | undefined, reason: string, name = "api-server"): Allow {
    return { name, pods, to: [{ apiServer: true }], ports: network.apiServerPorts.map((port) => ({ port })), reason };
}

/**
 * Isolate a namespace: one `default-deny` policy (every pod, Ingress and Egress, no rule), DNS
 * egress for every pod, then one `allow-<name>` policy per allow. Kubernetes takes the union of
 * the policies that select a pod, so each allow opens exactly its flow. Pass
 * `{ parent, provider, dependsOn: [namespace] }`.
 */
export function isolateNamespace(resourceName: string, args: IsolationArgs, opts: pulumi.CustomResourceOptions): k8s.networking.v1.NetworkPolicy[] {
    const names = new Set<string>();
    const labels = appLabels(args.app, { component: "network-policy" });
    const policy = (name: string, reason: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) => {
        if (names.has(name)) throw new Error(`namespace ${args.namespace}: two NetworkPolicies named ${name}`);
        names.add(name);
        return new k8s.networking.v1.NetworkPolicy(
            `${resourceName}-${name}`,
            { metadata: { name, namespace: args.namespace, labels, annotations: { [ALLOW_REASON_ANNOTATION]: reason } }, spec },
            opts,
        );
    };
    const out = [policy(DEFAULT_DENY, "isolated by default: only the allow-* policies open flows", { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] })];
    if (args.dns !== false) {
        out.push(
            policy("allow-dns", "every pod resolves names with the cluster DNS", {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }], ports: toPorts(DNS_PORTS) }],
            }),
        );
    }
    for (const a of args.allows) {
        if (!a.from && !a.to) throw new Error(`namespace ${args.namespace}: allow ${a.name} has neither from nor to`);
        const podSelector = { matchLabels: a.pods ?? {} };
        const ports = toPorts(a.ports);
        const peers = (ps: Peer[]) => ps.flatMap((p) => toPeers(p, args.network));
        const spec: k8s.types.input.networking.v1.NetworkPolicySpec = { podSelector, policyTypes: [] };
        if (a.from) {
            spec.policyTypes = ["Ingress"];
            spec.ingress = [{ from: peers(a.from), ports }];
        }
        if (a.to) {
            spec.policyTypes = [...(spec.policyTypes as string[]), "Egress"];
            spec.egress = [{ to: peers(a.to), ports }];
        }
        out.push(policy(`allow-${a.name}`, a.reason, spec));
    }
    return out;
}
