/**
 * The runtime contracts' checker (tools/guardrails/contracts.ts), part by part, on small worlds
 * that are right and then broken: each test shows the checker finds the break, with the subject and
 * the words a reader needs, and stays quiet on the working case.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and config are plain data here */
import * as assert from "node:assert/strict";
import type { Accept, ContractConfig, DeniedFlow, Flow, HostFact, Listener, PodRef, SystemContract, Write } from "../contracts/types";
import type { Finding, Plan, PlanResource } from "../tools/plan-engine/types";
import {
    PlanPod,
    World,
    acceptProblems,
    contractFindings,
    contractsCheck,
    notWritable,
    unitCannotWrite,
    unitIpAccess,
    valueAt,
    valueAtPath,
} from "../tools/guardrails/contracts";

const SRC = { repo: "example/upstream", ref: "0123456789abcdef0123456789abcdef01234567", file: "main.go", lines: "10-12", note: "what it does" };
const cfg = { kubernetes: { distribution: "kind", apiServerCidrs: ["172.18.0.0/16"], nodeCidrs: ["172.18.0.0/16"], apiServerPorts: [443, 6443] }, interlink: { enabled: true } } as unknown as ContractConfig;

function contract(part: Partial<SystemContract>): SystemContract {
    return { system: "sys", pinned: {}, flows: [], listeners: [], writes: [], accepts: [], hostFacts: [], ...part };
}

function world(part: Partial<World>): World {
    return {
        stack: "dev",
        cfg,
        contracts: [],
        denied: [],
        waits: [],
        network: { apiServerCidrs: ["172.18.0.0/16"], nodeCidrs: ["172.18.0.0/16"] },
        cluster: { namespaces: {}, policies: [] },
        pods: [],
        renderedCharts: new Set(),
        services: [],
        resources: [],
        kindNodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }],
        hostFiles: {},
        ...part,
    };
}

/** A program pod template: containers get `spec` merged in. */
function planPod(namespace: string, name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}): PlanPod {
    const s: any = { containers: [{ name, ports: [] }], ...spec };
    return { name: `${namespace}/${name}`, workload: `Deployment ${namespace}/${name}`, urn: `urn:${name}`, namespace, labels, ports: s.containers.flatMap((c: any) => c.ports ?? []), spec: s, createdBy: "program" };
}

const ref = (namespace: string, name: string, labels: Record<string, string>, createdBy: PodRef["createdBy"] = "program", extra: Partial<PodRef> = {}): PodRef => ({ kind: "pods", name, namespace, labels, createdBy, ...extra });
const denyAll = (namespace: string) => ({ metadata: { name: "default-deny", namespace }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } });
const allowEgress = (namespace: string, name: string, to: any[], ports: any[]) => ({ metadata: { name, namespace }, spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to, ports }] } });
const allowIngress = (namespace: string, name: string, from: any[], ports: any[]) => ({ metadata: { name, namespace }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from, ports }] } });
const subjects = (f: Finding[]) => f.map((x) => x.subject);

const apiPod = planPod("app", "api", { app: "api" });
const apiRef = ref("app", "api", { app: "api" });
const dbRef = ref("data", "db", { "app.kubernetes.io/name": "db" }, { chart: "db", version: "1.0.0" });
const flow = (part: Partial<Flow> = {}): Flow => ({ id: "api-to-db", from: apiRef, to: dbRef, ports: [5432], why: "the API stores its rows", source: SRC, ...part });

