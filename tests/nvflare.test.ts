import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { Deployment as DeploymentModel } from "kubernetes-models/apps/v1/Deployment";
import { Service as ServiceModel } from "kubernetes-models/v1/Service";
import { POD_SECURITY_REASON_ANNOTATION } from "../components/k8s/namespace";
import { Run, configProblems, runProgram } from "./harness";
import { needsReference } from "./referenceData";
import { NVFLARE, DEPLOYMENT, SERVICE, NAMESPACE, HA, nv, EXPECTED, container } from "./nvflareUtil";

describe("nvflare: seed 002's HA example", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({ stack: "dev", set: [nv({ exposure: "none" })] });
    });

    it("reproduces every generated resource of HelmChartBuilder field by field (reference fixture)", function () {
        needsReference(this, EXPECTED);
        const expected = JSON.parse(fs.readFileSync(EXPECTED, "utf8")) as { resources: Record<string, unknown>[] };
        // `{{ .Values.workspace }}` and `{{ .Values.persist }}` are the install-time --set values of the seed.
        const values: Record<string, string> = { "{{ .Values.workspace }}": HA.workspace.path, "{{ .Values.persist }}": HA.persist.path };
        assert.equal(expected.resources.length, 6);
        for (const e of expected.resources as Record<string, any>[]) { // eslint-disable-line @typescript-eslint/no-explicit-any
            if (e.kind === "Deployment") {
                const d = run.one(DEPLOYMENT, `nvflare-${e.name}`);
                const spec = d.inputs.spec;
                assert.equal(d.inputs.metadata.name, e.name);
                assert.equal(d.inputs.metadata.namespace, "nvflare", "the seed set no namespace; the program always does");
                for (const [k, v] of Object.entries(e.labels)) assert.equal(d.inputs.metadata.labels[k], v, `${e.name} label ${k}`);
                for (const [k, v] of Object.entries(e.podLabels)) assert.equal(spec.template.metadata.labels[k], v, `${e.name} pod label ${k}`);
                assert.deepEqual(spec.selector.matchLabels, e.matchLabels);
                assert.equal(spec.replicas, e.replicas);
                const c = spec.template.spec.containers[0];
                assert.equal(c.name, e.container);
                assert.equal(c.image, e.image);
                assert.equal(c.imagePullPolicy, e.imagePullPolicy);
                assert.deepEqual(c.command, e.command);
                assert.deepEqual(c.args ?? null, e.args);
                assert.deepEqual(
                    c.ports.map((p: { containerPort: number; protocol: string }) => [p.containerPort, p.protocol]),
                    e.containerPorts.map((p: { containerPort: number; protocol: string }) => [p.containerPort, p.protocol]),
                );
                for (const p of e.containerPorts) if (p.name) assert.ok(c.ports.some((q: { name: string }) => q.name === p.name), `${e.name} port name ${p.name}`);
                for (const m of e.volumeMounts) {
                    // Deliberate fix: the seed mounted the whole prod_NN folder at /workspace, so every pod could read every
                    // participant's keys; each pod now mounts only its own folder at /workspace/<name>.
                    const want = m.mountPath === "/workspace" ? { mountPath: `/workspace/${e.name}`, subPath: e.name } : { mountPath: m.mountPath, subPath: undefined };
                    assert.ok(
                        c.volumeMounts.some((x: { name: string; mountPath: string; subPath?: string }) => x.name === m.name && x.mountPath === want.mountPath && x.subPath === want.subPath),
                        `${e.name} mounts ${m.name} at ${want.mountPath}`,
                    );
                }
                for (const v of e.volumes) {
                    const ours = spec.template.spec.volumes.find((x: { name: string }) => x.name === v.name);
                    assert.ok(ours, `${e.name} volume ${v.name}`);
                    assert.equal(ours.hostPath.path, values[v.hostPath.path]);
                    // The seed's type Directory, persist included: DirectoryOrCreate would make a root-owned folder the servers cannot write.
                    assert.equal(ours.hostPath.type, v.hostPath.type);
                }
            } else {
                const s = run.one(SERVICE, `nvflare-${e.name}`);
                assert.equal(s.inputs.metadata.name, e.name);
                for (const [k, v] of Object.entries(e.labels)) assert.equal(s.inputs.metadata.labels[k], v);
                assert.equal(s.inputs.metadata.labels.system, e.name, "fix: the seed's overseer Service had no labels");
                assert.deepEqual(s.inputs.spec.selector, e.selector);
                assert.equal(s.inputs.spec.type, "ClusterIP");
                assert.deepEqual(
                    s.inputs.spec.ports.map((p: Record<string, unknown>) => [p.port, p.protocol, p.targetPort]),
                    e.ports.map((p: Record<string, unknown>) => [p.port, p.protocol, p.targetPort]),
                );
                for (const p of e.ports) if (p.name) assert.ok(s.inputs.spec.ports.some((q: { name: string }) => q.name === p.name));
            }
        }
        assert.equal(run.allIn(NVFLARE, DEPLOYMENT).length, 3);
        assert.equal(run.allIn(NVFLARE, SERVICE).length, 3);
    });

    it("keeps the seed's names, ports, commands and args (inline, without the fixture)", () => {
        const o = container(run.one(DEPLOYMENT, "nvflare-overseer"));
        assert.deepEqual(o.command, ["/workspace/overseer/startup/start.sh"]);
        assert.equal(o.args, undefined);
        assert.deepEqual(o.ports, [{ name: "overseer-port", containerPort: 8443, protocol: "TCP" }]);
        const s2 = container(run.one(DEPLOYMENT, "nvflare-server2"));
        assert.deepEqual(s2.command, ["/usr/local/bin/python3"]);
        assert.deepEqual(s2.args, ["-u", "-m", "nvflare.private.fed.app.server.server_train", "-m", "/workspace/server2", "-s", "fed_server.json", "--set", "secure_train=true", "config_folder=config", "org=nvidia"]);
        assert.deepEqual(
            run.one(SERVICE, "nvflare-server2").inputs.spec.ports,
            [
                { name: "fl-port", port: 8102, targetPort: 8102, protocol: "TCP" },
                { name: "admin-port", port: 8103, targetPort: 8103, protocol: "TCP" },
            ],
        );
        assert.deepEqual(run.one(SERVICE, "nvflare-overseer").inputs.spec.ports, [{ name: "overseer-port", port: 8443, targetPort: 8443, protocol: "TCP" }]);
    });

    it("fixes the builder's defects: Recreate strategy, the overseer has no persist volume, startup kits read-only", () => {
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) {
            assert.equal(d.inputs.spec.strategy.type, "Recreate", d.name);
            const c = container(d);
            const name = d.inputs.metadata.name;
            const startup = c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === `/workspace/${name}/startup`);
            assert.deepEqual(startup, { name: "workspace", mountPath: `/workspace/${name}/startup`, subPath: `${name}/startup`, readOnly: true });
        }
        const overseerVolumes = run.one(DEPLOYMENT, "nvflare-overseer").inputs.spec.template.spec.volumes.map((v: { name: string }) => v.name);
        assert.ok(!overseerVolumes.includes("persist"));
    });

    it("gives each server its own org (the builder repeated the first one)", async () => {
        const r = await runProgram({ stack: "dev", set: [nv({ servers: [HA.servers[0], { ...HA.servers[1], org: "hospital-b" }] })] });
        assert.ok(container(r.one(DEPLOYMENT, "nvflare-server1")).args.includes("org=nvidia"));
        assert.ok(container(r.one(DEPLOYMENT, "nvflare-server2")).args.includes("org=hospital-b"));
        assert.ok(!container(r.one(DEPLOYMENT, "nvflare-server2")).args.includes("org=nvidia"));
    });

    it("gives every pod requests, limits, probes on the TCP ports, a restricted securityContext and no API token", () => {
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) {
            const pod = d.inputs.spec.template.spec;
            const c = pod.containers[0];
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory, d.name);
            assert.ok(c.readinessProbe.tcpSocket && c.livenessProbe.tcpSocket, d.name);
            const named = new Set(c.ports.map((p: { name: string }) => p.name));
            assert.ok(named.has(c.readinessProbe.tcpSocket.port) && named.has(c.livenessProbe.tcpSocket.port), `${d.name} probes name its own ports`);
            assert.equal(pod.automountServiceAccountToken, false);
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
            assert.equal(c.securityContext.readOnlyRootFilesystem, true);
            assert.ok(c.volumeMounts.some((m: { mountPath: string }) => m.mountPath === "/tmp"), "a writable /tmp beside the read-only root");
        }
        const server = container(run.one(DEPLOYMENT, "nvflare-server1"));
        assert.equal(server.readinessProbe.tcpSocket.port, "fl-port");
        assert.equal(server.livenessProbe.tcpSocket.port, "admin-port");
    });

    it("runs as the platform's non-root UID unless the kits' owner is configured", async () => {
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) assert.equal(d.inputs.spec.template.spec.securityContext.runAsUser, 65532);
        const r = await runProgram({ stack: "dev", set: [nv({ runAsUser: 1000, runAsGroup: 1000 })] });
        assert.deepEqual(
            [r.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec.securityContext.runAsUser, r.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec.securityContext.fsGroup],
            [1000, 1000],
        );
        const p = await configProblems({ stack: "dev", set: [nv({ runAsUser: 0 })] });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.runAsUser: must not be 0 (root)")), p.join("\n"));
    });

    it("admits traffic only to the NVFlare ports: a default-deny, then one allow per listening participant", () => {
        const nps = run.allIn(NVFLARE, "kubernetes:networking.k8s.io/v1:NetworkPolicy");
        const byName = Object.fromEntries(nps.map((n) => [n.inputs.metadata.name, n.inputs]));
        assert.deepEqual(byName["default-deny"].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [], egress: [] });
        assert.deepEqual(byName["allow-to-server1"].spec.podSelector, { matchLabels: { system: "server1" } });
        assert.deepEqual(byName["allow-to-server1"].spec.ingress[0].ports, [8002, 8003].map((port) => ({ port, protocol: "TCP" })));
        assert.deepEqual(byName["allow-to-overseer"].spec.ingress[0].ports, [{ port: 8443, protocol: "TCP" }]);
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) assert.equal(d.inputs.spec.template.metadata.labels["app.kubernetes.io/name"], "nvflare");
    });

    it("labels the namespace privileged (baseline forbids hostPath too), with the reason, only because a hostPath is configured", () => {
        const ns = run.one(NAMESPACE, "nvflare-ns");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
        assert.match(ns.inputs.metadata.annotations[POD_SECURITY_REASON_ANNOTATION], /hostPath/);
        assert.equal(ns.protect, false, "dev does not protect");
        for (const r of [...run.allIn(NVFLARE, DEPLOYMENT), ...run.allIn(NVFLARE, SERVICE)]) {
            assert.equal(r.inputs.metadata.namespace, "nvflare");
            assert.ok(r.dependsOn.includes(ns.urn), `${r.name} waits for its namespace`);
        }
    });

    it("produces manifests that validate against the Kubernetes schemas", () => {
        const deployments = run.allIn(NVFLARE, DEPLOYMENT);
        const services = run.allIn(NVFLARE, SERVICE);
        assert.ok(deployments.length >= 3 && services.length >= 3, `${deployments.length} Deployments, ${services.length} Services`);
        for (const d of deployments) assert.doesNotThrow(() => new DeploymentModel({ apiVersion: "apps/v1", kind: "Deployment", ...d.inputs }).validate(), d.name);
        for (const s of services) assert.doesNotThrow(() => new ServiceModel({ apiVersion: "v1", kind: "Service", ...s.inputs }).validate(), s.name);
    });
});

