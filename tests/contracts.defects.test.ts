/**
 * One test per defect of the runtime-contracts issue (the research findings behind contracts/):
 * each names the contract fact that shows the defect, asserts the fact is still in the contract (so
 * a renamed fact cannot make the test pass by itself), and asserts the checker (or the config
 * schema) no longer finds the defect.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- manifests and config are plain data here */
import * as assert from "node:assert/strict";
import { registry } from "../contracts";
import type { SystemContract } from "../contracts/types";
import { contractFindings, planConfig, valueAt, worldOf } from "../tools/guardrails/contracts";
import type { Finding } from "../tools/plan-engine/types";
import { Run, RunOptions, configProblems, runProgram } from "./harness";

const DEV: RunOptions = { stack: "dev" };
const PROD: RunOptions = { stack: "prod", placeholderSecrets: true };
const DEV_INTERLINK: RunOptions = { stack: "dev", set: ["interlink.enabled=true"], placeholderSecrets: true };

interface Checked {
    run: Run;
    findings: Finding[];
    contract(system: string): SystemContract;
}

const cache = new Map<string, Promise<Checked>>();
function checked(opts: RunOptions): Promise<Checked> {
    const key = JSON.stringify(opts);
    if (!cache.has(key)) {
        cache.set(
            key,
            runProgram(opts).then((run) => {
                const world = worldOf(run.plan)!;
                return {
                    run,
                    findings: contractFindings(world),
                    contract(system: string) {
                        const c = world.contracts.find((x) => x.system === system);
                        assert.ok(c, `${system} is enabled`);
                        return c;
                    },
                };
            }),
        );
    }
    return cache.get(key)!;
}

const about = (fs: Finding[], subject: string) => fs.filter((f) => f.subject === subject).map((f) => `${f.subject}: ${f.message}`);

/** Whether the config refuses the override, naming the key (a key that no longer exists cannot be set either). */
async function refused(opts: RunOptions, key: string, override: RunOptions, unknownCounts = false): Promise<boolean> {
    try {
        const problems = await configProblems({ ...opts, set: [...(opts.set ?? []), ...(override.set ?? [])], secrets: [...(opts.secrets ?? []), ...(override.secrets ?? [])] });
        return problems.some((l) => /^research-platform:/.test(l) && l.slice("research-platform:".length).startsWith(key) && (unknownCounts || !/unknown key/.test(l)));
    } catch {
        return false;
    }
}

