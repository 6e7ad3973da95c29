/** distributedNotebook: ordering, config errors, the kind cluster config and the upstream reference (the objects and the rest are in distributedNotebook.test.ts). */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import { parse } from "yaml";
import { DistributedNotebook } from "../components/apps/distributedNotebook";
import { KIND_WORKER_COUNT, distributedNotebookSchema } from "../config/distributedNotebook";
import { buildGraph } from "../tools/plan-engine/graph";
import { runPlan } from "../tools/plan-engine/runPlan";
import { PROJECT_DIR, Run, configProblems, runProgram } from "./harness";
import { needsReference, referenceFile } from "./referenceData";
import { T, COMPONENT, APP_NS, DAEMON_NS, obj, prodSecrets, daemonYml } from "./distributedNotebookUtil";


let dev: Run;
before(async () => {
    dev = await runProgram({ stack: "dev" });
});

describe("distributedNotebook: ordering", () => {
    /** The component alone, with stand-ins for the add-ons' handles. */
    async function withHandles(serviceType: "LoadBalancer" | "ClusterIP") {
        const plan = await runPlan({
            projectDir: PROJECT_DIR,
            stack: "dev",
            base: "empty",
            program: () => {
                const provider = new k8s.Provider("k8s", {});
                const stand = (n: string) => new k8s.core.v1.ConfigMap(n, { metadata: { name: n, namespace: "kube-system" } }, { provider });
                const kruise = stand("kruise-release");
                const storage = stand("local-path-class");
                const pool = stand("metallb-pool");
                const config = distributedNotebookSchema.parse({ enabled: true, serviceType });
                new DistributedNotebook("distributed-notebook", {
                    config,
                    provider,
                    environment: "dev",
                    handles: { notebookPrerequisites: [kruise], storageClassName: "local-path", storageReady: [storage], loadBalancerReady: [pool], network: { apiServerCidrs: ["172.18.0.0/16"], apiServerPorts: [443, 6443], nodeCidrs: ["172.18.0.0/16"] } },
                });
                return {};
            },
        });
        const run = new Run(plan);
        const urn = (n: string) => run.one(T.cm, n).urn;
        return { run, kruise: urn("kruise-release"), storage: urn("local-path-class"), pool: urn("metallb-pool") };
    }

    /** Every wait node `urn` waits for, directly or through others. */
    function waitsTransitively(g: ReturnType<typeof buildGraph>, urn: string): Set<string> {
        const seen = new Set<string>();
        const todo = [...(g.waitsFor.get(urn) ?? [])];
        while (todo.length > 0) {
            const u = todo.pop()!;
            if (seen.has(u)) continue;
            seen.add(u);
            todo.push(...(g.waitsFor.get(u) ?? []));
        }
        return seen;
    }

    it("makes every resource of the component wait for its prerequisites (the OpenKruise release)", async () => {
        const { run, kruise } = await withHandles("LoadBalancer");
        const component = run.one(COMPONENT, "distributed-notebook");
        const children = run.descendants(component).filter((r) => r.custom);
        assert.ok(children.length > 30, `the component has its objects (${children.length})`);
        for (const r of children) assert.ok(r.dependsOn.includes(kruise), `${r.type} ${r.name} waits for OpenKruise`);
    });

    it("waits for the storage class only where volumes are claimed, and for MetalLB only for the Jupyter LoadBalancer Service", async () => {
        const { run, storage, pool } = await withHandles("LoadBalancer");
        const component = run.one(COMPONENT, "distributed-notebook");
        for (const r of run.descendants(component).filter((x) => x.custom)) {
            const isLb = r.type === T.svc && r.inputs.spec.type === "LoadBalancer";
            assert.equal(r.dependsOn.includes(pool), isLb, `${r.name}: waits for the pools iff it is a LoadBalancer`);
            assert.equal(r.dependsOn.includes(storage), r.type === T.sts, `${r.name}: waits for the storage class iff it claims volumes`);
        }
        assert.deepEqual(run.all(T.svc).filter((s) => s.inputs.spec.type === "LoadBalancer").map((s) => s.inputs.metadata.name), ["jupyter-notebook"]);
        const clusterIp = await withHandles("ClusterIP");
        const waiting = clusterIp.run.resources.filter((r) => r.custom && r.dependsOn.includes(clusterIp.pool)).map((r) => r.name);
        assert.deepEqual(waiting, [], "with ClusterIP Services nothing waits for MetalLB");
    });

    it("in the real program, waits for the OpenKruise release and not for metrics-server, which deploys beside it", async () => {
        // No NotebookOS code reads the metrics API; the gateway creates OpenKruise CloneSets (docs/distributed-notebook.md).
        const run = await runProgram({ stack: "dev" });
        const releases = run.all("kubernetes:helm.sh/v3:Release");
        const kruise = releases.find((r) => r.inputs.chart === "kruise");
        const metricsServer = releases.find((r) => r.inputs.chart === "metrics-server");
        assert.ok(kruise && metricsServer, "the dev stack installs both add-ons");
        const g = buildGraph(run.plan.resources);
        const component = run.one(COMPONENT, "distributed-notebook");
        for (const r of run.descendants(component).filter((x) => x.custom)) {
            assert.ok((g.waitsFor.get(r.urn) ?? []).includes(kruise.urn), `${r.type} ${r.name} waits for the OpenKruise release`);
            assert.ok(!waitsTransitively(g, r.urn).has(metricsServer.urn), `${r.type} ${r.name} does not wait for metrics-server`);
        }
        assert.ok(!waitsTransitively(g, metricsServer.urn).has(kruise.urn), "metrics-server does not wait for OpenKruise");
        assert.ok(!waitsTransitively(g, kruise.urn).has(metricsServer.urn), "OpenKruise does not wait for metrics-server");
    });

    it("starts the gateway after its config and RBAC, and the daemons after their config and the gateway alias", () => {
        const gw = obj(dev, T.deploy, "gateway");
        for (const dep of [obj(dev, T.cm, "daemon-configmap", APP_NS), obj(dev, T.cm, "kube-scheduler-config"), obj(dev, T.crb, `${APP_NS}-kube-scheduler`)]) {
            assert.ok(gw.dependsOn.includes(dep.urn), `gateway waits for ${dep.name}`);
        }
        const sts = obj(dev, T.sts, "local-daemon");
        for (const dep of [obj(dev, T.cm, "daemon-configmap", DAEMON_NS), obj(dev, T.svc, "gateway", DAEMON_NS)]) {
            assert.ok(sts.dependsOn.includes(dep.urn), `local-daemon waits for ${dep.name}`);
        }
    });
});

