/** nvflare: exposure, config errors and scale (the objects and the rest are in nvflare.test.ts). */
import * as assert from "node:assert/strict";
import { nvflareCrossChecks, nvflareSchema } from "../config/nvflare";
import type { PlatformSettings } from "../config/schema";
import { INGRESS_ADDRESS, NODE_ADDRESS, PENDING, participants } from "../components/apps/nvflare";
import { configProblems, runProgram } from "./harness";
import { NVFLARE, DEPLOYMENT, SERVICE, NAMESPACE, ROUTE, HA, nv, container, runComponent } from "./nvflareUtil";

describe("nvflare: exposure", () => {
    it("loadBalancer (default): LoadBalancer Services waiting on the MetalLB pools, addresses pending until assigned", async () => {
        const run = await runComponent({ ...HA, exposure: undefined });
        const pool = run.one("kubernetes:core/v1:ConfigMap", "lb-pool");
        for (const s of run.allIn(NVFLARE, SERVICE)) {
            assert.equal(s.inputs.spec.type, "LoadBalancer");
            assert.ok(s.dependsOn.includes(pool.urn), `${s.name} waits for the load-balancer pools`);
        }
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) assert.ok(!d.dependsOn.includes(pool.urn), "Deployments need no load balancer");
        assert.deepEqual(run.output("nvflareEndpoints").value, {
            overseer: [`${PENDING}:8443`],
            server1: [`${PENDING}:8002`, `${PENDING}:8003`],
            server2: [`${PENDING}:8102`, `${PENDING}:8103`],
        });
        assert.deepEqual(run.output("nvflareHostsLines").value, [`${PENDING} overseer`, `${PENDING} server1`, `${PENDING} server2`]);
        assert.equal(run.allIn(NVFLARE, ROUTE).length, 0);
    });

    it("the dev stack exports its nodePort endpoints on nvflare.nodeAddress (127.0.0.1, kind's port mappings)", async () => {
        const run = await runProgram({ stack: "dev" });
        assert.equal(run.one(SERVICE, "nvflare-server1").inputs.spec.type, "NodePort");
        assert.deepEqual(run.output("nvflareHostsLines").value, ["127.0.0.1 overseer", "127.0.0.1 server1", "127.0.0.1 server2"]);
    });

    it("ingressTcp: one Traefik IngressRouteTCP per port on the handle's entrypoint, forwarding TLS untouched", async () => {
        const entryPoints = { 8443: "flare-overseer", 8002: "s1-fl", 8003: "s1-admin", 8102: "s2-fl", 8103: "s2-admin" };
        const run = await runComponent({ ...HA, exposure: "ingressTcp" }, { ingressTcp: entryPoints });
        const traefik = run.one("kubernetes:core/v1:ConfigMap", "traefik");
        const routes = run.allIn(NVFLARE, ROUTE);
        assert.equal(routes.length, 5);
        const r = run.one(ROUTE, "nvflare-server2-8103");
        assert.equal(r.inputs.apiVersion, "traefik.io/v1alpha1");
        assert.equal(r.inputs.kind, "IngressRouteTCP");
        assert.equal(r.inputs.metadata.name, "server2-admin");
        assert.equal(r.inputs.metadata.namespace, "nvflare");
        assert.deepEqual(r.inputs.spec, { entryPoints: ["s2-admin"], routes: [{ match: "HostSNI(`*`)", services: [{ name: "server2", port: 8103 }] }] });
        assert.equal(r.inputs.spec.tls, undefined, "no TLS termination or SNI matching at Traefik: TLS ends in the pod");
        for (const x of routes) assert.ok(x.dependsOn.includes(traefik.urn), `${x.name} waits for Traefik`);
        assert.equal(run.one(ROUTE, "nvflare-overseer-8443").inputs.spec.entryPoints[0], "flare-overseer");
        for (const s of run.allIn(NVFLARE, SERVICE)) assert.equal(s.inputs.spec.type, "ClusterIP");
        assert.deepEqual((run.output("nvflareEndpoints").value as Record<string, string[]>).server1, [`${INGRESS_ADDRESS}:8002`, `${INGRESS_ADDRESS}:8003`]);
        assert.deepEqual(run.output("nvflareHostsLines").value, [`${INGRESS_ADDRESS} overseer`, `${INGRESS_ADDRESS} server1`, `${INGRESS_ADDRESS} server2`]);
    });

    it("ingressTcp: names the missing entrypoint when the handle lacks a port", async () => {
        await assert.rejects(runComponent({ ...HA, exposure: "ingressTcp" }, { ingressTcp: { 8443: "a", 8002: "b", 8003: "c", 8102: "d" } }), /port 8103 \(server2\).*nvflare-8103/);
    });

    it("nodePort: NodePort Services whose node ports equal the kits' ports", async () => {
        const servers = [
            { name: "server1", org: "nvidia", flPort: 30002, adminPort: 30003 },
            { name: "server2", org: "nvidia", flPort: 30102, adminPort: 30103 },
        ];
        const run = await runProgram({ stack: "dev", set: [nv({ exposure: "nodePort", overseer: { name: "overseer", port: 30443 }, servers })] });
        const s = run.one(SERVICE, "nvflare-server2");
        assert.equal(s.inputs.spec.type, "NodePort");
        assert.deepEqual(s.inputs.spec.ports.map((p: { port: number; nodePort: number }) => [p.port, p.nodePort]), [[30102, 30102], [30103, 30103]]);
        assert.deepEqual((run.output("nvflareEndpoints").value as Record<string, string[]>).overseer, [`${NODE_ADDRESS}:30443`]);
        assert.deepEqual((run.output("nvflareHostsLines").value as string[])[0], `${NODE_ADDRESS} overseer`);
    });

    it("none: ClusterIP Services reached in-cluster under the participant names, no hosts lines", async () => {
        const run = await runProgram({ stack: "dev", set: [nv({ exposure: "none" })] });
        for (const s of run.allIn(NVFLARE, SERVICE)) assert.equal(s.inputs.spec.type, "ClusterIP");
        assert.deepEqual((run.output("nvflareEndpoints").value as Record<string, string[]>).server1, ["server1:8002", "server1:8003"]);
        assert.deepEqual(run.output("nvflareHostsLines").value, []);
    });
});