describe("contracts checker: flows", () => {
    const policies = [denyAll("app"), denyAll("data"), allowEgress("app", "to-db", [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "data" } } }], [{ port: 5432 }]), allowIngress("data", "from-app", [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "app" } } }], [{ port: 5432 }])];

    it("is quiet when both directions allow the flow, and names the blocked direction and ports when one does not", () => {
        const ok = contractFindings(world({ contracts: [contract({ flows: [flow()] })], pods: [apiPod], cluster: { namespaces: {}, policies } }));
        assert.deepEqual(ok, []);
        const broken = contractFindings(world({ contracts: [contract({ flows: [flow()] })], pods: [apiPod], cluster: { namespaces: {}, policies: policies.filter((p) => p.metadata.name !== "from-app") } }));
        assert.deepEqual(subjects(broken), ["sys/flow/api-to-db"]);
        assert.match(broken[0].message, /app\/api -> data\/db TCP 5432 denied \(data\/db's ingress is isolated and no allow admits app\/api\)/);
        assert.match(broken[0].message, /the API stores its rows/);
        assert.match(broken[0].message, /\[source: example\/upstream@0123456 main\.go:10-12\]/);
        assert.equal(broken[0].rule, "runtime-contract");
        assert.equal(broken[0].level, "mandatory");
    });

    it("needs every port of a range: one port short is a finding naming that port", () => {
        const range = [denyAll("data"), allowIngress("data", "tunnel", [{ namespaceSelector: {} }], [{ port: 40000, endPort: 40998 }])];
        const f = contractFindings(world({ contracts: [contract({ flows: [flow({ ports: [{ from: 40000, to: 40999 }] })] })], pods: [apiPod], cluster: { namespaces: {}, policies: range } }));
        assert.equal(f.length, 1);
        assert.match(f[0].message, /TCP 40999 denied/);
    });

    it("reports the program's pods that no pod template of the plan carries (and checks nothing about them)", () => {
        const f = contractFindings(world({ contracts: [contract({ flows: [flow({ from: ref("app", "api", { app: "apii" }) })] })], pods: [apiPod] }));
        assert.deepEqual(subjects(f), ["sys/pods/api"]);
        assert.match(f[0].message, /no pod template of the plan is in namespace app with those labels/);
    });

    it("matches label-key-only references (Exists) and synthesises chart and run-time pods with those keys", () => {
        const kernels = ref("default", "kernels", {}, { runtime: "the gateway" }, { labelKeys: ["kernel"] });
        const onlyKernels = [denyAll("app"), allowEgress("app", "to-kernels", [{ namespaceSelector: {}, podSelector: { matchExpressions: [{ key: "kernel", operator: "Exists" }] } }], [{ port: 9000 }])];
        const w = world({ contracts: [contract({ flows: [flow({ id: "api-to-kernels", to: kernels, ports: [9000] })] })], pods: [apiPod], cluster: { namespaces: {}, policies: onlyKernels } });
        assert.deepEqual(contractFindings(w), []);
        const noKey = world({ ...w, contracts: [contract({ flows: [flow({ id: "api-to-kernels", to: { ...kernels, labelKeys: [] }, ports: [9000] })] })] });
        assert.deepEqual(subjects(contractFindings(noKey)), ["sys/flow/api-to-kernels"]);
    });

    it("does not evaluate a kubelet's probes (the pod's own node is always admitted) but does evaluate flows to the kubelets", () => {
        const probes = flow({ id: "probes", from: { kind: "kubelet" }, to: apiRef, ports: [8080] });
        const scrape = flow({ id: "scrape", from: apiRef, to: { kind: "kubelet" }, ports: [10250] });
        const f = contractFindings(world({ contracts: [contract({ flows: [probes, scrape] })], pods: [apiPod], cluster: { namespaces: {}, policies: [denyAll("app")] } }));
        assert.deepEqual(subjects(f), ["sys/flow/scrape"]);
        assert.match(f[0].message, /node 172\.18\.0\.1/);
    });

    it("takes a hostNetwork pod's connections from its node's address, which no NetworkPolicy selects", () => {
        const speaker = ref("lb", "speaker", { component: "speaker" }, { chart: "lb", version: "1" }, { hostNetwork: true });
        const f = contractFindings(world({ contracts: [contract({ flows: [flow({ id: "gossip", from: speaker, to: { kind: "node" }, ports: [7946] })] })], cluster: { namespaces: {}, policies: [denyAll("lb")] } }));
        assert.deepEqual(f, []);
        const toApi = contractFindings(world({ contracts: [contract({ flows: [flow({ id: "to-api", from: speaker, to: apiRef, ports: [8080] })] })], pods: [apiPod], cluster: { namespaces: {}, policies: [denyAll("app"), allowIngress("app", "from-nodes", [{ ipBlock: { cidr: "172.18.0.0/16" } }], [{ port: 8080 }])] } }));
        assert.deepEqual(toApi, []);
    });

    it("resolves an external host such as <ip>.nip.io to its address, and skips flows wholly outside the cluster", () => {
        const viaHost = flow({ id: "to-s3", to: { kind: "external", name: "S3", host: "172.18.0.1.nip.io" }, ports: [32000] });
        const outside = flow({ id: "outside", from: { kind: "anywhere" }, to: { kind: "external", name: "IdP", host: "idp.example.org" }, ports: [443] });
        const onlyPublic = [denyAll("app"), allowEgress("app", "public", [{ ipBlock: { cidr: "0.0.0.0/0", except: ["172.16.0.0/12"] } }], [{ port: 32000 }])];
        const f = contractFindings(world({ contracts: [contract({ flows: [viaHost, outside] })], pods: [apiPod], cluster: { namespaces: {}, policies: onlyPublic } }));
        assert.deepEqual(subjects(f), ["sys/flow/to-s3"]);
        assert.match(f[0].message, /S3 \(172\.18\.0\.1\.nip\.io\) TCP 32000 denied/);
    });
});

