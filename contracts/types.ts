/**
 * Runtime contracts: what an upstream program really does at run time, read from its source at the
 * pinned version and written down as plain data, so the plans can be held against it. Schema-valid
 * is not working: a contract is what "working" means for one system.
 *
 * A contract module exports one function from the stack's validated config to the system's
 * contract (or `undefined` when the system is disabled). The function only reads config values
 * (namespaces, release names, ports, hosts); every fact in it carries the `Source` it was read from.
 */
import type { PlatformConfig } from "../config";

/** The validated config a contract is built from: what the plan records as the Platform's `config` input. */
export type ContractConfig = Omit<PlatformConfig, "secrets">;

/** Where a fact was read: repository, pinned commit or tag, file and lines. */
export interface Source {
    /** `owner/name` on GitHub. */
    repo: string;
    /** The commit SHA (or release tag) of the pinned version. */
    ref: string;
    /** Path in the repository. */
    file: string;
    /** Line or range, e.g. `205` or `205-212`. */
    lines?: string;
    /** What the code there does, in a few words. */
    note?: string;
}

/** Pods selected by namespace and labels (the labels the program or the chart really puts on them). */
export interface PodRef {
    kind: "pods";
    /** Short human name, e.g. `hub`, `ssh-forwarder`. */
    name: string;
    namespace: string;
    /** Labels the pods carry (enough of them to select exactly these pods). */
    labels: Record<string, string>;
    /**
     * Who creates these pods: the program (a pod template in the plan must match), a Helm chart
     * (its rendered objects must match; until they are rendered the labels are cited from the
     * chart source), or another program at run time (kernels, user servers, solver pods).
     */
    createdBy: "program" | { chart: string; version: string } | { runtime: string };
    /**
     * Label keys every one of these pods carries whatever the value (a policy selects them with
     * `Exists`), e.g. the kernels' `kernel: kernel-<id>`. Optional.
     */
    labelKeys?: string[];
    /**
     * The pods run in their node's network namespace (`hostNetwork: true`): no NetworkPolicy selects
     * them and their connections come from the node's address. Optional.
     */
    hostNetwork?: boolean;
}

/** One end of a connection. */
export type Peer =
    | PodRef
    /** The Kubernetes API server (`kubernetes.apiServerCidrs`, `kubernetes.apiServerPorts`). */
    | { kind: "apiServer" }
    /** Every node's kubelet (`kubernetes.nodeCidrs`). */
    | { kind: "kubelet" }
    /** Cluster DNS (`kube-system`, `k8s-app: kube-dns`). */
    | { kind: "dns" }
    /** Node addresses: NodePorts, hostNetwork pods. */
    | { kind: "node" }
    /** A service outside the cluster, e.g. an identity provider or an external database. */
    | { kind: "external"; name: string; host: string }
    /** Clients anywhere (users' browsers, federated-learning clients on the internet). */
    | { kind: "anywhere" };

export type PortSpec = number | { from: number; to: number };

/** A connection the system makes at run time. */
export interface Flow {
    /** Unique in the contract, e.g. `forwarder-to-hub-api`. */
    id: string;
    from: Peer;
    to: Peer;
    /** Destination ports (container ports for pods). */
    ports: PortSpec[];
    protocol?: "TCP" | "UDP";
    /** What the connection is for. */
    why: string;
    source: Source | Source[];
}

/** A port a process really listens on. */
export interface Listener {
    pod: PodRef;
    container: string;
    port: number;
    /** The container port's name, where a Service or NetworkPolicy names the port by name (a pod the plan cannot show is given it). */
    portName?: string;
    protocol?: "TCP" | "UDP";
    /** The interfaces it binds: every interface, or loopback only. */
    bind: "all" | "loopback";
    /** Which objects must name this port: a Service (clients reach it through one), a probe, a NetworkPolicy. */
    namedBy: ("service" | "probe" | "networkPolicy")[];
    why: string;
    source: Source | Source[];
}

/** A path a program writes at run time: it must be on a volume writable by the container's user. */
export interface Write {
    pod: PodRef;
    container: string;
    path: string;
    why: string;
    source: Source | Source[];
}