describe("nvflare: config errors", () => {
    const problems = (over: Record<string, unknown>, extra: string[] = []) => configProblems({ stack: "dev", set: [nv(over), ...extra] });

    it("refuses duplicate names across overseer, servers and clients", async () => {
        const p = await problems({ servers: [HA.servers[0], { ...HA.servers[1], name: "overseer" }], clients: [{ name: "server1", org: "x" }] });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers[1].name: repeats the participant name \"overseer\" of nvflare.overseer.")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.clients[0].name: repeats the participant name \"server1\" of nvflare.servers[0].")), p.join("\n"));
    });

    it("refuses duplicate ports, and an admin port equal to the FL port", async () => {
        const p = await problems({ servers: [HA.servers[0], { ...HA.servers[1], flPort: 8443, adminPort: 8002 }, { name: "server3", org: "o", flPort: 9000, adminPort: 9000 }] });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers[1].flPort: repeats port 8443 of nvflare.overseer.port.")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers[1].adminPort: repeats port 8002 of nvflare.servers[0].flPort.")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers[2].adminPort: equals flPort (9000)") && l.includes("Fix: provision the project with a distinct admin_port")), p.join("\n"));
    });

    it("refuses names that are not Service names, explaining that TLS checks the participant name", async () => {
        const p = await problems({ servers: [{ ...HA.servers[0], name: "server1.example.org" }, HA.servers[1]] });
        const line = p.find((l) => l.startsWith("research-platform:nvflare.servers[0].name: is not a valid Kubernetes Service name"));
        assert.ok(line, p.join("\n"));
        assert.match(line, /TLS checks it against the name in the certificate/);
        assert.match(line, /Fix: provision the project with a participant name such as "server1"/);
    });

    it("refuses missing ports with a fix naming the project.yml key", async () => {
        const p = await problems({ overseer: { name: "overseer" }, servers: [{ name: "server1", org: "nvidia", flPort: 8002 }] });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.overseer.port: is required") && l.includes("Fix: set it to the overseer port in project.yml")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers[0].adminPort: is required") && l.includes("admin_port")), p.join("\n"));
    });

    it("requires image, workspace and a server when enabled, and shared storage for HA", async () => {
        const p = await configProblems({ stack: "dev", set: ['nvflare={"enabled":true,"overseer":{"name":"overseer","port":8443}}'] });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.image: is required when nvflare is enabled")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.workspace: is required")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers: lists no server")), p.join("\n"));
        const ha = await problems({ persist: { type: "emptyDir" } });
        assert.ok(ha.some((l) => l.startsWith("research-platform:nvflare.persist: is an emptyDir but there are several (HA) servers")), ha.join("\n"));
    });

    it("refuses ports outside the NodePort range with exposure nodePort", async () => {
        const p = await problems({ exposure: "nodePort" });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers[0].flPort: is 8002, outside the NodePort range 30000-32767")), p.join("\n"));
        assert.equal(p.filter((l) => l.includes("outside the NodePort range")).length, 5);
    });

    it("needs MetalLB for loadBalancer on kind", async () => {
        const p = (await problems({}, ['metallb={"enabled":false}'])).filter((x) => x.startsWith("research-platform:nvflare"));
        assert.deepEqual(p, ["research-platform:nvflare.exposure: is loadBalancer on a kind cluster, where LoadBalancer Services get no address without MetalLB. Fix: enable MetalLB (metallb.enabled: true), or choose nvflare.exposure ingressTcp, nodePort or none"]);
        await runProgram({ stack: "dev", set: [nv(), 'metallb={"enabled":false}', 'kubernetes.distribution="generic"', 'kubernetes.apiServerCidrs=["10.0.0.0/28"]', 'kubernetes.nodeCidrs=["10.0.0.0/16"]'] });
    });

    it("needs the ingress controller and every port as an ingress.tcpPorts entrypoint for ingressTcp, naming the entries to add", async () => {
        const p = await problems({ exposure: "ingressTcp" }, ["ingress.enabled=false"]);
        assert.ok(p.includes("research-platform:nvflare.exposure: is ingressTcp but the ingress controller is not enabled. Fix: enable it (ingress.enabled: true) with TCP entrypoints for the NVFlare ports, or choose nvflare.exposure loadBalancer"), p.join("\n"));
        assert.ok(
            p.includes(
                "research-platform:ingress.tcpPorts: lacks TCP entrypoints for NVFlare ports 8443 (overseer), 8002 (server1), 8003 (server1), 8102 (server2), 8103 (server2), which nvflare.exposure ingressTcp routes. Fix: add to ingress.tcpPorts: {name: nvflare-8443, port: 8443}, {name: nvflare-8002, port: 8002}, {name: nvflare-8003, port: 8003}, {name: nvflare-8102, port: 8102}, {name: nvflare-8103, port: 8103}",
            ),
            p.join("\n"),
        );
    });

    it("accepts ingressTcp once ingress.tcpPorts lists every port", () => {
        const nvflare = nvflareSchema.parse({ ...HA, exposure: "ingressTcp" });
        const check = (tcpPorts: { name: string; port: number }[]) => {
            const settings = { nvflare, ingress: { enabled: true, tcpPorts }, metallb: { enabled: false }, kubernetes: { distribution: "kind" } } as unknown as PlatformSettings;
            const reports: string[] = [];
            for (const c of nvflareCrossChecks) c(settings, (path, problem, fix) => reports.push(`${path.join(".")}: ${problem} / ${fix}`));
            return reports;
        };
        const all = [8443, 8002, 8003, 8102, 8103].map((port) => ({ name: `nvflare-${port}`, port }));
        assert.deepEqual(check(all), []);
        assert.deepEqual(check(all.slice(1)), ["ingress.tcpPorts: lacks a TCP entrypoint for NVFlare port 8443 (overseer), which nvflare.exposure ingressTcp routes / add to ingress.tcpPorts: {name: nvflare-8443, port: 8443}"]);
    });
});