describe("contracts checker: denied flows and deploy edges", () => {
    const denied = (part: Partial<DeniedFlow> = {}): DeniedFlow => ({ id: "api-to-db-admin", from: apiRef, to: dbRef, ports: [{ from: 1, to: 65535 }], why: "the API never administers the DB", ...part });

    it("finds a denied flow the policies allow, naming the open ports and the policies that open them", () => {
        const f = contractFindings(world({ denied: [denied()], pods: [apiPod], cluster: { namespaces: {}, policies: [denyAll("data"), allowIngress("data", "open", [{ namespaceSelector: {} }], [{ port: 5432 }])] } }));
        assert.deepEqual(subjects(f), ["denied/flow/api-to-db-admin"]);
        assert.match(f[0].message, /app\/api -> data\/db TCP 5432 \(egress not isolated, ingress by data\/open\)/);
        assert.deepEqual(contractFindings(world({ denied: [denied()], pods: [apiPod], cluster: { namespaces: {}, policies: [denyAll("data")] } })), []);
    });

    it("skips a flow a chart's own policies decide until that chart is rendered", () => {
        assert.deepEqual(contractFindings(world({ denied: [denied({ decidedByChart: "db" })], pods: [apiPod] })), []);
        const rendered = contractFindings(world({ denied: [denied({ decidedByChart: "db" })], pods: [apiPod], renderedCharts: new Set(["db"]) }));
        assert.deepEqual(subjects(rendered), ["denied/pods/db"], "rendered: the db pods must now be in the plan");
    });

    it("finds a system that waits (through other resources) for one it never uses", () => {
        const r = (urn: string, type: string, parent: string | null, dependsOn: string[] = []): PlanResource => ({ urn, type, name: urn, parent, dependsOn, provider: null, custom: true, protect: false, retainOnDelete: false, inputs: {} });
        const resources = [
            r("nb", "research-platform:apps:DistributedNotebook", null),
            r("gw", "kubernetes:apps/v1:Deployment", "nb", ["pool"]),
            r("pool", "kubernetes:metallb.io/v1beta1:IPAddressPool", null, ["ms"]),
            r("msc", "research-platform:cluster:MetricsServer", null),
            r("ms", "kubernetes:helm.sh/v3:Release", "msc"),
        ];
        const waits = [{ id: "nb-ms", from: "distributed-notebook", to: "cluster/metricsServer", why: "never used", source: SRC }];
        const f = contractFindings(world({ waits, resources }));
        assert.deepEqual(subjects(f), ["denied/wait/nb-ms"]);
        assert.match(f[0].message, /Deployment gw waits for Release ms/);
        assert.deepEqual(contractFindings(world({ waits, resources: resources.map((x) => (x.urn === "pool" ? { ...x, dependsOn: [] } : x)) })), []);
    });
});

