/** nvflare: where state and kits live outside the provisioning mode (defects 7 and 8, findings N5 to N7). */
import * as assert from "node:assert/strict";
import { Run, runProgram } from "./harness";
import { NVFLARE, DEPLOYMENT, HA, container, nv, runComponent } from "./nvflareUtil";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const preflightLines = (run: Run, name: string): string[] => run.one(DEPLOYMENT, `nvflare-${name}`).inputs.spec.template.spec.initContainers[0].command[2].split("\n");

describe("nvflare: the servers' state on a hostPath (defect 7)", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({ stack: "dev", set: [nv()] });
    });

    it("never lets the kubelet create the folder root-owned: type Directory, and a preflight that names the install -d to run", () => {
        for (const name of ["server1", "server2"]) {
            const pod = run.one(DEPLOYMENT, `nvflare-${name}`).inputs.spec.template.spec;
            assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "persist").hostPath, { path: "/tmp/nvflare", type: "Directory" });
            const init = pod.initContainers[0];
            assert.ok(init.volumeMounts.some((m: { name: string; mountPath: string }) => m.name === "persist" && m.mountPath === "/tmp/nvflare"));
            const check = preflightLines(run, name).find((l) => l.startsWith("test -w /tmp/nvflare || "));
            assert.ok(check, preflightLines(run, name).join("\n"));
            assert.match(check, /install -d -o 65532 -g 65532 \/tmp\/nvflare/);
        }
    });

    it("puts the HA servers on one node, so they share the one host folder", () => {
        for (const name of ["server1", "server2"]) {
            assert.deepEqual(run.one(DEPLOYMENT, `nvflare-${name}`).inputs.spec.template.spec.affinity, {
                podAffinity: {
                    requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { "app.kubernetes.io/name": "nvflare", "app.kubernetes.io/component": "server" } }, topologyKey: "kubernetes.io/hostname" }],
                },
            });
        }
        assert.equal(run.one(DEPLOYMENT, "nvflare-overseer").inputs.spec.template.spec.affinity, undefined, "the overseer has no state");
    });

    it("leaves a single server, or a shared claim, free to go anywhere", async () => {
        const one = await runProgram({ stack: "dev", set: [nv({ servers: [HA.servers[0]] })] });
        assert.equal(one.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec.affinity, undefined);
        const claim = await runProgram({ stack: "dev", set: [nv({ persist: { type: "persistentVolumeClaim", claimName: "shared" } })] });
        assert.equal(claim.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec.affinity, undefined);
    });
});

describe("nvflare: the servers' local/ with a Secret workspace (defect 8)", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({ stack: "dev", set: [nv({ workspace: { type: "secret" }, persist: { type: "persistentVolumeClaim", claimName: "nvflare-persist" }, clients: [{ name: "site-1", org: "nvidia" }] })] });
    });

    it("requires each server's and client's local ConfigMap: a missing one stops the pod with an event naming it", () => {
        for (const name of ["server1", "server2", "clients:nvflare/site-1"]) {
            const pod = run.one(DEPLOYMENT, `nvflare-${name}`).inputs.spec.template.spec;
            const participant = name.replace("clients:nvflare/", "");
            assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "local").configMap, { name: `nvflare-local-${participant}`, optional: false, defaultMode: 0o440 });
            assert.ok(container(run.one(DEPLOYMENT, `nvflare-${name}`)).volumeMounts.some((m: { name: string; mountPath: string }) => m.name === "local" && m.mountPath === `/workspace/${participant}/local`));
        }
        assert.ok(!run.one(DEPLOYMENT, "nvflare-overseer").inputs.spec.template.spec.volumes.some((v: { name: string }) => v.name === "local"), "the overseer reads only startup/");
    });

    it("checks before start-up that the ConfigMap has the log config and the resources file, naming the kubectl command", () => {
        const lines = preflightLines(run, "server1");
        for (const f of ["log.config", "resources.json"]) {
            const check = lines.find((l) => l.startsWith(`[ -f /preflight/local/${f} ] || [ -f /preflight/local/${f}.default ] || `));
            assert.ok(check, lines.join("\n"));
            assert.ok(check.includes("kubectl -n nvflare create configmap nvflare-local-server1 --from-file=prod_NN/server1/local/"), check);
        }
        const init = run.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec.initContainers[0];
        assert.ok(init.volumeMounts.some((m: { name: string; mountPath: string; readOnly?: boolean }) => m.name === "local" && m.mountPath === "/preflight/local" && m.readOnly));
        assert.ok(!init.volumeMounts.some((m: { mountPath: string }) => m.mountPath.startsWith("/workspace/server1")), "no mount that would make the runtime create /workspace/server1 root-owned before the mkdir");
    });
});