describe("distributedNotebook: config errors", () => {
    // Only what this component needs, so other components' settings cannot add problems.
    const on = ["kubernetes.distribution=kind", "kubernetes.environment=dev", "kruise.enabled=true", "distributedNotebook.enabled=true", "distributedNotebook.serviceType=ClusterIP"];
    /** The same on a cluster of any size (kind fixes the number of local daemons). */
    const generic = [...on, "kubernetes.distribution=generic", 'kubernetes.apiServerCidrs=["10.0.0.0/28"]', 'kubernetes.nodeCidrs=["10.0.0.0/16"]'];

    it("refuses every scheduling policy but static, which the pinned gateway alone starts with (defect 5)", async () => {
        for (const policy of ["dynamic-v4", "dynamic-v3", "default", "fifo"]) {
            const problems = await configProblems({ empty: true, set: [...on, `distributedNotebook.schedulingPolicy=${policy}`] });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(
                problems[0],
                /^research-platform:distributedNotebook\.schedulingPolicy: must be static: the pinned NotebookOS gateway \(8862fac\) supports only the static policy in Kubernetes mode \(dynamic-v3, dynamic-v4, default make the gateway panic at start-up\)\. Fix: set distributedNotebook\.schedulingPolicy to static$/,
            );
        }
    });

    it("refuses a number of SMR replicas other than the gateway's fixed 3 (defect 6)", async () => {
        for (const n of [2, 4]) {
            const problems = await configProblems({ empty: true, set: [...generic, `distributedNotebook.smrReplicas=${n}`, "distributedNotebook.localDaemons=4"] });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], new RegExp(`^research-platform:distributedNotebook\\.smrReplicas: is ${n}, but the pinned NotebookOS gateway \\(8862fac\\) always creates 3 replicas per kernel.*Fix: remove distributedNotebook\\.smrReplicas or set it to 3$`));
        }
    });

    it("refuses fewer than 3 local daemons or a minimum cluster size below 3 (a kernel's 3 replicas; D12)", async () => {
        const daemons = await configProblems({ empty: true, set: [...generic, "distributedNotebook.localDaemons=2", "distributedNotebook.minNodes=2"] });
        assert.deepEqual(daemons.map((p) => p.split(": ")[0]).sort(), ["research-platform:distributedNotebook.localDaemons", "research-platform:distributedNotebook.minNodes"], daemons.join("\n"));
        assert.match(daemons.find((p) => p.includes(".localDaemons:"))!, /is 2, but each kernel's 3 replicas need 3 different nodes, each with a local daemon\. Fix: set localDaemons to at least 3/);
        assert.match(daemons.find((p) => p.includes(".minNodes:"))!, /is 2, but the gateway's static policy panics at start-up below 3 nodes.*Fix: set minNodes to at least 3/);
        await runProgram({ empty: true, set: [...generic, "distributedNotebook.localDaemons=3", "distributedNotebook.minNodes=3"] });
    });

    it("refuses a minimum cluster size the local daemons cannot provide", async () => {
        const problems = await configProblems({ empty: true, set: [...generic, "distributedNotebook.localDaemons=3", "distributedNotebook.minNodes=4"] });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^research-platform:distributedNotebook\.minNodes: is 4, but only 3 local daemons \(hosts\) run\. Fix: lower minNodes to at most 3/);
    });

    it("on kind, refuses a number of local daemons other than the workers of kind/cluster.yaml (D14)", async () => {
        for (const n of [KIND_WORKER_COUNT - 1, KIND_WORKER_COUNT + 1]) {
            const problems = await configProblems({ empty: true, set: [...on, `distributedNotebook.localDaemons=${n}`, "distributedNotebook.minNodes=3"] });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], new RegExp(`^research-platform:distributedNotebook\\.localDaemons: is ${n}, but kind/cluster\\.yaml has ${KIND_WORKER_COUNT} workers: .*cannot register.*Fix: set localDaemons to ${KIND_WORKER_COUNT}`));
        }
    });

    it("refuses a remote storage the kernels cannot use, and endpoints that do not fit the backend (D2)", async () => {
        const hdfs = await configProblems({ empty: true, set: [...on, "distributedNotebook.remoteStorage=hdfs"] });
        assert.equal(hdfs.length, 1, hdfs.join("\n"));
        assert.match(hdfs[0], /^research-platform:distributedNotebook\.remoteStorage: must be one of local, redis, s3 \(.*HDFS is no longer supported\)\. Fix: /);
        const unused = await configProblems({ empty: true, set: [...on, "distributedNotebook.remoteStorageEndpoint=hdfs.example.org:9000"] });
        assert.equal(unused.length, 1, unused.join("\n"));
        assert.match(unused[0], /^research-platform:distributedNotebook\.remoteStorageEndpoint: is set, but remoteStorage is local, which uses no endpoint\. Fix: /);
        const missing = await configProblems({ empty: true, set: [...on, "distributedNotebook.remoteStorage=redis"] });
        assert.match(missing[0], /^research-platform:distributedNotebook\.remoteStorageEndpoint: is required with remoteStorage redis/);
        const withPort = await configProblems({ empty: true, set: [...on, "distributedNotebook.remoteStorage=redis", "distributedNotebook.remoteStorageEndpoint=redis.example.org:6379"] });
        assert.match(withPort[0], /remoteStorageEndpoint: is "redis\.example\.org:6379", not a host name or IPv4 address: the kernels take it as the Redis host and connect on port 6379\. Fix: /);
        const bucket = await configProblems({ empty: true, set: [...on, "distributedNotebook.remoteStorage=s3", "distributedNotebook.remoteStorageEndpoint=Not_A_Bucket"] });
        assert.match(bucket[0], /remoteStorageEndpoint: is "Not_A_Bucket", not an S3 bucket name/);
        await runProgram({ empty: true, set: [...on, "distributedNotebook.remoteStorage=redis", "distributedNotebook.remoteStorageEndpoint=redis.example.org"] });
        await runProgram({ empty: true, set: [...on, "distributedNotebook.remoteStorage=s3", "distributedNotebook.remoteStorageEndpoint=notebook-checkpoints"] });
    });

    it("refuses ports the images fix (gateway, localDaemon 8080; prometheus 8089) (D11, D17)", async () => {
        const problems = await configProblems({ empty: true, set: [...on, "distributedNotebook.ports.gateway=8090", "distributedNotebook.ports.localDaemon=8091", "distributedNotebook.ports.prometheus=9090"] });
        assert.equal(problems.length, 3, problems.join("\n"));
        assert.ok(problems.some((p) => /^research-platform:distributedNotebook\.ports\.gateway: must be 8080: the Jupyter image's kernelspec dials gateway:8080.*Fix: remove the key or set it to 8080$/.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /^research-platform:distributedNotebook\.ports\.localDaemon: must be 8080: /.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /^research-platform:distributedNotebook\.ports\.prometheus: must be 8089: only the gateway reads prometheus_port/.test(p)), problems.join("\n"));
    });

    it("refuses a notebook image given by digest, which the gateway would turn into an invalid kernel image (D13)", async () => {
        const digest = `registry.example.org/notebookos/jupyter-gpu@sha256:${"a".repeat(64)}`;
        const problems = await configProblems({ empty: true, set: [...on, `distributedNotebook.images.notebook=${digest}`] });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^research-platform:distributedNotebook\.images\.notebook: is a digest reference, but the gateway starts kernels from .*Fix: give the notebook image by tag/);
        await runProgram({ empty: true, set: [...on, `distributedNotebook.images.gateway=registry.example.org/notebookos/gateway@sha256:${"b".repeat(64)}`] });
    });

    it("refuses ports that collide in one pod, and accepts upstream's shared 8080 across pods", async () => {
        const problems = await configProblems({ empty: true, set: [...on, "distributedNotebook.ports.hb=8081", "distributedNotebook.ports.schedulerHttp=10259"] });
        assert.equal(problems.length, 2, problems.join("\n"));
        assert.ok(problems.some((p) => /^research-platform:distributedNotebook\.ports\.provisioner: is 8081, which the gateway pod already uses for ports\.hb\. Fix: /.test(p)), problems.join("\n"));
        assert.ok(problems.some((p) => /^research-platform:distributedNotebook\.ports\.schedulerHttp: is 10259, which the gateway pod already uses for kube-scheduler \(10259\)/.test(p)), problems.join("\n"));
        await runProgram({ empty: true, set: [...on, "distributedNotebook.ports.smr=8080", "distributedNotebook.ports.localDaemon=8080"] });
    });

    it("requires OpenKruise, and MetalLB for LoadBalancer Services on kind", async () => {
        const problems = await configProblems({ empty: true, set: ["kubernetes.distribution=kind", "distributedNotebook.enabled=true"] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), ["research-platform:distributedNotebook.serviceType", "research-platform:kruise.enabled"]);
        assert.match(problems.find((p) => p.startsWith("research-platform:kruise"))!, /CloneSets.*Fix: set kruise\.enabled to true/);
        assert.match(problems.find((p) => p.startsWith("research-platform:distributedNotebook"))!, /MetalLB is off.*Fix: set metallb\.enabled to true, or distributedNotebook\.serviceType to ClusterIP/);
        await runProgram({ empty: true, set: [...on, "distributedNotebook.serviceType=ClusterIP"] });
        await runProgram({ empty: true, set: [...on, "kubernetes.distribution=generic", 'kubernetes.apiServerCidrs=["10.0.0.0/28"]', 'kubernetes.nodeCidrs=["10.0.0.0/16"]', "distributedNotebook.serviceType=LoadBalancer"] });
    });

    it("refuses shared or kernel namespaces and latest tags in prod; prod's own config is valid", async () => {
        const same = await configProblems({ empty: true, set: [...on, "distributedNotebook.daemonNamespace=distributed-notebook"] });
        assert.equal(same.length, 1);
        assert.match(same[0], /^research-platform:distributedNotebook\.daemonNamespace: is the same as namespace/);
        const kernels = await configProblems({ empty: true, set: [...on, "distributedNotebook.namespace=default"] });
        assert.equal(kernels.length, 1);
        assert.match(kernels[0], /^research-platform:distributedNotebook\.namespace: is "default", where the gateway creates the kernels/);
        const latest = await configProblems({ stack: "prod", secrets: prodSecrets(), set: ["distributedNotebook.images.gateway=docker.io/scusemua/gateway:latest"] });
        assert.equal(latest.length, 1, latest.join("\n"));
        assert.match(latest[0], /^research-platform:distributedNotebook\.images\.gateway: is "docker\.io\/scusemua\/gateway:latest": the "latest" tag is not allowed in prod/);
        const prod = await runProgram({ stack: "prod", secrets: prodSecrets() });
        assert.equal(daemonYml(prod)["scheduling-policy"], "static", "prod runs the policy the gateway supports");
    });
});