describe("contracts checker: listeners", () => {
    const probed = planPod("app", "api", { app: "api" }, {
        containers: [{ name: "api", ports: [{ name: "http", containerPort: 8080 }], readinessProbe: { httpGet: { path: "/", port: "http" } }, livenessProbe: { tcpSocket: { port: 8080 } } }],
    });
    const listener = (port: number, namedBy: Listener["namedBy"] = ["probe"]): Listener => ({ pod: apiRef, container: "api", port, bind: "all", namedBy, why: "the HTTP server", source: SRC });
    const svc = (targetPort: unknown) => ({ metadata: { name: "api", namespace: "app" }, spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort }] } });

    it("accepts probes and Service ports (named ports resolved) that are contract listeners of the container", () => {
        assert.deepEqual(contractFindings(world({ contracts: [contract({ listeners: [listener(8080, ["probe", "service"])] })], pods: [probed], services: [svc("http")] })), []);
    });

    it("finds a probe or a Service port where nothing listens, one finding per container", () => {
        const f = contractFindings(world({ contracts: [contract({ listeners: [listener(10250, [])] })], pods: [probed], services: [svc(9999)] }));
        assert.deepEqual(subjects(f), ["sys/listener/app/api/api"]);
        assert.match(f[0].message, /nothing listens on 8080, 9999 \(the contract's listeners there: 10250\)/);
        assert.match(f[0].message, /readinessProbe httpGet http; livenessProbe tcpSocket 8080; Service api port 80 -> 9999/);
    });

    it("finds a container with a probe whose system lists no listener for it", () => {
        const f = contractFindings(world({ contracts: [contract({ writes: [{ pod: apiRef, container: "api", path: "/tmp", why: "", source: SRC }] })], pods: [probed] }));
        assert.deepEqual(subjects(f), ["sys/listener/app/api/api"]);
        assert.match(f[0].message, /no contract lists the listeners of that container/);
    });

    it("finds a Service whose named target port no container has", () => {
        const f = contractFindings(world({ contracts: [contract({ listeners: [listener(8080)] })], pods: [probed], services: [svc("grpc")] }));
        assert.equal(f.length, 1);
        assert.match(f[0].message, /Service api port 80 -> grpc, which no container port is named/);
    });

    it("finds a listener the contract says a Service (or a probe) names, when none does", () => {
        const f = contractFindings(world({ contracts: [contract({ listeners: [listener(8080, ["probe", "service"])] })], pods: [probed] }));
        assert.deepEqual(subjects(f), ["sys/listener/api/api:8080"]);
        assert.match(f[0].message, /a service must name, but no Service of the plan targets it/);
        const noProbe = planPod("app", "api", { app: "api" }, { containers: [{ name: "api", ports: [{ name: "http", containerPort: 8080 }] }] });
        const g = contractFindings(world({ contracts: [contract({ listeners: [listener(8080, ["probe"])] })], pods: [noProbe] }));
        assert.match(g[0].message, /a probe must name, but no probe of that container checks it/);
    });
});