describe("nvflare: each pod mounts only its own participant folder (N6), which it must be able to write (N5)", () => {
    for (const workspace of [HA.workspace, { type: "persistentVolumeClaim", claimName: "kits" }]) {
        it(`${workspace.type}: the folder <name> at /workspace/<name>, its startup/ read-only, never the whole prod_NN`, async () => {
            const run = await runProgram({ stack: "dev", set: [nv({ workspace, clients: [{ name: "site-1", org: "nvidia" }] })] });
            for (const d of run.allIn(NVFLARE, DEPLOYMENT)) {
                const name = d.inputs.metadata.name;
                const pod = d.inputs.spec.template.spec;
                const mounts = [...(pod.initContainers ?? []), ...pod.containers].flatMap((c: { volumeMounts: { name: string; mountPath: string; subPath?: string }[] }) => c.volumeMounts).filter((m: { name: string }) => m.name === "workspace");
                for (const m of mounts) assert.ok(m.subPath === name || m.subPath === `${name}/startup`, `${name} mounts ${m.subPath ?? "the whole prod_NN folder"} at ${m.mountPath}`);
                assert.deepEqual(container(d).volumeMounts.slice(0, 2), [
                    { name: "workspace", mountPath: `/workspace/${name}`, subPath: name },
                    { name: "workspace", mountPath: `/workspace/${name}/startup`, subPath: `${name}/startup`, readOnly: true },
                ]);
            }
            for (const name of ["server1", "clients:nvflare/site-1"]) {
                const participant = name.replace("clients:nvflare/", "");
                const lines = preflightLines(run, name);
                const check = lines.find((l) => l.startsWith(`test -w /workspace/${participant} || `));
                assert.ok(check?.includes(`chown -R 65532:65532`), `${participant} checks it can write its folder: ${lines.join("\n")}`);
            }
        });
    }
});

describe("nvflare: the kubelet's probes under every exposure (N7)", () => {
    const nodeBlock = { ipBlock: { cidr: "172.18.0.0/16" } };
    const from = (run: Run, name: string) => run.allIn(NVFLARE, NETPOL).find((n) => n.inputs.metadata.name === `allow-to-${name}`)!.inputs.spec.ingress[0].from;

    for (const exposure of ["none", "ingressTcp"]) {
        it(`${exposure}: the nodes may reach the probed ports`, async () => {
            const entryPoints = { 8443: "a", 8002: "b", 8003: "c", 8102: "d", 8103: "e" };
            const run = await runComponent({ ...HA, exposure }, { ingressTcp: entryPoints });
            for (const name of ["overseer", "server1", "server2"]) assert.ok(from(run, name).some((p: unknown) => JSON.stringify(p) === JSON.stringify(nodeBlock)), `${name}: ${JSON.stringify(from(run, name))}`);
        });
    }

    it("loadBalancer: anywhere already covers them, no node rule added", async () => {
        const run = await runComponent({ ...HA, exposure: "loadBalancer" });
        assert.ok(!from(run, "server1").some((p: unknown) => JSON.stringify(p) === JSON.stringify(nodeBlock)));
        assert.ok(from(run, "server1").some((p: { ipBlock?: { cidr: string } }) => p.ipBlock?.cidr === "0.0.0.0/0"));
    });
});