describe("runtime contracts: the issue's defects", function () {
    this.timeout(180_000);

    for (const [label, opts] of [["prod", PROD], ["dev with InterLink", DEV_INTERLINK]] as const) {
        it(`InterLink: the ssh-forwarder may call the hub API on 8081 (every SSH login of an offloaded notebook) (${label})`, async () => {
            const c = await checked(opts);
            const flow = c.contract("interlink").flows.find((f) => f.id === "forwarder-to-hub-api");
            assert.ok(flow && flow.ports.includes(8081));
            assert.deepEqual(about(c.findings, "interlink/flow/forwarder-to-hub-api"), []);
        });

        it(`InterLink: the hub and the proxy may reach the offloaded servers on the tunnel ports (${label})`, async () => {
            const c = await checked(opts);
            const ids = c.contract("interlink").flows.map((f) => f.id);
            for (const id of ["hub-to-forwarder-tunnel", "proxy-to-forwarder-tunnel"]) {
                assert.ok(ids.includes(id), id);
                assert.deepEqual(about(c.findings, `interlink/flow/${id}`), []);
            }
        });

        it(`InterLink: the token refresher gets a refresh token: a user secret the config declares and requires (${label})`, async () => {
            const c = await checked(opts);
            const accept = c.contract("interlink").accepts.find((a) => a.key === "interlinkIamRefreshToken");
            assert.ok(accept?.rejected?.includes(""));
            assert.deepEqual(about(c.findings, "interlink/accept/interlinkIamRefreshToken"), []);
            assert.ok(await refused(opts, "interlinkIamRefreshToken", { secrets: ["interlinkIamRefreshToken="] }), "an empty refresh token is a config error naming interlinkIamRefreshToken");
        });

        it(`InterLink: the virtual kubelet is probed and reached on 10250, where it listens (${label})`, async () => {
            const c = await checked(opts);
            assert.ok(c.contract("interlink").listeners.some((l) => l.container === "virtual-kubelet" && l.port === 10250));
            assert.deepEqual(c.findings.filter((f) => /^interlink\/(listener\/.*virtual-kubelet|flow\/api-server-to-vk-kubelet)/.test(f.subject)).map((f) => f.subject), []);
        });

        it(`InterLink: the target host's units can write the pod data folder and let only localhost reach the API (3000) and the sidecar (4000) (${label})`, async () => {
            const c = await checked(opts);
            const ids = c.contract("interlink").hostFacts.map((h) => h.id);
            for (const id of ["docker-sidecar-data-root", "interlink-api-all-interfaces", "docker-sidecar-all-interfaces"]) {
                assert.ok(ids.includes(id), id);
                assert.deepEqual(about(c.findings, `interlink/host/${id}`), []);
            }
        });
    }

    it("distributed notebook: the scheduling policy is one the gateway starts with in Kubernetes mode (prod: no dynamic-v4), and the config refuses dynamic-v4", async () => {
        const c = await checked(PROD);
        const accept = c.contract("distributed-notebook").accepts.find((a) => a.key === "distributedNotebook.schedulingPolicy");
        assert.ok(accept?.rejected?.includes("dynamic-v4"));
        assert.deepEqual(about(c.findings, "distributed-notebook/accept/distributedNotebook.schedulingPolicy"), []);
        assert.ok(await refused(PROD, "distributedNotebook.schedulingPolicy", { set: ["distributedNotebook.schedulingPolicy=dynamic-v4"] }), "dynamic-v4 is a config error naming the key");
    });

    it("distributed notebook: the config cannot ask for a kernel replica count the gateway ignores (it always makes 3)", async () => {
        const c = await checked(DEV);
        const accept = c.contract("distributed-notebook").accepts.find((a) => a.key === "distributedNotebook.smrReplicas");
        const cfg = planConfig(c.run.plan);
        if (valueAt(cfg, "distributedNotebook.smrReplicas").value === undefined) return; // the key is gone: nothing can ask for another count
        assert.deepEqual(accept?.accepted, [3]);
        for (const n of [2, 4]) assert.ok(await refused(DEV, "distributedNotebook.smrReplicas", { set: [`distributedNotebook.smrReplicas=${n}`] }, true), `smrReplicas ${n} is a config error naming the key`);
    });

    it("NVIDIA FLARE: the servers can write their job store and snapshots (the persist volume is writable by runAsUser) (dev)", async () => {
        const c = await checked(DEV);
        const paths = c.contract("nvflare").writes.map((w) => w.path);
        assert.ok(paths.includes("/tmp/nvflare/snapshot-storage") && paths.includes("/tmp/nvflare/jobs-storage"));
        assert.deepEqual(c.findings.filter((f) => /^nvflare\/(write\/.*:\/tmp\/nvflare|host\/nvflare-persist)/.test(f.subject)).map((f) => `${f.subject}: ${f.message}`), []);
    });

    it("NVIDIA FLARE: a server never starts without its local/ files (prod: the ConfigMap is the program's, or its volume is not optional)", async () => {
        const c = await checked(PROD);
        const accept = c.contract("nvflare").accepts.find((a) => a.key === "nvflare.workspace.localConfigMapPrefix");
        assert.ok(accept?.rejected?.some((r) => /missing ConfigMap/.test(String(r))), "the contract says a missing local/ ConfigMap stops the server");
        const cfg = planConfig(c.run.plan)!;
        const ws = cfg.nvflare.workspace as { type: string; localConfigMapPrefix?: string } | undefined;
        assert.equal(ws?.type, "secret", "prod takes the kits from Secrets and ConfigMaps");
        const configMaps = new Set(c.run.all("kubernetes:core/v1:ConfigMap").map((r) => `${r.inputs.metadata.namespace}/${r.inputs.metadata.name}`));
        const problems: string[] = [];
        for (const s of cfg.nvflare.servers) {
            const d = c.run.all("kubernetes:apps/v1:Deployment").find((r) => r.inputs.metadata.name === s.name);
            assert.ok(d, `Deployment ${s.name}`);
            const name = `${ws!.localConfigMapPrefix}${s.name}`;
            const vol = d.inputs.spec.template.spec.volumes.find((v: any) => v.configMap?.name === name);
            assert.ok(vol, `${s.name} mounts ConfigMap ${name}`);
            if (vol.configMap.optional === true && !configMaps.has(`${cfg.nvflare.namespace}/${name}`)) problems.push(`${s.name}: ConfigMap ${name} is optional and not created by the program: without it local/ is empty and the server exits at start-up (${accept!.why})`);
        }
        assert.deepEqual(problems, []);
    });

    it("DiracX: the config store hostPath is the same folder on every kind node (dev)", async () => {
        const c = await checked(DEV);
        assert.ok(c.contract("diracx").hostFacts.some((h) => h.id === "diracx-cs-store"));
        assert.deepEqual(about(c.findings, "diracx/host/diracx-cs-store"), []);
    });

    for (const [label, opts] of [["dev", DEV], ["prod", PROD]] as const) {
        it(`the distributed notebook does not wait for metrics-server, which none of its programs uses (${label})`, async () => {
            const c = await checked(opts);
            assert.ok(registry.some((r) => r.system === "cluster/metricsServer"));
            assert.deepEqual(about(c.findings, "denied/wait/notebook-waits-for-metrics-server"), []);
        });
    }
});