describe("contracts checker: writes", () => {
    const spec = (container: any, volumes: any[], podSecurity: any = { runAsUser: 65532, runAsNonRoot: true }, initContainers: any[] = []) => ({ spec: { securityContext: podSecurity, volumes, initContainers, containers: [container] } });
    const c = (mounts: any[], sc: any = {}) => ({ name: "srv", volumeMounts: mounts, securityContext: sc });
    const hostPath = { name: "persist", hostPath: { path: "/tmp/nvflare", type: "DirectoryOrCreate" } };
    const m = { name: "persist", mountPath: "/tmp/nvflare" };

    it("refuses a DirectoryOrCreate hostPath to a non-root user (root:root 0755, fsGroup does not apply)", () => {
        const why = notWritable(spec(c([m]), [hostPath]), c([m]), "/tmp/nvflare/jobs-storage");
        assert.match(why ?? "", /hostPath \/tmp\/nvflare \(type DirectoryOrCreate\), which the kubelet creates root:root 0755 .* UID 65532 cannot write it/);
        assert.equal(notWritable(spec(c([m]), [hostPath], { runAsUser: 0 }), c([m]), "/tmp/nvflare/x"), undefined, "root can");
    });

    it("accepts a hostPath a root init container chowns, or whose folder a kind mount documents", () => {
        const chown = { name: "own", command: ["sh", "-c", "chown 65532 /data"], volumeMounts: [{ name: "persist", mountPath: "/data" }], securityContext: { runAsUser: 0 } };
        assert.equal(notWritable(spec(c([m]), [hostPath], undefined, [chown]), c([m]), "/tmp/nvflare/x"), undefined);
        assert.equal(notWritable(spec(c([m]), [hostPath]), c([m]), "/tmp/nvflare/x", ["/tmp/nvflare"]), undefined);
        assert.match(notWritable(spec(c([m]), [{ name: "persist", hostPath: { path: "/srv/x", type: "Directory" } }]), c([m]), "/tmp/nvflare/x") ?? "", /must already exist on the node/);
    });

    it("accepts emptyDir and claims; refuses ConfigMaps, Secrets and read-only mounts", () => {
        assert.equal(notWritable(spec(c([m]), [{ name: "persist", emptyDir: {} }]), c([m]), "/tmp/nvflare/x"), undefined);
        assert.equal(notWritable(spec(c([m]), [{ name: "persist", persistentVolumeClaim: { claimName: "p" } }]), c([m]), "/tmp/nvflare/x"), undefined);
        assert.match(notWritable(spec(c([m]), [{ name: "persist", configMap: { name: "x" } }]), c([m]), "/tmp/nvflare/x") ?? "", /\(configMap\), which is always read-only/);
        const ro = { ...m, readOnly: true };
        assert.match(notWritable(spec(c([ro]), [{ name: "persist", emptyDir: {} }]), c([ro]), "/tmp/nvflare/x") ?? "", /mounted read-only/);
    });

    it("picks the most specific mount, and on the root filesystem allows only /tmp to a non-root user (never when read-only)", () => {
        const mounts = [{ name: "ws", mountPath: "/workspace" }, { name: "local", mountPath: "/workspace/a/local", readOnly: true }];
        const vols = [{ name: "ws", emptyDir: {} }, { name: "local", configMap: { name: "l" } }];
        assert.equal(notWritable(spec(c(mounts), vols), c(mounts), "/workspace/a/log.txt"), undefined);
        assert.match(notWritable(spec(c(mounts), vols), c(mounts), "/workspace/a/local/x") ?? "", /read-only/);
        assert.equal(notWritable(spec(c([]), []), c([]), "/tmp/x"), undefined);
        assert.match(notWritable(spec(c([]), []), c([]), "/var/lib/x") ?? "", /on no volume: .* only root can write outside \/tmp/);
        assert.match(notWritable(spec(c([], { readOnlyRootFilesystem: true }), []), c([], { readOnlyRootFilesystem: true }), "/tmp/x") ?? "", /root filesystem is read-only/);
    });

    it("finds a write through the world, and a contract container the workload does not have", () => {
        const pod = planPod("app", "api", { app: "api" }, { securityContext: { runAsUser: 1000 }, containers: [{ name: "api", volumeMounts: [], securityContext: { readOnlyRootFilesystem: true } }] });
        const writes: Write[] = [{ pod: apiRef, container: "api", path: "/data", why: "the store", source: SRC }, { pod: apiRef, container: "sidecar", path: "/tmp", why: "x", source: SRC }];
        const f = contractFindings(world({ contracts: [contract({ writes })], pods: [pod] }));
        assert.deepEqual(subjects(f), ["sys/write/api/api:/data", "sys/write/api/sidecar:/tmp"]);
        assert.match(f[0].message, /container api writes \/data \(the store\), but \/data is on no volume and the root filesystem is read-only/);
        assert.match(f[1].message, /has no container sidecar/);
    });
});

