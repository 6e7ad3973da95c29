/**
 * distributedNotebook: who may talk to whom, held against the flows the programs really make
 * (contracts/distributedNotebook.ts, read at ds2-lab/NotebookOS 8862fac).
 */
import * as assert from "node:assert/strict";
import { contract } from "../contracts/distributedNotebook";
import type { ContractConfig, Flow, PodRef } from "../contracts/types";
import { Cluster, Endpoint, Pod, clusterFromResources, mayConnect } from "../tools/guardrails/networkPolicyEval";
import { Run, runProgram } from "./harness";
import { APP_NS, DAEMON_NS, obj, T } from "./distributedNotebookUtil";

/** A kernel replica pod as the gateway labels it (gateway/daemon/kube_client.go:1090-1114). */
const KERNEL: Pod = { name: "kernel", namespace: "default", labels: { kernel: "kernel-0b1c", app: "kernel-0b1c" } };
/** Any other pod in `default`. */
const OTHER_IN_DEFAULT: Pod = { name: "other", namespace: "default", labels: { app: "other" } };
const HUB_USER: Pod = { name: "jupyter-user", namespace: "jupyterhub", labels: { component: "singleuser-server" } };
const INTERNET: Endpoint = { name: "internet", ip: "203.0.113.7" };

let dev: Run;
let cluster: Cluster;
let pod: (ns: string, app: string) => Pod;
before(async () => {
    dev = await runProgram({ stack: "dev" });
    const model = clusterFromResources(dev.resources);
    cluster = model.cluster;
    pod = (ns, app) => {
        const p = model.pods.find((x) => x.namespace === ns && x.labels.app === app);
        assert.ok(p, `no pod ${ns}/${app}`);
        return p;
    };
});

const may = (s: Endpoint, d: Endpoint, port: number) => mayConnect(cluster, s, d, port).allowed;

describe("distributedNotebook: network", () => {
    it("lets the gateway reach each daemon's per-kernel IOPub forwarder on ephemeral ports (D6)", () => {
        const gateway = pod(APP_NS, "gateway");
        const daemon = pod(DAEMON_NS, "local-daemon");
        for (const port of [32768, 45000, 60999]) assert.ok(may(gateway, daemon, port), `gateway -> daemon:${port}`);
        for (const port of [9000, 9001, 9002, 9003]) assert.ok(may(gateway, daemon, port), `gateway -> daemon router :${port}`);
        assert.ok(!may(pod(APP_NS, "jupyter-notebook"), daemon, 45000), "the front end talks only to the gateway");
    });

    it("lets kernels reach their daemon's registry and gRPC port, and the daemon the kernels' sockets (D7)", () => {
        const daemon = pod(DAEMON_NS, "local-daemon");
        assert.ok(may(KERNEL, daemon, 8075), "kernel -> daemon registry");
        assert.ok(may(KERNEL, daemon, 8080), "kernel -> daemon gRPC (KernelErrorReporter)");
        for (const port of [9000, 9001, 9002, 9003, 9004]) assert.ok(may(daemon, KERNEL, port), `daemon -> kernel:${port}`);
        assert.ok(may(daemon, pod(APP_NS, "gateway"), 8081), "daemon -> gateway provisioner");
    });

    it("keeps the gateway's unauthenticated control ports away from the internet and from other pods (D10, D15)", () => {
        const gateway = pod(APP_NS, "gateway");
        for (const port of [8079, 8080, 8081]) {
            assert.ok(!may(INTERNET, gateway, port), `internet -> gateway:${port}`);
            assert.ok(!may(KERNEL, gateway, port), `kernel -> gateway:${port} (kernels never call the gateway)`);
            assert.ok(!may(HUB_USER, gateway, port), `jupyterhub user -> gateway:${port}`);
        }
        assert.ok(!may(pod(DAEMON_NS, "local-daemon"), gateway, 8079), "the daemons need only the provisioner port");
        assert.ok(may(INTERNET, pod(APP_NS, "jupyter-notebook"), 8888), "users reach the Jupyter server");
        for (const port of [8080, 8081, 9000]) assert.ok(!may(INTERNET, pod(APP_NS, "jupyter-notebook"), port), `internet -> jupyter:${port}`);
    });

    it("admits only kernels from default, and no daemon to another daemon (D15)", () => {
        const daemon = pod(DAEMON_NS, "local-daemon");
        for (const port of [8075, 8080]) {
            assert.ok(!may(OTHER_IN_DEFAULT, daemon, port), `any pod in default -> daemon:${port}`);
            assert.ok(!may(HUB_USER, daemon, port), `jupyterhub user -> daemon:${port}`);
        }
        assert.ok(!may(daemon, { ...daemon, name: "other-daemon" }, 8075), "daemon -> daemon");
        assert.ok(!may(daemon, OTHER_IN_DEFAULT, 9000), "daemon -> a pod in default that is no kernel");
    });

    it("allows every pod-to-pod flow of the contract, on every port it names", () => {
        // The validated config, as the plan records it on the Platform (what contracts are built from).
        const c = contract(dev.one("research-platform:index:Platform", "platform").inputs.config as ContractConfig);
        assert.ok(c, "the contract is on for the dev stack");
        const asPod = (ref: PodRef): Pod => (ref.namespace === "default" ? KERNEL : pod(ref.namespace, ref.labels.app));
        const pods = (f: Flow) => ("kind" in f.from && f.from.kind === "pods" && "kind" in f.to && f.to.kind === "pods" ? [asPod(f.from), asPod(f.to)] : undefined);
        let checked = 0;
        for (const f of c.flows) {
            const ends = pods(f);
            if (!ends || ends[0] === ends[1]) continue; // loopback inside one pod
            if (ends[0].namespace === "default" && ends[1].namespace === "default") continue; // kernels' namespace: not isolated by the program
            for (const spec of f.ports) {
                for (const port of typeof spec === "number" ? [spec] : [spec.from, spec.to]) {
                    assert.ok(may(ends[0], ends[1], port), `${f.id}: ${ends[0].name} -> ${ends[1].name}:${port}`);
                    checked++;
                }
            }
        }
        assert.ok(checked > 15, `checked ${checked} flows`);
    });

    it("makes the gateway Service ClusterIP even when the Jupyter Service is exposed (D10)", () => {
        assert.equal(obj(dev, T.svc, "jupyter-notebook", APP_NS).inputs.spec.type, "NodePort");
        assert.equal(obj(dev, T.svc, "gateway", APP_NS).inputs.spec.type, "ClusterIP");
    });
});