describe("nvflare: scale", () => {
    /** One overseer, `servers` servers with consecutive port pairs, `clients` clients. */
    function big(servers: number, clients: number) {
        return {
            ...HA,
            workspace: { type: "secret" },
            persist: { type: "persistentVolumeClaim", claimName: "persist" },
            servers: Array.from({ length: servers }, (_, i) => ({ name: `server-${i}`, org: `org-${i % 7}`, flPort: 10000 + 2 * i, adminPort: 10001 + 2 * i })),
            clients: Array.from({ length: clients }, (_, i) => ({ name: `site-${i}`, org: `org-${i % 7}` })),
        };
    }

    it("deploys 200 participants from one config, the same way as 3", async () => {
        const run = await runProgram({ stack: "dev", set: [`nvflare=${JSON.stringify(big(99, 100))}`] });
        assert.equal(run.allIn(NVFLARE, DEPLOYMENT).length, 200);
        assert.equal(run.allIn(NVFLARE, SERVICE).length, 100);
        assert.equal(run.allIn(NVFLARE, NAMESPACE).length, 1);
        const s = container(run.one(DEPLOYMENT, "nvflare-server-98"));
        assert.ok(s.args.includes("org=org-0") && s.args.includes("/workspace/server-98"));
        assert.deepEqual(run.one(SERVICE, "nvflare-server-98").inputs.spec.ports.map((p: { port: number }) => p.port), [10196, 10197]);
        const endpoints = run.output("nvflareEndpoints").value as Record<string, string[]>;
        assert.equal(Object.keys(endpoints).length, 100);
        assert.equal((run.output("nvflareHostsLines").value as string[]).length, 100);
        assert.equal(container(run.one(DEPLOYMENT, "nvflare-clients:nvflare/site-99")).args.at(-1), "org=org-1");
    });

    it("keeps pods free of per-Service environment variables (hundreds of Services in one namespace)", async () => {
        const run = await runProgram({ stack: "dev" });
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) assert.equal(d.inputs.spec.template.spec.enableServiceLinks, false);
    });

    it("validates 1000 participants and reports every duplicate in one pass", () => {
        const cfg = big(500, 499);
        const parsed = nvflareSchema.parse(cfg);
        assert.equal(participants(parsed).length, 1000);
        const dup = { ...cfg, clients: [...cfg.clients, { name: "server-3", org: "x" }], servers: [...cfg.servers, { name: "server-x", org: "x", flPort: 10002, adminPort: 20000 }] };
        const r = nvflareSchema.safeParse(dup);
        if (r.success) assert.fail("expected duplicates to be refused");
        assert.deepEqual(r.error.issues.map((i) => i.path.join(".")).sort(), ["clients.499.name", "servers.500.flPort"]);
    });
});