describe("nvflare: workspace and clients", () => {
    it("mounts a Secret per participant read-only and runs restricted without hostPath", async () => {
        const run = await runProgram({
            stack: "dev",
            set: [nv({ workspace: { type: "secret" }, persist: { type: "persistentVolumeClaim", claimName: "nvflare-persist" }, clients: [{ name: "site-1", org: "nvidia" }] })],
        });
        const ns = run.one(NAMESPACE, "nvflare-ns");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        assert.equal(ns.inputs.metadata.annotations, undefined);
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) {
            const pod = d.inputs.spec.template.spec;
            const name = d.inputs.metadata.name;
            assert.ok(!pod.volumes.some((v: { hostPath?: unknown }) => v.hostPath), `${name} has no hostPath`);
            assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "startup").secret, { secretName: `nvflare-startup-${name}`, defaultMode: 0o550 });
            const local = pod.volumes.find((v: { name: string }) => v.name === "local");
            // The overseer reads only startup/; servers and clients need their local/ (see nvflare.state.test.ts).
            if (name === "overseer") assert.equal(local, undefined);
            else assert.deepEqual(local.configMap, { name: `nvflare-local-${name}`, optional: false, defaultMode: 0o440 });
            const mounts = pod.containers[0].volumeMounts;
            assert.ok(mounts.some((m: VolumeMountLike) => m.name === "startup" && m.mountPath === `/workspace/${name}/startup` && m.readOnly === true));
            assert.equal(pod.initContainers[0].name, "preflight");
            assert.deepEqual(pod.initContainers[0].command.slice(0, 2), ["/bin/sh", "-c"]);
            assert.ok(pod.initContainers[0].command[2].split("\n").includes(`mkdir -p /workspace/${name}`), "creates the workspace root as the pod's user");
            assert.ok(pod.initContainers[0].resources.limits.memory);
        }
        const persist = run.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec.volumes.find((v: { name: string }) => v.name === "persist");
        assert.deepEqual(persist.persistentVolumeClaim, { claimName: "nvflare-persist" });
    });

    it("runs clients as Deployments with the client_train command, no Service and no inbound port", async () => {
        const run = await runProgram({ stack: "dev", set: [nv({ clients: [{ name: "site-1", org: "nvidia" }, { name: "site-2", org: "hospital-b" }] })] });
        const c = container(run.one(DEPLOYMENT, "nvflare-clients:nvflare/site-2"));
        assert.deepEqual(c.args, ["-u", "-m", "nvflare.private.fed.app.client.client_train", "-m", "/workspace/site-2", "-s", "fed_client.json", "--set", "secure_train=true", "uid=site-2", "config_folder=config", "org=hospital-b"]);
        assert.equal(c.ports, undefined);
        assert.ok(c.readinessProbe.exec && c.livenessProbe.exec);
        assert.equal(run.find(SERVICE, "nvflare-site-2"), undefined);
        assert.ok(!run.one(DEPLOYMENT, "nvflare-clients:nvflare/site-2").inputs.spec.template.spec.volumes.some((v: { name: string }) => v.name === "persist"));
        assert.deepEqual(Object.keys(run.output("nvflareEndpoints").value as object), ["overseer", "server1", "server2"]);
    });

    it("registers every client through one ConfigGroup after the namespace, whose children are the clients' Deployments", async () => {
        const run = await runProgram({ stack: "dev", set: [nv({ clients: [{ name: "site-1", org: "nvidia" }, { name: "site-2", org: "hospital-b" }] })] });
        const groups = run.allIn(NVFLARE, "kubernetes:yaml/v2:ConfigGroup");
        assert.deepEqual(groups.map((g) => g.name), ["nvflare-clients"]);
        assert.ok(groups[0].dependsOn.includes(run.one(NAMESPACE, "nvflare-ns").urn), "the clients wait for their namespace");
        const children = run.descendants(groups[0]);
        assert.deepEqual(children.map((c) => [c.type, c.name, c.inputs.metadata.namespace, c.inputs.apiVersion]), [
            [DEPLOYMENT, "nvflare-clients:nvflare/site-1", "nvflare", "apps/v1"],
            [DEPLOYMENT, "nvflare-clients:nvflare/site-2", "nvflare", "apps/v1"],
        ]);
        // Built by the same code as the servers' Deployments: same labels, security context and strategy.
        const server = run.one(DEPLOYMENT, "nvflare-server1").inputs;
        for (const c of children) {
            assert.deepEqual(c.inputs.spec.template.spec.securityContext, server.spec.template.spec.securityContext);
            assert.deepEqual(c.inputs.spec.strategy, { type: "Recreate" });
            assert.equal(c.inputs.metadata.labels["app.kubernetes.io/component"], "client");
        }
        assert.deepEqual(run.allIn(NVFLARE, "kubernetes:yaml/v2:ConfigGroup").length, 1);
        const none = await runProgram({ stack: "dev", set: [nv()] });
        assert.deepEqual(none.allIn(NVFLARE, "kubernetes:yaml/v2:ConfigGroup"), [], "no clients, no group");
    });

    it("uses an existing claim as the workspace, with the startup kit as a read-only subPath", async () => {
        const run = await runProgram({ stack: "dev", set: [nv({ workspace: { type: "persistentVolumeClaim", claimName: "kits" }, persist: { type: "persistentVolumeClaim", claimName: "persist" } })] });
        const pod = run.one(DEPLOYMENT, "nvflare-server1").inputs.spec.template.spec;
        assert.deepEqual(pod.volumes[0], { name: "workspace", persistentVolumeClaim: { claimName: "kits" } });
        assert.equal(run.one(NAMESPACE, "nvflare-ns").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
    });

    it("protects the namespace in prod", async () => {
        const run = await runProgram({ stack: "prod", placeholderSecrets: true });
        assert.equal(run.one(NAMESPACE, "nvflare-ns").protect, true);
    });
});

interface VolumeMountLike {
    name: string;
    mountPath: string;
    readOnly?: boolean;
}