describe("contracts checker: accepted values", () => {
    const a = (part: Partial<Accept>): Accept => ({ key: "app.mode", reads: "MODE", why: "the switch", source: SRC, ...part });

    it("holds scalars, numeric strings, lists and port ranges against accepted and rejected", () => {
        assert.deepEqual(acceptProblems(a({ accepted: ["static"], rejected: ["dynamic"] }), "static"), []);
        assert.deepEqual(acceptProblems(a({ accepted: ["static"], rejected: ["dynamic"] }), "dynamic"), ['"dynamic" is a value it refuses']);
        assert.deepEqual(acceptProblems(a({ accepted: ["static"] }), "other"), ['"other" is not one of the values it accepts ("static")']);
        assert.deepEqual(acceptProblems(a({ accepted: ["1"] }), 1), []);
        assert.deepEqual(acceptProblems(a({ accepted: [3] }), "3"), []);
        assert.deepEqual(acceptProblems(a({ accepted: ["JobDB", "AuthDB"] }), ["AuthDB", "PilotLogsDB"]), ['"PilotLogsDB" is not one of the values it accepts ("JobDB", "AuthDB")']);
        assert.deepEqual(acceptProblems(a({ rejected: [6379, 8022] }), { from: 6000, to: 7000 }), ["the range 6000-7000 contains 6379, which the program refuses"]);
        assert.deepEqual(acceptProblems(a({ rejected: [6379, 8022] }), { from: 40000, to: 40999 }), []);
        assert.deepEqual(acceptProblems(a({ accepted: [true] }), { nested: 1 }), [], "an object is not a value the lists can judge");
    });

    it("reads <x>, … and [...] as patterns, ignores descriptions, and says when the lists cannot be of this key", () => {
        const url = a({ accepted: ["git+file://<path>", "git+https://<host>/<repo>[?revision=<branch>]"], rejected: ["git+http://…"] });
        assert.deepEqual(acceptProblems(url, "git+https://gitlab.example.org/dirac/cfg"), []);
        assert.deepEqual(acceptProblems(url, "git+https://gitlab.example.org/dirac/cfg?revision=main"), []);
        assert.deepEqual(acceptProblems(url, "git+http://gitlab.example.org/x"), ['"git+http://gitlab.example.org/x" is a value it refuses (git+http://…)']);
        assert.deepEqual(acceptProblems(a({ rejected: ["a missing ConfigMap (optional: an empty local/)"] }), "nvflare-local-"), []);
        assert.match(acceptProblems(a({ accepted: ["helper-pod"] }), true)[0], /cannot be values of this key \(true\): the contract is wrong/);
    });

    it("finds config paths, and treats keys that are no path as undecidable", () => {
        const c = { nvflare: { servers: [{ flPort: 8002 }] } };
        assert.deepEqual(valueAt(c, "nvflare.servers[0].flPort"), { found: true, value: 8002 });
        assert.deepEqual(valueAt(c, "nvflare.servers[3].flPort"), { found: true, value: undefined });
        assert.equal(valueAt(c, "jupyterhub.singleuser.memory (limit, guarantee)").found, false);
    });

    it("checks the config value at the key, and finds a user secret the config does not declare or require", () => {
        const w = (accepts: Accept[]) => world({ cfg: { ...cfg, app: { mode: "dynamic" } } as unknown as ContractConfig, contracts: [contract({ accepts })] });
        const f = contractFindings(w([a({ accepted: ["static"] }), a({ key: "exampleRefreshToken", reads: "TOKEN", rejected: [""] }), a({ key: "interlinkIamClientSecret", reads: "SECRET", rejected: [""] })]));
        assert.deepEqual(subjects(f), ["sys/accept/app.mode", "sys/accept/exampleRefreshToken"]);
        assert.match(f[0].message, /^app\.mode: "dynamic" is not one of the values it accepts \("static"\); it reaches MODE: the switch/);
        assert.match(f[1].message, /the config declares no such secret/);
        const off = world({ cfg: { ...cfg, interlink: { enabled: false } } as unknown as ContractConfig, contracts: [contract({ accepts: [a({ key: "interlinkIamClientSecret", reads: "SECRET", rejected: [""] })] })] });
        assert.match(contractFindings(off)[0].message, /the config does not require it/);
    });

    it("reads a value the program writes from the plan (YAML inside a ConfigMap), and finds it missing or wrong", () => {
        const cm = (yaml: string): PlanResource => ({ urn: "cm", type: "kubernetes:core/v1:ConfigMap", name: "cm", parent: null, dependsOn: [], provider: null, custom: true, protect: false, retainOnDelete: false, inputs: { metadata: { name: "daemon-configmap", namespace: "nb" }, data: { "daemon.yml": yaml } } });
        const policy = a({ key: "distributedNotebook", reads: "idle-session-reclamation-policy", accepted: ["none", "custom"], rejected: [""], planValue: { object: "ConfigMap nb/daemon-configmap", path: ["data", "daemon.yml", "idle-session-reclamation-policy"] } });
        const run = (yaml: string, p = policy) => contractFindings(world({ contracts: [contract({ accepts: [p] })], resources: [cm(yaml)] }));
        assert.deepEqual(run("idle-session-reclamation-policy: none\n"), []);
        assert.match(run("port: 8080\n")[0].message, /the program does not write ConfigMap nb\/daemon-configmap data > daemon\.yml > idle-session-reclamation-policy; it must be one of "none", "custom"/);
        assert.match(run("idle-session-reclamation-policy: sometimes\n")[0].message, /"sometimes" is not one of the values it accepts/);
        assert.match(run("x: 1\n", { ...policy, planValue: { object: "ConfigMap nb/other", path: ["data"] } })[0].message, /the plan has no ConfigMap nb\/other/);
        assert.equal(valueAtPath({ data: { "a.json": '{"b": [1, 2]}' } }, ["data", "a.json", "b", 1]), 2);
    });
});

