/**
 * Issue 19, item 5: the offline plan knows the dev cluster's nodes (kind/cluster.yaml) and fails a
 * configuration whose pods cannot be placed on them (tools/guardrails/scheduling.ts).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { secretSpecs } from "../config";
import { runChecks } from "../tools/guardrails";
import { KIND_NODE_ASSUMPTION, cpuMilli, kindNodeModel, memoryBytes, parseQuantity, planPods, schedule, schedulingFindings, type PodDemand } from "../tools/guardrails/scheduling";
import type { Plan } from "../tools/plan-engine/types";
import { PROJECT_DIR, configProblems, runProgram } from "./harness";

const prodSecrets = secretSpecs.map((s) => `${s.key}=placeholder`);
const mandatory = (plan: Plan, env: NodeJS.ProcessEnv = {}) => schedulingFindings(plan, undefined, env).filter((f) => f.level === "mandatory");

/** A pod demand with defaults, for the placement unit tests. */
function pod(owner: string, over: Partial<PodDemand> = {}): PodDemand {
    return { owner, namespace: "ns", count: 1, daemon: false, transient: false, request: { cpu: 100, memory: 2 ** 27 }, labels: {}, nodeSelector: {}, nodeAffinity: [], tolerations: [], antiAffinity: [], hostPorts: [], ...over };
}

