/**
 * Issue 19, item 2: every URL the dev stack prints is reachable from the user's machine on Linux,
 * macOS and Windows: its host resolves to the loopback address, and its port is a host port that
 * kind/cluster.yaml maps to the same node port of a Service the plan creates (Docker Desktop
 * reaches neither the kind network's gateway nor a MetalLB address from the host; published ports
 * it does). And every host path the dev stack's pods use exists on the kind nodes: a path the node
 * itself has, or a folder kind/cluster.yaml mounts into every node.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { podTemplate } from "../policy/rules/pods";
import { PROJECT_DIR, Run, configProblems, runProgram } from "./harness";

interface KindNode {
    role: string;
    extraMounts?: { hostPath: string; containerPath: string }[];
    extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string; protocol?: string }[];
}
const kindNodes = (): KindNode[] => (parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "kind", "cluster.yaml"), "utf8")) as { nodes: KindNode[] }).nodes;

/** Outputs that are addresses for pods, not for the user (and say so in the README). */
const IN_CLUSTER_ONLY: Record<string, string> = {
    distributedNotebookGateway: "the gateway's gRPC address for the front end and the workload driver inside the cluster",
};

/** Whether a host name reaches the user's own machine: localhost, 127.x, and wildcard DNS names spelling 127.x. */
function isLoopback(host: string): boolean {
    const h = host.replace(/^\[|\]$/g, "");
    if (h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h)) return true;
    if (/(^|\.)localtest\.me$/.test(h)) return true;
    return /(?:^|\.)127\.\d+\.\d+\.\d+\.(nip\.io|sslip\.io)$/.test(h);
}

/** Every address a stack output holds: `scheme://host[:port]/...` and `host:port`, with where it is. */
function addresses(value: unknown, where: string, out: { where: string; text: string }[] = []): { where: string; text: string }[] {
    if (typeof value === "string") {
        for (const m of value.matchAll(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi)) out.push({ where, text: m[0] });
        if (!/:\/\//.test(value) && /^[\w.-]+:\d+$/.test(value.trim())) out.push({ where, text: value.trim() });
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => addresses(v, `${where}[${i}]`, out));
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) addresses(v, `${where}.${k}`, out);
    }
    return out;
}