describe("contracts checker: host facts", () => {
    const mount = (hostPath: string): HostFact => ({ kind: "kindMount", id: "store", hostPath, why: "shared by every pod", source: SRC });
    const nodes = (...mounts: ({ hostPath: string; containerPath: string } | undefined)[]) => [{ role: "control-plane" }, ...mounts.map((m) => ({ role: "worker", extraMounts: m ? [m] : [] }))];

    it("needs the mount on every worker, from one host folder (a parent mount counts)", () => {
        const run = (kindNodes: any[]) => contractFindings(world({ contracts: [contract({ hostFacts: [mount("/srv/store/data")] })], kindNodes }));
        assert.deepEqual(run(nodes({ hostPath: "/h/store", containerPath: "/srv/store" }, { hostPath: "/h/store", containerPath: "/srv/store" })), []);
        const missing = run(nodes({ hostPath: "/h/store", containerPath: "/srv/store" }, undefined));
        assert.deepEqual(subjects(missing), ["sys/host/store"]);
        assert.match(missing[0].message, /1 of the 2 kind nodes that can run the pods \(worker #2\) have no extraMounts entry for \/srv\/store\/data/);
        assert.match(run(nodes({ hostPath: "/h/a", containerPath: "/srv/store" }, { hostPath: "/h/b", containerPath: "/srv/store" }))[0].message, /different host folders/);
    });

    it("needs the port in some node's extraPortMappings, and only on kind", () => {
        const fact: HostFact = { kind: "kindPortMapping", id: "url", containerPort: 30443, why: "the dev URL", source: SRC };
        assert.match(contractFindings(world({ contracts: [contract({ hostFacts: [fact] })] }))[0].message, /no node of kind\/cluster\.yaml maps container port 30443/);
        assert.deepEqual(contractFindings(world({ contracts: [contract({ hostFacts: [fact] })], kindNodes: [{ role: "control-plane", extraPortMappings: [{ containerPort: 30443, hostPort: 443 }] }] })), []);
        const generic = { ...cfg, kubernetes: { ...cfg.kubernetes, distribution: "generic" } } as unknown as ContractConfig;
        assert.deepEqual(contractFindings(world({ cfg: generic, contracts: [contract({ hostFacts: [fact] })] })), []);
    });

    it("reads systemd sandboxing: ProtectSystem, ReadWritePaths, StateDirectory (the most specific path wins)", () => {
        const unit = (service: string) => `[Unit]\nDescription=x\n\n[Service]\nUser=interlink\n${service}\n`;
        assert.match(unitCannotWrite(unit("ProtectSystem=full"), "/etc/interlink/jobs/") ?? "", /ProtectSystem=full makes \/etc read-only/);
        assert.equal(unitCannotWrite(unit("ProtectSystem=full"), "/var/lib/interlink/jobs"), undefined);
        assert.equal(unitCannotWrite(unit("ProtectSystem=yes"), "/etc/interlink/jobs"), undefined);
        assert.equal(unitCannotWrite(unit("ProtectSystem=full\nReadWritePaths=/etc/interlink/jobs"), "/etc/interlink/jobs/ns-uid"), undefined);
        assert.match(unitCannotWrite(unit("ProtectSystem=strict"), "/opt/data") ?? "", /ProtectSystem=strict makes \/ read-only/);
        assert.equal(unitCannotWrite(unit("ProtectSystem=strict\nStateDirectory=interlink"), "/var/lib/interlink/jobs"), undefined);
        assert.equal(unitCannotWrite(unit("ProtectSystem=strict"), "/dev/shm/x"), undefined);
        assert.equal(unitCannotWrite(unit(""), "/etc/x"), undefined);
    });

    it("needs IPAddressDeny=any and exactly the allowed addresses for a unit listening on every interface", () => {
        const fact: HostFact = { kind: "unitListensOnAllInterfaces", id: "api", unit: "api.service", port: 3000, allowOnly: "localhost", why: "no auth", source: SRC };
        const run = (service: string) => contractFindings(world({ stack: "prod", contracts: [contract({ hostFacts: [fact] })], hostFiles: { "/etc/systemd/system/api.service": `[Service]\n${service}\n` } }));
        assert.deepEqual(run("IPAddressDeny=any\nIPAddressAllow=localhost"), []);
        assert.deepEqual(run("IPAddressDeny=any\nIPAddressAllow=127.0.0.0/8 ::1/128"), [], "the addresses localhost stands for");
        assert.match(run("IPAddressAllow=localhost")[0].message, /must set IPAddressDeny=any and IPAddressAllow=localhost \(it has IPAddressDeny=\(none\), IPAddressAllow=localhost\)/);
        assert.equal(run("IPAddressDeny=any\nIPAddressAllow=localhost 10.0.0.0/8").length, 1, "more than the allowed addresses");
        assert.deepEqual(unitIpAccess("[Service]\nIPAddressAllow=10.0.0.1\nIPAddressAllow=\nIPAddressAllow=localhost\n"), { allow: ["localhost"], deny: [] }, "an empty assignment resets the list");
        const noUnit = contractFindings(world({ contracts: [contract({ hostFacts: [fact] })], hostFiles: {} }));
        assert.match(noUnit[0].message, /have no unit api\.service/);
        assert.match(contractFindings(world({ contracts: [contract({ hostFacts: [fact] })], hostFiles: undefined }))[0].message, /no stack output interlinkHostFiles/);
    });
});

describe("contracts checker: as a plan check", () => {
    it("says nothing about a plan without the Platform (nothing to build the contracts from)", () => {
        const plan: Plan = { project: "p", stack: "dev", resources: [], outputs: {}, registrations: [], rawOutputs: {} };
        assert.deepEqual(contractsCheck.run(plan), []);
        assert.equal(contractsCheck.name, "runtime-contracts");
    });
});