describe("scheduling: the kind cluster's nodes", () => {
    it("reads kind/cluster.yaml: one tainted control plane and 4 workers, named as kind names them", () => {
        const m = kindNodeModel(undefined, {});
        assert.deepEqual(
            m.nodes.map((n) => [n.name, n.role, n.taints.map((t) => `${t.key}:${t.effect}`).join(",")]),
            [
                ["research-platform-control-plane", "control-plane", "node-role.kubernetes.io/control-plane:NoSchedule"],
                ["research-platform-worker", "worker", ""],
                ["research-platform-worker2", "worker", ""],
                ["research-platform-worker3", "worker", ""],
                ["research-platform-worker4", "worker", ""],
            ],
        );
        assert.equal(m.source, path.join("kind", "cluster.yaml"));
        assert.deepEqual(m.allocatable, { cpu: cpuMilli(KIND_NODE_ASSUMPTION.cpu), memory: memoryBytes(KIND_NODE_ASSUMPTION.memory) });
        assert.equal(m.sharedHost, true, "kind nodes share one Docker host");
    });

    it("leaves a one-node cluster's control plane untainted (kind removes the taint) and takes node labels", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sched-"));
        try {
            const one = path.join(dir, "one.yaml");
            fs.writeFileSync(one, "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: solo\nnodes:\n  - role: control-plane\n    labels: { gpu: \"yes\" }\n");
            const m = kindNodeModel(one, { KIND_NODE_CPU: "4", KIND_NODE_MEMORY: "8Gi" });
            assert.deepEqual(m.nodes.map((n) => [n.name, n.taints.length, n.labels.gpu]), [["solo-control-plane", 0, "yes"]]);
            assert.deepEqual(m.allocatable, { cpu: 4000, memory: 8 * 2 ** 30 });
            assert.match(m.allocatableFrom, /KIND_NODE_CPU=4, KIND_NODE_MEMORY=8Gi/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads Kubernetes quantities", () => {
        const cases: Array<[string, number]> = [["100m", 0.1], ["1", 1], ["1.5", 1.5], ["512Mi", 512 * 2 ** 20], ["1G", 1e9], ["2Gi", 2 * 2 ** 30], ["128974848", 128974848], ["1e3", 1000], ["64k", 64000]];
        for (const [q, v] of cases) assert.equal(parseQuantity(q), v, q);
        for (const bad of ["", "lots", "1 Gi", "Mi"]) assert.equal(parseQuantity(bad), undefined, bad);
    });
});

describe("scheduling: placement", () => {
    const model = () => kindNodeModel(undefined, { KIND_NODE_CPU: "4", KIND_NODE_MEMORY: "8Gi" });

    it("puts one-per-node replicas on distinct workers and reports the ones left over", () => {
        const anti = [{ matchLabels: { app: "d" } }];
        const r = schedule([pod("StatefulSet ns/d", { count: 6, labels: { app: "d" }, antiAffinity: anti })], model());
        const hosts = r.nodes.filter((n) => n.pods.some((p) => p.owner === "StatefulSet ns/d")).map((n) => n.node.name);
        assert.equal(hosts.length, 4);
        assert.ok(!hosts.includes("research-platform-control-plane"), "the tainted control plane takes none");
        assert.equal(r.unplaced.length, 1);
        assert.equal(r.unplaced[0].missing, 2);
        assert.match(r.unplaced[0].why, /4 node\(s\): one per node \(required pod anti-affinity on kubernetes\.io\/hostname\)/);
        assert.match(r.unplaced[0].why, /1 node\(s\): taint node-role\.kubernetes\.io\/control-plane:NoSchedule/);
    });

    it("lets a pod that tolerates the control-plane taint run there", () => {
        const r = schedule([pod("Deployment ns/t", { count: 5, labels: { app: "t" }, antiAffinity: [{ matchLabels: { app: "t" } }], tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] })], model());
        assert.deepEqual(r.unplaced, []);
    });

    it("refuses a request larger than a node, a nodeSelector no node has, and a host port twice per node", () => {
        const r = schedule(
            [
                pod("Deployment ns/big", { request: { cpu: 6000, memory: 2 ** 30 } }),
                pod("Deployment ns/gpu", { nodeSelector: { "nvidia.com/gpu.present": "true" } }),
                pod("Deployment ns/hp", { count: 5, hostPorts: [8080] }),
                pod("Deployment ns/arch", { nodeSelector: { "kubernetes.io/arch": "arm64", "kubernetes.io/os": "linux" } }),
            ],
            model(),
        );
        const by = new Map(r.unplaced.map((u) => [u.owner, u]));
        assert.match(by.get("Deployment ns/big")!.why, /too small: it requests 6 CPU and 1\.0 GiB, a node offers 4 CPU and 8\.0 GiB \(KIND_NODE_CPU=4/);
        assert.match(by.get("Deployment ns/gpu")!.why, /4 node\(s\): nodeSelector/);
        assert.equal(by.get("Deployment ns/hp")!.missing, 1);
        assert.match(by.get("Deployment ns/hp")!.why, /host port 8080 taken/);
        assert.ok(!by.has("Deployment ns/arch"), "a kind node has the Docker host's architecture, whichever it is");
    });

    it("fills nodes by least requested, and reports what does not fit in the room left", () => {
        const r = schedule([pod("Deployment ns/fat", { count: 5, request: { cpu: 3000, memory: 2 ** 30 } })], model());
        assert.equal(r.unplaced.length, 1, JSON.stringify(r.unplaced));
        assert.equal(r.unplaced[0].missing, 1, "4 workers take one each; none has room for a second");
        assert.match(r.unplaced[0].why, /without room left for 3 CPU/);
    });

    it("counts the effective request: containers and sidecars, or the largest init container", () => {
        const spec = {
            initContainers: [{ name: "i", resources: { requests: { cpu: "2", memory: "64Mi" } } }, { name: "side", restartPolicy: "Always", resources: { requests: { cpu: "100m", memory: "64Mi" } } }],
            containers: [{ name: "a", resources: { requests: { cpu: "250m", memory: "256Mi" } } }, { name: "b", resources: { limits: { cpu: "500m", memory: "128Mi" } } }],
        };
        const plan = { resources: [{ urn: "u", type: "kubernetes:apps/v1:Deployment", name: "x", inputs: { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x", namespace: "n" }, spec: { replicas: 2, template: { metadata: { labels: { a: "x" } }, spec } } } }] } as unknown as Plan;
        const [d] = planPods(plan);
        assert.equal(d.owner, "Deployment n/x");
        assert.equal(d.count, 2);
        // containers 250m + 500m (limit as request) + sidecar 100m = 850m < init 2: the init container's CPU; memory 256+128+64.
        assert.deepEqual(d.request, { cpu: 2000, memory: 448 * 2 ** 20 });
    });
});

describe("scheduling: the check on the plans", () => {
    it("runs on every plan and finds nothing wrong with the committed dev stack", async () => {
        const run = await runProgram({ stack: "dev" });
        const { checksRun, findings } = runChecks(run.plan);
        assert.ok(checksRun.includes("scheduling"));
        assert.deepEqual(findings.filter((f) => f.rule === "scheduling"), []);
        // Every workload the program writes is counted.
        const owners = planPods(run.plan).map((p) => p.owner);
        for (const w of ["StatefulSet distributed-notebook-daemons/local-daemon", "Deployment distributed-notebook/gateway", "Deployment nvflare/overseer", "Job nvflare/nvflare-provision"]) assert.ok(owners.includes(w), `${w} in ${owners.join(", ")}`);
    });

    it("fails one local daemon per node on fewer workers than localDaemons (kind/cluster.yaml as it is on disk)", async () => {
        // The config refuses localDaemons above KIND_WORKER_COUNT; the guardrail reads the kind file
        // itself, so a kind/cluster.yaml edited down to 3 workers is caught too.
        const run = await runProgram({ stack: "dev" });
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sched-"));
        try {
            const file = path.join(dir, "cluster.yaml");
            const text = fs.readFileSync(path.join(PROJECT_DIR, "kind", "cluster.yaml"), "utf8");
            fs.writeFileSync(file, text.replace(/\n {2}- role: worker\n( {4}.*\n| {6}.*\n)*$/, "\n"));
            assert.equal(kindNodeModel(file, {}).nodes.filter((n) => n.role === "worker").length, 3);
            const f = schedulingFindings(run.plan, file, {}).filter((x) => x.level === "mandatory");
            assert.equal(f.length, 1, JSON.stringify(f));
            assert.equal(f[0].subject, "StatefulSet distributed-notebook-daemons/local-daemon");
            assert.ok(f[0].message.startsWith(`1 of 4 pods cannot be scheduled on the 4 nodes of ${file}: `), f[0].message);
            assert.match(f[0].message, /3 node\(s\): one per node \(required pod anti-affinity on kubernetes\.io\/hostname\)/);
            assert.match(f[0].message, /1 node\(s\): taint node-role\.kubernetes\.io\/control-plane:NoSchedule/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("localDaemons: 8 on kind's 4 workers never reaches a cluster", async () => {
        const problems = await configProblems({ stack: "dev", set: ["distributedNotebook.localDaemons=8"] });
        assert.ok(problems.some((p) => p.startsWith("research-platform:distributedNotebook.localDaemons")), problems.join("\n"));
    });

    it("fails a request larger than any node", async () => {
        const run = await runProgram({ stack: "dev", set: ['nvflare.resources.server={"requests":{"cpu":"12","memory":"512Mi"},"limits":{"cpu":"12","memory":"2Gi"}}'] });
        const f = mandatory(run.plan);
        assert.deepEqual(f.map((x) => x.subject).sort(), ["Deployment nvflare/server1", "Deployment nvflare/server2"]);
        assert.match(f[0].message, /too small: it requests 12 CPU/);
    });

    it("checks against the Docker host you give (KIND_NODE_CPU / KIND_NODE_MEMORY), and says when the pods overcommit it", async () => {
        const run = await runProgram({ stack: "dev" });
        const small = schedulingFindings(run.plan, undefined, { KIND_NODE_CPU: "2", KIND_NODE_MEMORY: "3Gi" });
        assert.ok(small.some((f) => f.level === "advisory" && /more than the one Docker host every node of kind\/cluster\.yaml shares \(2 CPU, 3\.0 GiB: KIND_NODE_CPU=2/.test(f.message)), JSON.stringify(small));
    });

    it("the README's laptop figure is what the check assumes, and covers what the dev plan requests", async () => {
        const readme = fs.readFileSync(path.join(PROJECT_DIR, "README.md"), "utf8");
        const m = /\*\*(\d+) CPUs and (\d+) GiB for Docker\*\*/.exec(readme);
        assert.ok(m, "the README recommends Docker resources in the form **N CPUs and M GiB for Docker**");
        assert.deepEqual([m[1], `${m[2]}Gi`], [KIND_NODE_ASSUMPTION.cpu, KIND_NODE_ASSUMPTION.memory]);
        const run = await runProgram({ stack: "dev" });
        const r = schedule(planPods(run.plan), kindNodeModel(undefined, {}));
        assert.deepEqual(r.unplaced, []);
        assert.ok(r.total.cpu <= cpuMilli(m[1]) && r.total.memory <= memoryBytes(`${m[2]}Gi`), `the dev plan requests ${r.total.cpu}m CPU and ${r.total.memory} bytes`);
    });

    it("says that prod's nodes are not known, and checks nothing there", async () => {
        const run = await runProgram({ stack: "prod", secrets: prodSecrets });
        const f = schedulingFindings(run.plan);
        assert.deepEqual(f.map((x) => [x.level, x.subject]), [["advisory", "cluster"]]);
        assert.match(f[0].message, /kubernetes\.distribution is generic: the nodes of this cluster are not known offline/);
    });

    it("npm run plan -- --strict exits 3 on an unschedulable dev config", function () {
        this.timeout(180000);
        const out = fs.mkdtempSync(path.join(os.tmpdir(), "sched-plan-"));
        try {
            const r = spawnSync("npm", ["run", "--silent", "plan", "--", "--stack", "dev", "--strict", ...["distributedNotebook", "jupyterhub", "diracx"].flatMap((app) => ["--set", `${app}.enabled=false`]), "--set", 'nvflare.resources.server={"requests":{"cpu":"12","memory":"512Mi"},"limits":{"cpu":"12","memory":"2Gi"}}', "--out", out], { cwd: PROJECT_DIR, encoding: "utf8" });
            assert.equal(r.status, 3, r.stdout + r.stderr);
            const summary = fs.readFileSync(path.join(out, "summary.md"), "utf8");
            assert.match(summary, /scheduling.*nvflare\/server1/);
            // The other apps are off to plan less: the config brings no other mandatory finding (an
            // unrendered release, where this machine has no Helm or chart sources, is the machine's).
            assert.deepEqual([...summary.matchAll(/\*\*mandatory\*\* `([^`]+)`/g)].map((m) => m[1]).filter((r) => r !== "scheduling" && r !== "helm-render"), []);
        } finally {
            fs.rmSync(out, { recursive: true, force: true });
        }
    });
});