describe("distributedNotebook: kind cluster config", () => {
    const kind = parse(fs.readFileSync(path.join(PROJECT_DIR, "kind", "cluster.yaml"), "utf8"));

    it("is the research-platform cluster the dev stack's context names, with one worker per default local daemon", () => {
        assert.equal(kind.kind, "Cluster");
        assert.equal(kind.apiVersion, "kind.x-k8s.io/v1alpha4");
        assert.equal(`kind-${kind.name}`, "kind-research-platform");
        const devStack = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8"));
        assert.equal(devStack.config["research-platform:kubernetes"].context, `kind-${kind.name}`);
        const workers = kind.nodes.filter((n: { role: string }) => n.role === "worker").length;
        assert.equal(workers, KIND_WORKER_COUNT);
        assert.equal(distributedNotebookSchema.parse({}).localDaemons, workers);
        assert.equal(obj(dev, T.sts, "local-daemon").inputs.spec.replicas, workers);
    });

    it("runs the kube-scheduler's Kubernetes minor version, with the StatefulSetStartOrdinal gate only where still needed", () => {
        const scheduler = distributedNotebookSchema.parse({}).images.kubeScheduler;
        const minor = (ref: string) => Number(/:v1\.(\d+)\./.exec(ref)![1]);
        for (const node of kind.nodes) {
            assert.match(node.image, /^kindest\/node:v1\.\d+\.\d+@sha256:[a-f0-9]{64}$/, "pinned by digest");
            assert.equal(minor(node.image), minor(scheduler));
        }
        const needsGate = minor(kind.nodes[0].image) < 27;
        assert.equal(kind.featureGates?.StatefulSetStartOrdinal === true, needsGate);
    });
});