function hostAndPort(text: string): { host: string; port: number } {
    if (/:\/\//.test(text)) {
        const u = new URL(text);
        return { host: u.hostname, port: Number(u.port || (u.protocol === "https:" ? 443 : 80)) };
    }
    const i = text.lastIndexOf(":");
    return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

/** The node ports of the plan's Services (raw objects and the Traefik release's fixed entrypoint ports). */
function nodePorts(run: Run): Map<number, string> {
    const out = new Map<number, string>();
    for (const svc of run.all("kubernetes:core/v1:Service")) {
        for (const p of svc.inputs.spec?.ports ?? []) if (typeof p.nodePort === "number") out.set(p.nodePort, `Service ${svc.inputs.metadata?.namespace}/${svc.inputs.metadata?.name}`);
    }
    for (const rel of run.all("kubernetes:helm.sh/v3:Release")) {
        const v = rel.inputs.values ?? {};
        // Charts that publish node ports through values: Traefik's entrypoints, JupyterHub's proxy, DiracX's Dex and SeaweedFS.
        for (const [name, p] of Object.entries((v.ports ?? {}) as Record<string, { nodePort?: number }>)) if (typeof p?.nodePort === "number") out.set(p.nodePort, `Release ${rel.name} ports.${name}`);
        const hubPort = v.proxy?.service?.nodePorts?.http;
        if (typeof hubPort === "number") out.set(hubPort, `Release ${rel.name} proxy.service.nodePorts.http`);
        const dex = v.dex?.service?.ports?.http?.nodePort;
        if (typeof dex === "number") out.set(dex, `Release ${rel.name} dex.service.ports.http.nodePort`);
        const s3 = v["seaweedfs"]?.s3?.service?.nodePort ?? v["seaweedfs"]?.service?.nodePort;
        if (typeof s3 === "number") out.set(s3, `Release ${rel.name} seaweedfs nodePort`);
    }
    return out;
}

describe("deploy path: every URL the dev stack prints is reachable from the user's machine", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({ stack: "dev" });
    });

    it("each URL and host:port output resolves to loopback on a host port kind maps to a node port the plan serves", () => {
        const maps = kindNodes().flatMap((n) => n.extraPortMappings ?? []);
        const served = nodePorts(run);
        const problems: string[] = [];
        let checked = 0;
        for (const [key, { value }] of Object.entries(run.plan.rawOutputs)) {
            if (key in IN_CLUSTER_ONLY) continue;
            for (const a of addresses(value, key)) {
                // Commands inside outputs (e.g. DiracX's registerOnce) run in a pod: not the user's URLs.
                if (/registerOnce/.test(a.where)) continue;
                checked++;
                const { host, port } = hostAndPort(a.text);
                if (!isLoopback(host)) {
                    problems.push(`${a.where} = ${a.text}: ${host} is not the user's machine (macOS and Windows reach neither the kind network nor a MetalLB address)`);
                    continue;
                }
                const map = maps.find((m) => m.hostPort === port);
                if (!map) {
                    problems.push(`${a.where} = ${a.text}: kind/cluster.yaml maps no host port ${port}`);
                    continue;
                }
                if (map.listenAddress && !isLoopback(map.listenAddress) && map.listenAddress !== "0.0.0.0") problems.push(`${a.where}: host port ${port} listens on ${map.listenAddress}`);
                if (!served.has(map.containerPort)) problems.push(`${a.where} = ${a.text}: host port ${port} leads to node port ${map.containerPort}, which no Service of the plan uses`);
            }
        }
        assert.deepEqual(problems, []);
        assert.ok(checked >= 8, `only ${checked} addresses checked`);
    });

    it("names the dev URLs a user opens: JupyterHub, DiracX, Dex, the notebook front end and NVIDIA FLARE's endpoints", () => {
        const all = Object.entries(run.plan.rawOutputs).flatMap(([k, { value }]) => addresses(value, k).map((a) => a.where));
        for (const key of ["jupyterhubUrl", "diracxUrl", "diracxLogin.dexIssuer", "distributedNotebookUrl", "nvflareEndpoints.overseer[0]", "nvflareEndpoints.server1[0]"]) {
            assert.ok(all.includes(key), `${key} is not an address output: ${all.join(", ")}`);
        }
        for (const line of run.output("nvflareHostsLines").value as string[]) assert.match(line, /^127\.0\.0\.1 \S+$/, "the hosts-file lines point NVIDIA FLARE's names at the host's mapped ports");
    });

    it("keeps the in-cluster-only outputs in the cluster (and only those)", () => {
        for (const [key, why] of Object.entries(IN_CLUSTER_ONLY)) {
            const v = String(run.output(key).value);
            assert.match(v, /\.svc\.cluster\.local:\d+$/, `${key} (${why}) is no longer an in-cluster address: check it against the mappings instead`);
        }
    });

    it("every host path the dev pods use exists on every kind node that can run them", () => {
        const nodes = kindNodes();
        // What a kind node itself has: the kubelet's and the container runtime's folders.
        const nodeOwn = [/^\/var\/lib\/kubelet(\/|$)/, /^\/var\/run(\/|$)/, /^\/run(\/|$)/, /^\/var\/log(\/|$)/, /^\/dev(\/|$)/, /^\/sys(\/|$)/, /^\/proc(\/|$)/, /^\/lib\/modules(\/|$)/];
        const used: { path: string; by: string }[] = [];
        for (const r of run.plan.resources) {
            const t = podTemplate({ urn: r.urn, type: r.type, name: r.name, props: r.inputs });
            for (const v of (t?.spec?.volumes ?? []) as { hostPath?: { path: string } }[]) if (v.hostPath?.path) used.push({ path: v.hostPath.path, by: r.name });
        }
        // DiracX developer mode: the chart's hostPath PersistentVolume for the config store.
        const diracx = run.find("kubernetes:helm.sh/v3:Release", "diracx");
        const csPath = diracx?.inputs.values?.developer?.enabled ? diracx.inputs.values.developer.localCSPath : undefined;
        if (csPath) used.push({ path: csPath, by: "diracx pv-cs-store (developer.localCSPath)" });
        assert.ok(used.length >= 2, `only ${used.length} host paths found`);
        const problems: string[] = [];
        for (const u of used) {
            const p = path.posix.normalize(u.path).replace(/\/$/, "") || "/";
            if (nodeOwn.some((re) => re.test(p))) continue;
            nodes.forEach((n, i) => {
                const mounted = (n.extraMounts ?? []).some((m) => p === m.containerPath || p.startsWith(`${m.containerPath.replace(/\/$/, "")}/`));
                if (!mounted) problems.push(`${u.by}: ${u.path} is not mounted on kind node ${i} (${n.role})`);
            });
        }
        assert.deepEqual(problems, []);
    });
});

describe("deploy path: the node-port exposures the dev URLs use", () => {
    it("the notebook front end's Service is a NodePort on distributedNotebook.nodePort, excepted from the exposure rule with a reason", async () => {
        const run = await runProgram({ stack: "dev" });
        const svc = run.all("kubernetes:core/v1:Service").find((s) => s.inputs.metadata?.name === "jupyter-notebook")!;
        assert.equal(svc.inputs.spec.type, "NodePort");
        assert.deepEqual(svc.inputs.spec.ports.map((p: { nodePort?: number }) => p.nodePort), [30888]);
        assert.match(svc.inputs.metadata.annotations["research-platform.io/policy-exception.exposure"], /NodePort/);
        assert.equal(run.output("distributedNotebookUrl").value, "http://localhost:30888/");
        for (const name of ["overseer", "server1", "server2"]) {
            const s = run.all("kubernetes:core/v1:Service").find((x) => x.inputs.metadata?.namespace === "nvflare" && x.inputs.metadata?.name === name)!;
            assert.equal(s.inputs.spec.type, "NodePort", name);
            assert.ok(s.inputs.metadata.annotations["research-platform.io/policy-exception.exposure"], `${name} NodePort without the exception's reason`);
        }
    });

    it("refuses a NodePort front end without its port, a port outside the range, and nvflare.nodeAddress without nodePort exposure", async () => {
        const p = await configProblems({ stack: "dev", set: ['distributedNotebook={"enabled":true,"localDaemons":4,"serviceType":"NodePort"}', 'nvflare.exposure="loadBalancer"'] });
        assert.ok(p.some((x) => /^research-platform:distributedNotebook\.nodePort: is required with serviceType NodePort\. Fix: /.test(x)), p.join("\n"));
        assert.ok(p.some((x) => /^research-platform:nvflare\.nodeAddress: is set but exposure is loadBalancer\. Fix: /.test(x)), p.join("\n"));
        const range = await configProblems({ stack: "dev", set: ["distributedNotebook.nodePort=8888"] });
        assert.ok(range.some((x) => /^research-platform:distributedNotebook\.nodePort: is below the NodePort range/.test(x)), range.join("\n"));
    });
});