/**
 * A config value the program accepts or refuses. The checker (tools/guardrails/contracts.ts) reads
 * the plan's config value at `key` (a path such as `nvflare.servers[0].flPort`; a top-level key
 * ending in `ClientSecret`, `Password` or `Token` is a user secret) and holds it against the lists:
 * a string value with `<...>` or `…` is a pattern (`<x>` one or more characters, `…` anything,
 * `[...]` optional); a string value with a space is a description, not a value, and is not checked.
 * The config schema must refuse every `rejected` value (tests/contracts.accepts.test.ts). `key` is the platform config key whose value
 * reaches the program (e.g. `distributedNotebook.schedulingPolicy`); `reads` is what the program
 * reads (an env var, a config-file key, a flag).
 */
export interface Accept {
    key: string;
    reads: string;
    /** The only values that work (an enum the program switches on). */
    accepted?: readonly (string | number | boolean)[];
    /** Values the program refuses or fails on at start-up. For a port range key, a port the range must not contain. */
    rejected?: readonly (string | number | boolean)[];
    /**
     * Where the value reaches the program in the plan, when it is not the config value at `key`
     * itself (a key of a file the program generates, a label, a chart value): an object of the plan,
     * `<Kind> <namespace>/<name>` or `<Kind> <name>` (`ConfigMap distributed-notebook/daemon-configmap`,
     * `Namespace kruise-system`, `Release jupyterhub/jupyterhub`), and a path into its inputs; a string
     * met before the path ends is parsed as YAML (or JSON) and the path goes on inside it, e.g.
     * `["data", "daemon.yml", "idle-session-reclamation-policy"]`. A value the path does not reach is
     * "not written": refused when `rejected` holds `""` or `accepted` is given. Optional.
     */
    planValue?: { object: string; path: readonly (string | number)[] };
    why: string;
    source: Source | Source[];
}

/** Something that must hold outside the cluster. */
export type HostFact =
    /** A hostPath the pods use must exist on (be mounted into) the kind node(s) they can run on. */
    | { kind: "kindMount"; id: string; hostPath: string; why: string; source: Source | Source[] }
    /** A port a dev URL uses must be mapped from the kind node to the user's machine. */
    | { kind: "kindPortMapping"; id: string; containerPort: number; why: string; source: Source | Source[] }
    /** A systemd unit on a remote host must be able to write a path under its sandboxing. */
    | { kind: "unitWritablePath"; id: string; unit: string; path: string; why: string; source: Source | Source[] }
    /** A process on a remote host binds every interface: its unit must restrict who may connect. */
    | { kind: "unitListensOnAllInterfaces"; id: string; unit: string; port: number; allowOnly: string; why: string; source: Source | Source[] };

/** One system's contract. */
export interface SystemContract {
    /** e.g. `jupyterhub`, `interlink`, `cluster/metallb`. */
    system: string;
    /** The pinned upstream versions the facts were read at (image tags, chart versions, commits). */
    pinned: Record<string, string>;
    flows: Flow[];
    listeners: Listener[];
    writes: Write[];
    accepts: Accept[];
    hostFacts: HostFact[];
}

/**
 * A connection no system needs, which the NetworkPolicies must deny (`contracts/denied.ts`): every
 * port listed must be refused, by the source's egress or the destination's ingress.
 */
export interface DeniedFlow extends Omit<Flow, "source"> {
    /** Why no system needs it (and what it would expose). */
    why: string;
    /** The upstream facts that show nothing needs it, where there are some. */
    source?: Source | Source[];
    /**
     * Decided by a chart's own NetworkPolicies (e.g. z2jh's), which the plan cannot show until the
     * Helm releases are rendered: the check skips the flow until the plan holds that chart's objects.
     */
    decidedByChart?: string;
}

/**
 * A deploy-order edge no system needs: `from`'s resources must not wait (directly or through others)
 * for `to`'s, because `from`'s programs never use `to` at run time (`contracts/denied.ts`).
 */
export interface DeniedWait {
    id: string;
    /** Systems as in `SystemContract.system`, e.g. `distributed-notebook`, `cluster/metricsServer`. */
    from: string;
    to: string;
    why: string;
    source: Source | Source[];
}

/** A contract module's one export. */
export type ContractFn = (cfg: ContractConfig) => SystemContract | undefined;