describe("distributedNotebook: upstream reference", () => {
    const valuesFile = referenceFile("distributed-notebook", "values.yaml");

    it("keeps the upstream chart's default ports, images and numbers", function () {
        needsReference(this, valuesFile);
        const v = parse(fs.readFileSync(valuesFile, "utf8"));
        const c = distributedNotebookSchema.parse({});
        const j = v.local_daemon.network.jupyter;
        // The resource ports (starting_resource_port) are left out: no program binds them.
        assert.deepEqual(
            [c.ports.kernelRegistry, c.ports.hb, c.ports.control, c.ports.shell, c.ports.stdin, c.ports.iopub1, c.ports.iopub2, c.ports.ack],
            [j.kernel_registry_port, j.hb_port, j.control_port, j.shell_port, j.stdin_port, j.iopub_port1, j.iopub_port2, j.ack_port],
        );
        assert.equal(c.ports.gateway, v.gateway.grpc_port);
        assert.equal(c.ports.provisioner, v.gateway.provisioner_port);
        assert.equal(c.ports.distributedClusterService, v.gateway.distributed_cluster_service_port);
        assert.equal(c.ports.schedulerHttp, v.gateway.scheduler.scheduler_http_port);
        assert.equal(c.ports.localDaemon, v.local_daemon.network.port);
        assert.equal(c.ports.notebook, v.notebook_server.port);
        assert.equal(c.ports.smr, v.smr.port);
        assert.equal(c.ports.prometheus, v.prometheus.prometheus_port);
        assert.equal(c.gpusPerNode, v.gateway.scheduler.max_actual_gpu_per_node);
        assert.equal(c.virtualGpusPerNode, v.gateway.scheduler.num_virtual_gpus_per_node);
        assert.equal(c.schedulingPolicy, v.gateway.scheduler.scheduling_policy);
        // Upstream's remote_storage.hostname (an HDFS address) is not kept: HDFS is gone, and the default backend is local.
        assert.equal(c.minNodes, v.gateway.scheduler.min_kubernetes_nodes);
        assert.equal(c.maxNodes, v.gateway.scheduler.max_kubernetes_nodes);
        for (const [key, upstream] of [
            ["gateway", v.gateway],
            ["localDaemon", v.local_daemon],
            ["notebook", v.notebook_server],
            ["schedulerExtender", v.scheduler_extender],
            ["workloadDriver", v.workload_driver],
        ] as const) {
            assert.equal(c.images[key], `docker.io/${upstream.image}:${upstream.image_tag}`, key);
        }
        const y = daemonYml(dev);
        assert.equal(y["device-plugin-path"], v.local_daemon.device_plugin.path);
        assert.equal(y["use-stateful-set"], v.common.use_stateful_set);
    });
});
