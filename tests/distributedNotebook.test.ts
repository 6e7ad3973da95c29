import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { POD_SECURITY_REASON_ANNOTATION } from "../components/k8s/namespace";
import { KIND_WORKER_COUNT } from "../config/distributedNotebook";
import { KUBERNETES_VERSION } from "../config/kubernetes";
import { Run, TestResource, runProgram } from "./harness";
import { T, COMPONENT, APP_NS, DAEMON_NS, obj, container, env, portMap, mine, prodSecrets, daemonYml } from "./distributedNotebookUtil";


let dev: Run;
before(async () => {
    dev = await runProgram({ stack: "dev" });
});

describe("distributedNotebook: objects", () => {
    it("creates every object of the chart under one component, with the names the images hard-code", () => {
        const component = dev.one(COMPONENT, "distributed-notebook");
        const mine = new Set(dev.descendants(component).map((r) => r.urn));
        const expected: [string, string, string | undefined][] = [
            [T.cm, "daemon-configmap", APP_NS],
            [T.cm, "daemon-configmap", DAEMON_NS],
            [T.cm, "kernel-entrypoint-configmap", "default"],
            [T.cm, "scheduler-extender-configuration", APP_NS],
            [T.cm, "kube-scheduler-config", APP_NS],
            [T.deploy, "gateway", APP_NS],
            [T.svc, "gateway", APP_NS],
            [T.sts, "local-daemon", DAEMON_NS],
            [T.svc, "local-daemon-network", DAEMON_NS],
            [T.svc, "daemon-network", DAEMON_NS],
            [T.deploy, "jupyter-notebook", APP_NS],
            [T.svc, "jupyter-notebook", APP_NS],
            [T.sa, "scheduler-extender", APP_NS],
            [T.sa, "local-daemon-service-account", DAEMON_NS],
        ];
        for (const [type, name, ns] of expected) assert.ok(mine.has(obj(dev, type, name, ns).urn), `${ns}/${name} belongs to the component`);
        assert.equal(dev.all(T.deploy).filter((d) => d.inputs.metadata.name === "workload-driver").length, 0, "the workload driver is off by default");
        assert.equal(dev.all(T.svc).filter((d) => d.inputs.metadata.name === "gateway-provisioner").length, 0, "no program dials upstream's gateway-provisioner Service (D10)");
    });

    it("renders daemon.yml from typed config, identical for the gateway and the daemons", () => {
        const y = daemonYml(dev);
        assert.deepEqual(y, daemonYml(dev, DAEMON_NS));
        assert.equal(y["scheduling-policy"], "static");
        assert.equal(y["num-virtual-gpus-per-node"], 72);
        assert.equal(y.provisioner, "gateway:8081");
        assert.equal(y["local-daemon-service-name"], "local-daemon-network");
        assert.equal(y["global-daemon-service-name"], "daemon-network");
        assert.equal(y.port, 8080, "the gateway's Jupyter port and the daemon's gRPC port");
        assert.equal(y["notebook-image-name"], "docker.io/scusemua/jupyter-gpu");
        assert.equal(y["notebook-image-tag"], "latest");
        assert.equal(y["use-stateful-set"], false);
        assert.equal(y.deployment_mode, "kubernetes");
    });

    it("writes the idle-session reclamation policy, without which the gateway and every daemon panic at start-up (D1)", () => {
        for (const ns of [APP_NS, DAEMON_NS]) assert.equal(daemonYml(dev, ns)["idle-session-reclamation-policy"], "none", ns);
    });

    it("writes a remote storage the kernels accept, local by default, with a non-empty endpoint (D2)", async () => {
        const y = daemonYml(dev);
        assert.equal(y["remote-storage"], "local", "kernels fail at start-up on an empty remote-storage");
        assert.equal(typeof y["remote-storage-endpoint"], "string");
        assert.ok(y["remote-storage-endpoint"].length > 0, "the gateway and the daemons panic on an empty endpoint");
        const redis = daemonYml(await runProgram({ set: ["distributedNotebook.remoteStorage=redis", "distributedNotebook.remoteStorageEndpoint=redis.example.org"] }));
        assert.equal(redis["remote-storage"], "redis");
        assert.equal(redis["remote-storage-endpoint"], "redis.example.org");
    });

    it("writes only keys the gateway or the daemon reads (D4, D8)", () => {
        const y = daemonYml(dev);
        for (const key of ["num-replicas", "kube-namespace", "ipython-config-path", "starting-resource-port", "num-resource-ports"]) {
            assert.ok(!(key in y), `${key} is a flag of neither program`);
        }
    });

    it("follows the config's numbers: daemons, GPUs, nodes, ports, storage", async () => {
        const run = await runProgram({
            set: [
                "kubernetes.distribution=generic",
                'kubernetes.apiServerCidrs=["10.0.0.0/28"]',
                'kubernetes.nodeCidrs=["10.0.0.0/16"]',
                "distributedNotebook.localDaemons=6",
                "distributedNotebook.minNodes=5",
                "distributedNotebook.gpusPerNode=4",
                "distributedNotebook.virtualGpusPerNode=48",
                "distributedNotebook.ports.kernelRegistry=8076",
                "distributedNotebook.ports.hb=9100",
                "distributedNotebook.remoteStorage=s3",
                "distributedNotebook.remoteStorageEndpoint=notebook-checkpoints",
            ],
        });
        const y = daemonYml(run);
        assert.equal(y["num-virtual-gpus-per-node"], 48);
        assert.equal(y["gpus-per-host"], 4);
        assert.equal(y.min_cluster_nodes, 5);
        assert.equal(y["kernel-registry-port"], 8076);
        assert.equal(y["hb-port"], 9100);
        assert.equal(y["remote-storage"], "s3");
        assert.equal(y["remote-storage-endpoint"], "notebook-checkpoints");
        const sts = obj(run, T.sts, "local-daemon");
        assert.equal(sts.inputs.spec.replicas, 6);
        assert.equal(portMap(container(sts, "local-daemon").ports).hb, 9100);
        assert.equal(portMap(container(obj(run, T.deploy, "gateway"), "gateway").ports)["hb-port"], 9100);
        assert.equal(portMap(obj(run, T.svc, "local-daemon-network", DAEMON_NS).inputs.spec.ports).tcp, 8076);
    });

    it("writes the scheduler profile of the one policy the gateway supports, the extender and the lease in the app namespace", () => {
        const cfg = parse(obj(dev, T.cm, "kube-scheduler-config").inputs.data["config.yaml"]);
        assert.equal(cfg.kind, "KubeSchedulerConfiguration");
        assert.equal(cfg.apiVersion, "kubescheduler.config.k8s.io/v1");
        assert.deepEqual(
            cfg.profiles.map((p: { schedulerName: string; percentageOfNodesToScore: number }) => [p.schedulerName, p.percentageOfNodesToScore]),
            [["static-scheduler", 100]],
        );
        assert.equal(cfg.extenders.length, 1);
        assert.equal(cfg.extenders[0].urlPrefix, "http://localhost:80/");
        assert.equal(cfg.extenders[0].filterVerb, "filter");
        assert.deepEqual(cfg.leaderElection, { leaderElect: true, resourceName: "scheduler-extender", resourceNamespace: APP_NS });
        const ext = parse(obj(dev, T.cm, "scheduler-extender-configuration").inputs.data["config.yaml"]);
        assert.deepEqual(ext, { port: 80, "cluster-gateway-port": 8078 });
        const script: string = obj(dev, T.cm, "kernel-entrypoint-configmap").inputs.data["kernel-entrypoint.sh"];
        assert.match(script, /^#!\/bin\/sh\n/);
        assert.match(script, /s\/-987654321\/\$\(echo \$POD_NAME \| cut -d - -f 7\)\//);
        assert.match(script, /python3 -m distributed_notebook\.kernel -f \$CONNECTION_FILE_PATH/);
    });

    it("runs the gateway with its three containers, config mounts, probes and the scheduler's service account", () => {
        const d = obj(dev, T.deploy, "gateway", APP_NS);
        const pod = d.inputs.spec.template.spec;
        assert.deepEqual(pod.containers.map((c: { name: string }) => c.name), ["gateway", "scheduler-ctr", "scheduler-extender-ctr"]);
        assert.equal(pod.serviceAccountName, "scheduler-extender");
        assert.equal(d.inputs.spec.replicas, 1);
        const gw = container(d, "gateway");
        assert.equal(gw.image, "docker.io/scusemua/gateway:latest");
        assert.equal(gw.imagePullPolicy, "Always", "a moving tag is always pulled");
        assert.deepEqual(gw.command, ["./gateway", "-yaml", "/kernel-configmap/daemon.yml", "-debug"]);
        // What the gateway listens on (D9): no resource ports, no kernel-registry, IOPub or ACK port.
        assert.deepEqual(portMap(gw.ports), { "dst-clstr-srvc": 8079, jupyter: 8080, provisioner: 8081, "hb-port": 9000, "control-port": 9001, "shell-port": 9002, "stdin-port": 9003 });
        assert.deepEqual(gw.env.map((e: { name: string }) => e.name), ["SHARED_CONFIG_DIR", "IPYTHON_CONFIG_PATH"], "what the gateway reads (D16)");
        assert.equal(env(gw, "SHARED_CONFIG_DIR")?.value, "/kernel-configmap");
        assert.deepEqual(gw.volumeMounts[1], { name: "gateway-config-file", mountPath: "/kernel-configmap/daemon.yml", subPath: "daemon.yml", readOnly: true });
        assert.equal(gw.volumeMounts[0].mountPath, "/kernel-configmap", "a writable directory around daemon.yml");
        assert.equal(gw.readinessProbe.tcpSocket.port, 8081);
        assert.ok(gw.livenessProbe && gw.resources.requests && gw.resources.limits, "gateway has a liveness probe, requests and limits");

        const sched = container(d, "scheduler-ctr");
        assert.equal(sched.image, `registry.k8s.io/kube-scheduler:v${KUBERNETES_VERSION}`, "the cluster's version (kind/cluster.yaml)");
        assert.ok(sched.args.includes("--config=/scheduler-extender/config.yaml"));
        assert.ok(!sched.args.some((a: string) => a.startsWith("--feature-gates")), "StatefulSetStartOrdinal is GA and locked from 1.31");
        assert.deepEqual(sched.readinessProbe.httpGet, { path: "/healthz", port: 10259, scheme: "HTTPS" });
        const ext = container(d, "scheduler-extender-ctr");
        assert.equal(ext.image, "docker.io/scusemua/scheduler_extender:latest");
        assert.deepEqual(ext.readinessProbe.httpGet, { path: "/version", port: 80 });
        assert.equal(ext.volumeMounts[0].mountPath, "/scheduler-extender-configuration/config.yaml");
        const volumes = Object.fromEntries(pod.volumes.map((v: { name: string; configMap?: { name: string } }) => [v.name, v.configMap?.name]));
        assert.deepEqual(volumes, {
            "gateway-config-file": "daemon-configmap",
            "kube-scheduler-config": "kube-scheduler-config",
            "scheduler-extender-configuration": "scheduler-extender-configuration",
            "shared-config": undefined,
            tmp: undefined,
        });
        assert.deepEqual(pod.securityContext.sysctls, [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }], "port 80 as non-root");
    });

    it("drops the feature gate for a kube-scheduler that no longer accepts it, and passes it to one that needs it", async () => {
        const run = await runProgram({ set: ["distributedNotebook.images.kubeScheduler=registry.k8s.io/kube-scheduler:v1.33.1"] });
        assert.ok(!container(obj(run, T.deploy, "gateway"), "scheduler-ctr").args.some((a: string) => a.startsWith("--feature-gates")));
        const old = await runProgram({ set: ["distributedNotebook.images.kubeScheduler=registry.k8s.io/kube-scheduler:v1.29.2"] });
        assert.ok(container(obj(old, T.deploy, "gateway"), "scheduler-ctr").args.includes("--feature-gates=StatefulSetStartOrdinal=true"), "v1.29 accepts the gate upstream passes");
    });

    it("runs one local daemon per node with its local-path claim, the device-plugin host path and the env it reads", () => {
        const s = obj(dev, T.sts, "local-daemon", DAEMON_NS);
        assert.equal(s.inputs.spec.replicas, KIND_WORKER_COUNT);
        assert.equal(s.inputs.spec.serviceName, "daemon-network");
        const pod = s.inputs.spec.template.spec;
        assert.equal(pod.serviceAccountName, "local-daemon-service-account");
        const anti = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
        assert.equal(anti.topologyKey, "kubernetes.io/hostname");
        assert.deepEqual(anti.labelSelector.matchExpressions[0], { key: "app", operator: "In", values: ["local-daemon"] });
        assert.equal(s.inputs.spec.template.metadata.labels.app, "local-daemon", "the anti-affinity matches the daemons' own label");
        const c = container(s, "local-daemon");
        assert.equal(c.image, "docker.io/scusemua/daemon:latest");
        assert.deepEqual(c.command, ["./local_daemon", "-yaml", "/kernel-configmap/daemon.yml", "-debug", "-v"]);
        // Only what the daemon reads in Kubernetes mode (D16).
        assert.deepEqual(c.env, [
            { name: "NODE_NAME", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
            { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ]);
        // Its listeners, with the gRPC port kernels dial (D7) and no resource ports (D9).
        assert.deepEqual(portMap(c.ports), { tcp: 8075, grpc: 8080, hb: 9000, control: 9001, shell: 9002, stdin: 9003 });
        const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
        assert.deepEqual(mounts, { "node-local": "/node_local", "daemon-config-file": "/kernel-configmap/daemon.yml", "device-plugin": "/var/lib/kubelet/device-plugins/" });
        const hostPaths = pod.volumes.filter((v: { hostPath?: unknown }) => v.hostPath).map((v: { hostPath: { path: string; type: string } }) => v.hostPath);
        assert.deepEqual(hostPaths, [{ path: "/var/lib/kubelet/device-plugins/", type: "Directory" }], "no pod-resources host path: no daemon code opens it");
        assert.ok(c.readinessProbe.tcpSocket && c.livenessProbe.tcpSocket && c.startupProbe, "local daemon has probes");
        assert.equal(c.securityContext.privileged, false);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
        const claim = s.inputs.spec.volumeClaimTemplates[0];
        assert.equal(claim.metadata.name, "node-local");
        assert.equal(claim.spec.storageClassName, "local-path");
        assert.deepEqual(claim.spec.accessModes, ["ReadWriteOnce"]);
        assert.equal(claim.spec.resources.requests.storage, "128Mi");
    });

    it("has Services that select exactly the pods they serve, with the ports clients dial through them, the gateway in the cluster only", () => {
        const workloads = [...dev.all(T.deploy), ...dev.all(T.sts)];
        const served = (svc: TestResource) =>
            workloads.filter((w) => {
                if (w.inputs.metadata.namespace !== svc.inputs.metadata.namespace) return false;
                const labels = w.inputs.spec.template.metadata.labels;
                return Object.entries(svc.inputs.spec.selector).every(([k, v]) => labels[k] === v);
            });
        const expect: [string, string, string, string][] = [
            ["gateway", APP_NS, "gateway", "ClusterIP"],
            // The dev stack publishes the front end on a node port kind maps to the host (README, "After deploy").
            ["jupyter-notebook", APP_NS, "jupyter-notebook", "NodePort"],
            ["local-daemon-network", DAEMON_NS, "local-daemon", "ClusterIP"],
            ["daemon-network", DAEMON_NS, "local-daemon", "ClusterIP"],
        ];
        for (const [name, ns, workload, type] of expect) {
            const svc = obj(dev, T.svc, name, ns);
            assert.deepEqual(served(svc).map((w) => w.inputs.metadata.name), [workload], `${name} selects ${workload}`);
            assert.equal(svc.inputs.spec.type, type, name);
            // Each Service port is a port the selected container declares.
            const declared = new Set(served(svc)[0].inputs.spec.template.spec.containers.flatMap((c: { ports?: { containerPort: number }[] }) => (c.ports ?? []).map((p) => p.containerPort)));
            for (const p of svc.inputs.spec.ports) assert.ok(declared.has(p.targetPort), `${name}:${p.port} targets a declared port`);
        }
        assert.equal(obj(dev, T.svc, "local-daemon-network", DAEMON_NS).inputs.spec.internalTrafficPolicy, "Local");
        // D10: the gateway's unauthenticated gRPC ports stay in the cluster, whatever serviceType says.
        assert.deepEqual(portMap(obj(dev, T.svc, "gateway", APP_NS).inputs.spec.ports), { jupyter: 8080, provisioner: 8081 });
        // D7: kernels reach the daemon's gRPC port (KernelErrorReporter) through local-daemon-network.
        for (const name of ["local-daemon-network", "daemon-network"]) assert.deepEqual(portMap(obj(dev, T.svc, name, DAEMON_NS).inputs.spec.ports), { tcp: 8075, grpc: 8080 }, name);
        // D9: the Jupyter server is the front end's only listener.
        assert.deepEqual(portMap(obj(dev, T.svc, "jupyter-notebook").inputs.spec.ports), { "nb-server": 8888 });
        assert.deepEqual(portMap(container(obj(dev, T.deploy, "jupyter-notebook"), "jupyter-notebook").ports), { "nb-server": 8888 });
    });

    it("makes the short names the images dial resolve in every namespace that uses them", () => {
        const aliases = mine(dev, T.svc).filter((s) => s.inputs.spec.type === "ExternalName");
        const seen = aliases.map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name} -> ${s.inputs.spec.externalName}`).sort();
        assert.deepEqual(seen, [
            `${APP_NS}/daemon-network -> daemon-network.${DAEMON_NS}.svc.cluster.local`,
            `${APP_NS}/local-daemon-network -> local-daemon-network.${DAEMON_NS}.svc.cluster.local`,
            `${DAEMON_NS}/gateway -> gateway.${APP_NS}.svc.cluster.local`,
            `default/daemon-network -> daemon-network.${DAEMON_NS}.svc.cluster.local`,
            `default/gateway -> gateway.${APP_NS}.svc.cluster.local`,
            `default/local-daemon-network -> local-daemon-network.${DAEMON_NS}.svc.cluster.local`,
        ].sort());
    });

    it("protects the Jupyter front end with a token from a Secret, never in plain config", () => {
        const d = obj(dev, T.deploy, "jupyter-notebook", APP_NS);
        const c = container(d, "jupyter-notebook");
        assert.equal(c.image, "docker.io/scusemua/jupyter-gpu:latest");
        assert.ok(!c.args.some((a: string) => a.startsWith("--NotebookApp.token")), "the token is not disabled");
        assert.deepEqual(env(c, "JUPYTER_TOKEN")?.valueFrom, { secretKeyRef: { name: "jupyter-notebook-token", key: "token" } });
        assert.deepEqual(c.readinessProbe.httpGet, { path: "/api", port: 8888 });
        assert.equal(d.inputs.spec.template.spec.automountServiceAccountToken, false);
        const secret = obj(dev, T.secret, "jupyter-notebook-token", APP_NS);
        assert.ok(dev.isSecret(secret, "stringData"), "the token is a Pulumi secret");
        const token = secret.inputs.stringData.token as string;
        for (const cm of dev.all(T.cm)) assert.ok(!JSON.stringify(cm.inputs).includes(token), `${cm.name} holds no token`);
        const out = dev.output("distributedNotebookToken");
        assert.equal(out.secret, true);
        assert.equal(out.value, token);
    });

    it("exports the Jupyter address and the gateway's in-cluster address", () => {
        assert.equal(dev.output("distributedNotebookUrl").value, "http://localhost:30888/");
        assert.equal(dev.output("distributedNotebookGateway").value, `gateway.${APP_NS}.svc.cluster.local:8080`);
    });

    it("adds the workload driver and its Service when enabled", async () => {
        const run = await runProgram({ set: ["distributedNotebook.workloadDriver.enabled=true"] });
        const d = obj(run, T.deploy, "workload-driver", APP_NS);
        const c = container(d, "workload-driver");
        assert.equal(c.image, "docker.io/scusemua/workload-driver:latest");
        assert.deepEqual(c.command, ["go", "run", "cmd/driver/main.go"]);
        assert.ok(c.startupProbe && c.readinessProbe && c.livenessProbe, "workload driver has probes");
        const svc = obj(run, T.svc, "workload-driver", APP_NS);
        assert.equal(svc.inputs.spec.type, "ClusterIP");
        assert.deepEqual(svc.inputs.spec.selector, { app: "workload-driver", "app.kubernetes.io/instance": "distributed-notebook" });
        assert.equal(d.inputs.spec.template.metadata.labels.app, "workload-driver");
    });
});

describe("distributedNotebook: security", () => {
    it("meets Pod Security restricted in the app namespace, and isolates the daemons in a privileged one with the reason", () => {
        const app = obj(dev, T.ns, APP_NS);
        assert.equal(app.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const daemons = obj(dev, T.ns, DAEMON_NS);
        assert.equal(daemons.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.match(daemons.inputs.metadata.annotations[POD_SECURITY_REASON_ANNOTATION], /device-plugins/);
        const inApp = dev.all(T.deploy).filter((d) => d.inputs.metadata.namespace === APP_NS);
        assert.ok(inApp.length >= 2, "gateway and front end are in the app namespace");
        for (const d of inApp) {
            const pod = d.inputs.spec.template.spec;
            assert.equal(pod.securityContext.runAsNonRoot, true, d.name);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault", d.name);
            assert.ok(!(pod.volumes ?? []).some((v: { hostPath?: unknown }) => v.hostPath), `${d.name} mounts no host path`);
            for (const c of pod.containers) {
                assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${d.name}/${c.name}`);
                assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] }, `${d.name}/${c.name}`);
                assert.ok(c.resources?.requests && c.resources?.limits, `${d.name}/${c.name} has requests and limits`);
                assert.ok(c.readinessProbe && c.livenessProbe, `${d.name}/${c.name} has probes`);
            }
        }
    });

    it("grants least privilege: no cluster-admin, kernel objects only in the kernels' namespace", () => {
        for (const b of [...mine(dev, T.crb), ...mine(dev, T.rb)]) assert.notEqual(b.inputs.roleRef.name, "cluster-admin", b.name);
        const clusterRules = mine(dev, T.cr).flatMap((r) => r.inputs.rules);
        for (const rule of clusterRules) {
            assert.ok(!rule.apiGroups.includes("*") && !rule.resources.includes("*") && !rule.verbs.includes("*"), "no wildcards");
            for (const res of ["clonesets", "configmaps", "services", "secrets"]) assert.ok(!rule.resources.includes(res), `${res} is not granted cluster-wide`);
        }
        const kernels = obj(dev, T.role, `${APP_NS}-gateway-kernels`, "default");
        assert.ok(kernels.inputs.rules.some((r: { apiGroups: string[]; resources: string[]; verbs: string[] }) => r.apiGroups.includes("apps.kruise.io") && r.resources.includes("clonesets") && r.verbs.includes("create")));
        const bound = mine(dev, T.crb).map((b) => b.inputs.roleRef.name);
        assert.ok(bound.includes("system:kube-scheduler") && bound.includes("system:volume-scheduler"), "the second scheduler has the default scheduler's rights");
        for (const b of [...mine(dev, T.crb), ...mine(dev, T.rb)]) {
            for (const s of b.inputs.subjects) assert.ok([APP_NS, DAEMON_NS].includes(s.namespace), `${b.name} binds only this system's service accounts`);
        }
    });

    it("protects the local daemons, their claims and namespace in prod only", async () => {
        const prod = await runProgram({ stack: "prod", secrets: prodSecrets() });
        const sts = obj(prod, T.sts, "local-daemon");
        assert.equal(sts.protect, true);
        assert.equal(sts.retainOnDelete, true);
        assert.deepEqual(sts.inputs.spec.persistentVolumeClaimRetentionPolicy, { whenDeleted: "Retain", whenScaled: "Retain" });
        assert.equal(obj(prod, T.ns, DAEMON_NS).protect, true);
        assert.equal(container(obj(prod, T.deploy, "gateway"), "gateway").imagePullPolicy, "IfNotPresent");
        const devSts = obj(dev, T.sts, "local-daemon");
        assert.equal(devSts.protect, false);
        assert.equal(devSts.inputs.spec.persistentVolumeClaimRetentionPolicy.whenDeleted, "Delete");
    });
});

describe("distributedNotebook: manifest schemas", () => {
    it("validates every object against the Kubernetes OpenAPI schema (kubernetes-models)", async () => {
        const run = await runProgram({ set: ["distributedNotebook.workloadDriver.enabled=true"] });
        const component = run.one(COMPONENT, "distributed-notebook");
        const manifests = run.descendants(component).filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(manifests.length > 30, `found ${manifests.length} manifests`);
        for (const r of manifests) {
            const { apiVersion, kind } = r.inputs as { apiVersion: string; kind: string };
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const mod = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, new (data: unknown) => { validate(): void }>;
            assert.doesNotThrow(() => new mod[kind](r.inputs).validate(), `${kind} ${r.inputs.metadata?.namespace ?? ""}/${r.inputs.metadata?.name}`);
        }
    });
});
