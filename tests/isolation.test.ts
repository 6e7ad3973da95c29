import * as assert from "node:assert/strict";
import { Run, configProblems, runProgram } from "./harness";
import { Cluster, Endpoint, Pod, clusterFromResources, inCidr, mayConnect } from "../tools/guardrails/networkPolicyEval";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const API_SERVER: Endpoint = { name: "api-server", ip: "172.18.0.2" };
const NODE: Endpoint = { name: "node", ip: "172.18.0.3" };
const INTERNET: Endpoint = { name: "internet", ip: "203.0.113.7" };

/** Pods the plan cannot show (chart pods, kernels), with the labels the charts and the gateway give them. */
const chartPods: Pod[] = [
    { name: "traefik", namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik" }, ports: [{ containerPort: 8000 }, { containerPort: 8443 }] },
    { name: "diracx", namespace: "diracx", labels: { "app.kubernetes.io/name": "diracx" }, ports: [{ containerPort: 8000 }] },
    { name: "diracx-mysql", namespace: "diracx", labels: { "app.kubernetes.io/name": "mysql" }, ports: [{ containerPort: 3306 }] },
    { name: "cm-acme-http-solver", namespace: "diracx", labels: { "acme.cert-manager.io/http01-solver": "true" }, ports: [{ containerPort: 8089 }] },
    { name: "cert-manager-webhook", namespace: "cert-manager", labels: { "app.kubernetes.io/component": "webhook" }, ports: [{ containerPort: 10250 }] },
    { name: "metrics-server", namespace: "metrics-server", labels: { "app.kubernetes.io/name": "metrics-server" }, ports: [{ containerPort: 10250 }] },
    // A kernel replica as the NotebookOS gateway labels it (kernel: and app: kernel-<id>), with its sockets and SMR port.
    { name: "kernel", namespace: "default", labels: { app: "kernel-0b1c", kernel: "kernel-0b1c" }, ports: [9000, 9001, 9002, 9003, 9004, 8080].map((containerPort) => ({ containerPort })) },
];

function model(run: Run): { cluster: Cluster; pods: Pod[]; pod: (ns: string, name: string) => Pod } {
    const { cluster, pods } = clusterFromResources(run.resources);
    const all = [...pods, ...chartPods];
    const pod = (ns: string, name: string) => {
        const p = all.find((x) => x.namespace === ns && x.name === name);
        assert.ok(p, `no pod ${ns}/${name}`);
        return p;
    };
    return { cluster, pods: all, pod };
}

/** Every connection allowed between pods of different namespaces, as `src-ns/src -> dst-ns/dst:ports`. */
function crossNamespaceFlows(cluster: Cluster, pods: Pod[]): string[] {
    const out: string[] = [];
    for (const s of pods) {
        for (const d of pods) {
            if (s.namespace === d.namespace) continue;
            const ports = (d.ports ?? []).map((p) => p.containerPort).filter((port) => mayConnect(cluster, s, d, port).allowed);
            if (ports.length > 0) out.push(`${s.namespace}/${s.name} -> ${d.namespace}/${d.name}:${ports.length > 3 ? `${ports.length} ports` : ports.join(",")}`);
        }
    }
    return out.sort();
}

describe("isolation: the evaluator", () => {
    const ns = "a";
    const web: Pod = { name: "web", namespace: ns, labels: { app: "web" }, ports: [{ name: "http", containerPort: 8080 }] };
    const other: Pod = { name: "other", namespace: "b", labels: { app: "x" } };
    const deny = { metadata: { name: "default-deny", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } };

    it("allows everything without policies, nothing under a default-deny", () => {
        assert.equal(mayConnect({ namespaces: {}, policies: [] }, other, web, 8080).allowed, true);
        assert.equal(mayConnect({ namespaces: {}, policies: [deny] }, other, web, 8080).allowed, false);
        assert.equal(mayConnect({ namespaces: {}, policies: [deny] }, web, other, 80).allowed, false, "egress is isolated too");
    });

    it("takes the union of allows, matching namespaceSelector, podSelector, named ports and ipBlock", () => {
        const allow = { metadata: { name: "allow", namespace: ns }, spec: { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Ingress"], ingress: [{ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "b" } }, podSelector: { matchLabels: { app: "x" } } }], ports: [{ port: "http", protocol: "TCP" }] }] } };
        const lb = { metadata: { name: "lb", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [{ from: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 9000, endPort: 9010 }] }] } };
        const c: Cluster = { namespaces: {}, policies: [deny, allow, lb] };
        assert.equal(mayConnect(c, other, web, 8080).allowed, true);
        assert.equal(mayConnect(c, other, web, 8081).allowed, false);
        assert.equal(mayConnect(c, { ...other, labels: { app: "y" } }, web, 8080).allowed, false);
        assert.equal(mayConnect(c, INTERNET, web, 9005).allowed, true);
        assert.equal(mayConnect(c, { ip: "10.1.2.3" }, web, 9005).allowed, false, "except");
        assert.ok(inCidr("172.18.0.2", "172.18.0.0/16") && !inCidr("172.19.0.2", "172.18.0.0/16"));
    });
});

describe("isolation: generated NetworkPolicies (dev)", () => {
    let run: Run;
    let m: ReturnType<typeof model>;
    before(async () => {
        run = await runProgram({ stack: "dev" });
        m = model(run);
    });

    it("puts a default-deny and its allows in every namespace the program creates, except JupyterHub's (z2jh's own policies)", () => {
        const perNs: Record<string, string[]> = {};
        for (const p of run.all(NETPOL)) (perNs[p.inputs.metadata.namespace] ??= []).push(p.inputs.metadata.name);
        for (const v of Object.values(perNs)) v.sort();
        assert.deepEqual(perNs, {
            "cert-manager": ["allow-acme", "allow-api-server", "allow-dns", "allow-webhook", "default-deny"],
            diracx: ["allow-acme-solver", "allow-api-server", "allow-dns", "allow-external", "allow-from-ingress", "allow-from-nodes", "allow-in-namespace", "allow-public-urls", "default-deny"],
            "distributed-notebook": ["allow-api-server", "allow-dns", "allow-gateway", "allow-in-namespace", "allow-notebook", "allow-to-daemons", "default-deny"],
            "distributed-notebook-daemons": ["allow-api-server", "allow-dns", "allow-from-gateway", "allow-from-kernels", "allow-to-gateway", "allow-to-kernels", "default-deny"],
            "kruise-system": ["allow-api-server", "allow-dns", "allow-webhook", "default-deny"],
            "metallb-system": ["allow-api-server", "allow-dns", "allow-webhook", "default-deny"],
            "metrics-server": ["allow-aggregated-api", "allow-api-server", "allow-dns", "allow-kubelets", "default-deny"],
            nvflare: ["allow-dns", "allow-participants", "allow-to-overseer", "allow-to-server1", "allow-to-server2", "default-deny"],
            traefik: ["allow-api-server", "allow-backends", "allow-dns", "allow-entrypoints", "default-deny"],
        });
        const namespaces = run.all(NAMESPACE).map((n) => n.inputs.metadata.name).sort();
        assert.deepEqual(namespaces.filter((n) => !Object.keys(perNs).includes(n)), ["jupyterhub"]);
        assert.match(run.one(NAMESPACE, "jupyterhub-namespace").inputs.metadata.annotations["research-platform.io/policy-exception.namespace-default-deny"], /z2jh/);
        for (const p of run.all(NETPOL)) {
            const ns = run.all(NAMESPACE).find((n) => n.inputs.metadata.name === p.inputs.metadata.namespace);
            assert.ok(ns && p.dependsOn.includes(ns.urn), `${p.name} waits for its namespace`);
        }
    });

    it("selects pods by the labels the workloads carry", () => {
        for (const p of run.all(NETPOL)) {
            const sel = p.inputs.spec.podSelector?.matchLabels ?? {};
            if (Object.keys(sel).length === 0 || ["cert-manager", "metallb-system", "kruise-system", "metrics-server", "traefik"].includes(p.inputs.metadata.namespace)) continue;
            const selected = m.pods.filter((x) => x.namespace === p.inputs.metadata.namespace && Object.entries(sel).every(([k, v]) => x.labels[k] === v));
            assert.ok(selected.length > 0, `${p.inputs.metadata.namespace}/${p.inputs.metadata.name} selects no pod`);
        }
    });

    it("admits across namespaces exactly the flows of the wiring", () => {
        assert.deepEqual(crossNamespaceFlows(m.cluster, m.pods), [
            // Kernels (namespace default, not the program's: unrestricted) reach their daemon's registry and gRPC
            // port by the wiring, and every LoadBalancer-exposed port (NVFlare, the notebook front end, Traefik) like any client.
            "default/kernel -> distributed-notebook-daemons/local-daemon:8075,8080",
            "default/kernel -> distributed-notebook/jupyter-notebook:8888",
            "default/kernel -> nvflare/overseer:30843",
            "default/kernel -> nvflare/server1:30002,30003",
            "default/kernel -> nvflare/server2:30102,30103",
            "default/kernel -> traefik/traefik:8000,8443",
            // Daemons dial the kernels' sockets and the gateway's provisioner port; the gateway the daemons' router sockets
            // (and their ephemeral IOPub forwarders, which no declared port shows).
            "distributed-notebook-daemons/local-daemon -> default/kernel:5 ports",
            "distributed-notebook-daemons/local-daemon -> distributed-notebook/gateway:8081",
            "distributed-notebook/gateway -> distributed-notebook-daemons/local-daemon:4 ports",
            // Traefik reaches backends in any namespace, where the backend admits it (ingress ports, public ports).
            "traefik/traefik -> default/kernel:6 ports",
            "traefik/traefik -> diracx/cm-acme-http-solver:8089",
            "traefik/traefik -> diracx/diracx:8000",
            "traefik/traefik -> distributed-notebook/jupyter-notebook:8888",
            "traefik/traefik -> nvflare/overseer:30843",
            "traefik/traefik -> nvflare/server1:30002,30003",
            "traefik/traefik -> nvflare/server2:30102,30103",
        ]);
    });

    it("denies other applications' pods, and allows the wiring (pairs)", () => {
        const { cluster, pod } = m;
        const no = (s: Endpoint, d: Endpoint, port: number) => assert.equal(mayConnect(cluster, s, d, port).allowed, false, `${s.name} -> ${d.name}:${port} must be denied`);
        const yes = (s: Endpoint, d: Endpoint, port: number, proto = "TCP") => {
            const v = mayConnect(cluster, s, d, port, proto);
            assert.equal(v.allowed, true, `${s.name} -> ${d.name}:${port}: ${v.reason}`);
        };
        // Across applications.
        no(pod("nvflare", "server1"), pod("diracx", "diracx"), 8000);
        no(pod("nvflare", "server1"), pod("distributed-notebook-daemons", "local-daemon"), 9000);
        no(pod("distributed-notebook", "gateway"), pod("nvflare", "server1"), 30002);
        no(pod("diracx", "diracx"), pod("distributed-notebook", "gateway"), 8080);
        no(pod("default", "kernel"), pod("diracx", "diracx-mysql"), 3306);
        no(pod("traefik", "traefik"), pod("diracx", "diracx-mysql"), 3306);
        no(pod("diracx", "diracx"), pod("cert-manager", "cert-manager-webhook"), 10250);
        no(pod("nvflare", "server1"), API_SERVER, 6443);
        no(INTERNET, pod("distributed-notebook-daemons", "local-daemon"), 9000);
        // Along the wiring.
        yes(pod("distributed-notebook", "gateway"), pod("distributed-notebook-daemons", "local-daemon"), 9000);
        yes(pod("distributed-notebook-daemons", "local-daemon"), pod("distributed-notebook", "gateway"), 8081);
        yes(pod("distributed-notebook", "jupyter-notebook"), pod("distributed-notebook", "gateway"), 8080);
        yes(pod("default", "kernel"), pod("distributed-notebook-daemons", "local-daemon"), 8075);
        no(pod("default", "kernel"), pod("distributed-notebook", "gateway"), 8081);
        yes(pod("distributed-notebook", "gateway"), API_SERVER, 6443);
        yes(pod("nvflare", "server1"), pod("nvflare", "overseer"), 30843);
        yes(INTERNET, pod("nvflare", "server1"), 30002);
        yes(INTERNET, pod("traefik", "traefik"), 8443);
        yes(pod("traefik", "traefik"), pod("diracx", "diracx"), 8000);
        yes(pod("diracx", "diracx"), pod("diracx", "diracx-mysql"), 3306);
        yes(API_SERVER, pod("cert-manager", "cert-manager-webhook"), 10250);
        yes(API_SERVER, pod("metrics-server", "metrics-server"), 10250);
        yes(pod("metrics-server", "metrics-server"), NODE, 10250);
        yes(pod("nvflare", "server1"), { name: "kube-dns", namespace: "kube-system", labels: { "k8s-app": "kube-dns" } }, 53, "UDP");
    });
});

describe("isolation: availability", () => {
    it("has a PodDisruptionBudget and node spreading exactly where replicas >= 2 (dev and prod)", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const run = await runProgram({ stack, placeholderSecrets: stack === "prod" });
            const workloads = [...run.all("kubernetes:apps/v1:Deployment"), ...run.all("kubernetes:apps/v1:StatefulSet")];
            const pdbs = run.all(PDB);
            for (const w of workloads) {
                const labels = w.inputs.spec.template.metadata.labels;
                const mine = pdbs.filter((p) => p.inputs.metadata.namespace === w.inputs.metadata.namespace && Object.entries(p.inputs.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
                const spec = w.inputs.spec.template.spec;
                const spreads = JSON.stringify(spec.affinity ?? {}).includes("kubernetes.io/hostname") || JSON.stringify(spec.topologySpreadConstraints ?? []).includes("kubernetes.io/hostname");
                if ((w.inputs.spec.replicas ?? 1) >= 2) {
                    assert.equal(mine.length, 1, `${stack}: ${w.name} needs one PDB`);
                    assert.equal(mine[0].inputs.spec.maxUnavailable, 1);
                    assert.equal(mine[0].inputs.spec.unhealthyPodEvictionPolicy, "AlwaysAllow");
                    assert.ok(spreads, `${stack}: ${w.name} spreads over nodes`);
                } else {
                    assert.equal(mine.length, 0, `${stack}: single-replica ${w.name} gets no PDB (it would only block drains)`);
                }
            }
        }
    });
});

describe("isolation: config", () => {
    it("rejects an address that is not a CIDR, and an empty list, with the key and a fix", async () => {
        const p = await configProblems({ stack: "dev", set: ['kubernetes={"apiServerCidrs":["10.0.0.1"],"nodeCidrs":[]}'] });
        assert.ok(p.some((l) => /^research-platform:kubernetes\.apiServerCidrs\[0\]: must be a CIDR such as 10\.0\.0\.0\/16\. Fix: /.test(l)), p.join("\n"));
        assert.ok(p.some((l) => /^research-platform:kubernetes\.nodeCidrs: is empty\. Fix: /.test(l)), p.join("\n"));
    });

    it("puts the configured API server and node addresses into the policies", async () => {
        const run = await runProgram({ stack: "dev", set: ['kubernetes={"distribution":"kind","environment":"dev","apiServerCidrs":["10.1.0.0/28"],"nodeCidrs":["10.2.0.0/16"]}'] });
        const api = run.one(NETPOL, "metrics-server-netpol-allow-api-server").inputs.spec.egress[0];
        assert.deepEqual(api.to, [{ ipBlock: { cidr: "10.1.0.0/28" } }]);
        assert.deepEqual(api.ports, [443, 6443].map((port) => ({ port, protocol: "TCP" })));
        assert.deepEqual(run.one(NETPOL, "metrics-server-netpol-allow-kubelets").inputs.spec.egress[0].to, [{ ipBlock: { cidr: "10.2.0.0/16" } }]);
    });
});
