/**
 * diracx on the dev kind cluster: the config store every pod must share, the URLs the user's machine
 * and the pods must both reach, and the namespace's NetworkPolicies along those paths.
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { Endpoint, Pod, clusterFromResources, inCidr, mayConnect } from "../tools/guardrails/networkPolicyEval";
import { PROJECT_DIR, Run, configProblems, runProgram } from "./harness";
import { ON, SECRET, dev, prod, release, values } from "./diracxUtil";

interface KindNode {
    role: string;
    extraMounts?: { hostPath: string; containerPath: string }[];
    extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[];
}
const kindNodes = (): KindNode[] => (parseYaml(fs.readFileSync(path.join(PROJECT_DIR, "kind", "cluster.yaml"), "utf8")) as { nodes: KindNode[] }).nodes;

/** The node port a host port of the user's machine leads to (kind publishes every mapping on the host). */
function kindNodePortFor(hostPort: number): number | undefined {
    const maps = kindNodes().flatMap((n) => n.extraPortMappings ?? []).filter((m) => m.hostPort === hostPort);
    assert.ok(maps.length <= 1, `host port ${hostPort} is mapped twice`);
    return maps[0]?.containerPort;
}

/** What a public wildcard-DNS name resolves to (the test's own oracle): nip.io spells the address, localtest.me is 127.0.0.1. */
function hostnameAddress(hostname: string): string | undefined {
    if (/(^|\.)localtest\.me$/.test(hostname)) return "127.0.0.1";
    return /(?:^|\.)(\d+\.\d+\.\d+\.\d+)\.nip\.io$/.exec(hostname)?.[1];
}

const urlPort = (u: URL) => Number(u.port || (u.protocol === "http:" ? 80 : 443));

/** The cluster config the plan records on the Platform component. */
function platformConfig(run: Run) {
    return run.all("research-platform:index:Platform")[0].inputs.config;
}

describe("diracx on kind: the developer-mode config store (issue 16 defect 9)", () => {
    it("mounts one host folder at the chart's config store path on every kind node, so init-cs, the API, the CLI and the tasks share one repository", async () => {
        const v = values(await dev());
        assert.equal(v.developer.enabled, true);
        const csPath: string = v.developer.localCSPath;
        assert.ok(csPath, "the program names the hostPath of pv-cs-store (developer.localCSPath)");
        const nodes = kindNodes();
        const hostPaths = nodes.map((n) => (n.extraMounts ?? []).filter((m) => m.containerPath === csPath).map((m) => m.hostPath));
        hostPaths.forEach((p, i) => assert.equal(p.length, 1, `kind node ${i} (${nodes[i].role}) mounts a host folder at ${csPath}`));
        assert.equal(new Set(hostPaths.flat()).size, 1, "the same host folder on every node");
    });

    /** Run a copy of scripts/kind-up.sh (with the kind config) against stub docker, kind and node that record their calls. */
    function kindUp(staleRepo: boolean): { root: string; hostFolder: string; calls: string[]; stdout: string } {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "diracx-kind-up-"));
        for (const f of ["scripts/kind-up.sh", "scripts/lib.sh", "kind/cluster.yaml", "Pulumi.dev.yaml"]) {
            fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
            fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(root, f));
        }
        const mount = kindNodes()[0].extraMounts?.find((m) => m.containerPath === "/local_cs_store");
        assert.ok(mount, "the kind config mounts the config store");
        const hostFolder = path.resolve(root, mount.hostPath);
        if (staleRepo) fs.mkdirSync(path.join(hostFolder, "initialRepo"), { recursive: true });
        const bin = path.join(root, "bin");
        const log = path.join(root, "calls.log");
        fs.mkdirSync(bin);
        const stub = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/usr/bin/env bash\necho "${name} $*" >> "${log}"\n${body}\n`, { mode: 0o755 });
        stub("docker", 'case "$*" in *Gateway*) echo "172.19.0.1 ";; *Subnet*) echo "172.19.0.0/16 ";; esac');
        stub("kind", `if [ "$1" = version ]; then echo "kind v0.29.0 go1.24.2 linux/amd64"; fi; if [ "$1" = create ]; then echo "kind-cwd $PWD" >> "${log}"; [ -d "$PWD/${mount.hostPath}" ] && echo "mount-folder-exists" >> "${log}"; fi; true`);
        stub("node", "");
        const r = spawnSync("bash", [path.join(root, "scripts", "kind-up.sh")], { cwd: os.tmpdir(), encoding: "utf8", env: { ...process.env, PATH: `${bin}:/usr/bin:/bin` } });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        return { root, hostFolder, calls: fs.readFileSync(log, "utf8").split("\n"), stdout: r.stdout };
    }
    const CLEAR = "docker exec research-platform-control-plane rm -rf /local_cs_store/initialRepo";

    it("kind-up creates the mount's host folder and runs kind where its relative path resolves to it", () => {
        const { root, calls, stdout } = kindUp(false);
        try {
            assert.ok(calls.includes(`kind-cwd ${root}`), `kind runs in the project root: ${calls.join(" | ")}`);
            assert.ok(calls.includes("mount-folder-exists"), "the host folder exists before kind creates the nodes");
            assert.ok(!calls.includes(CLEAR), "nothing to clear on a first cluster");
            assert.match(stdout, /diracx\.ipAlias to 172\.19\.0\.1/, "the user learns the kind gateway DiracX's API pod must use");
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });

    it("kind-up clears a config store an earlier cluster left in the host folder (init-cs refuses an existing one)", () => {
        const { root, calls } = kindUp(true);
        try {
            assert.ok(calls.indexOf(CLEAR) > calls.findIndex((c) => c.startsWith("kind create")), calls.join(" | "));
        } finally {
            fs.rmSync(root, { recursive: true, force: true });
        }
    });
});

describe("diracx on kind: URLs the user's machine and the pods both reach (D2)", () => {
    it("serves the web app and API on a host name resolving to localhost, at the host port kind maps to Traefik's websecure NodePort", async () => {
        const run = await dev();
        const url = new URL(run.output("diracxUrl").value as string);
        assert.equal(hostnameAddress(url.hostname), "127.0.0.1", `${url.hostname} resolves to localhost on Linux, macOS and Windows alike`);
        const traefik = run.one("kubernetes:helm.sh/v3:Release", "traefik").inputs.values;
        const nodePort = traefik.ports?.websecure?.nodePort;
        assert.ok(nodePort, "Traefik's websecure entrypoint has a fixed NodePort");
        assert.equal(kindNodePortFor(urlPort(url)), nodePort, `host port ${urlPort(url)} leads to Traefik's websecure NodePort`);
        const v = values(run);
        const base = url.origin;
        assert.equal(v.diracx.settings.DIRACX_SERVICE_AUTH_TOKEN_ISSUER, base);
        assert.deepEqual(JSON.parse(v.diracx.settings.DIRACX_SERVICE_AUTH_ALLOWED_REDIRECTS), [`${base}/api/docs/oauth2-redirect`, `${base}/#authentication-callback`]);
        assert.deepEqual(v.dex.config.staticClients[0].redirectURIs, [`${base}/api/auth/device/complete`, `${base}/api/auth/authorize/complete`]);
        assert.equal(v.developer.urls.diracx, base);
        assert.equal(run.output("diracxApiDocsUrl").value, `${base}/api/docs`);
    });

    it("puts Dex and the S3 store at URLs that work from the browser (localhost) and from the API pod (its host alias) alike", async () => {
        const run = await dev();
        const v = values(run);
        const s3 = new URL(JSON.parse(run.one(SECRET, "diracx-dynamic-secrets").inputs.stringData.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS).endpoint_url);
        const dex = new URL(v.dex.config.issuer);
        const nodeCidrs: string[] = platformConfig(run).kubernetes.nodeCidrs;
        for (const [label, u, nodePort] of [
            ["S3 (SeaweedFS NodePort 32000)", s3, 32000],
            ["Dex", dex, v.dex.service.ports.http.nodePort],
        ] as const) {
            assert.equal(hostnameAddress(u.hostname), "127.0.0.1", `${label}: the browser reaches it on localhost`);
            assert.equal(urlPort(u), nodePort, `${label}: host port = NodePort, so the same URL works through the kind gateway from pods`);
            assert.equal(kindNodePortFor(urlPort(u)), nodePort, `${label}: kind maps the port`);
            // Pods cannot use 127.0.0.1: the API pod resolves this host name to developer.ipAlias (a hostAliases entry).
            assert.equal(u.hostname, v.diracx.hostname, `${label}: on the host name the chart's ipAlias covers`);
        }
        assert.ok(v.developer.ipAlias, "the API pod resolves the loopback host name to an address it can reach");
        assert.ok(nodeCidrs.some((c) => inCidr(v.developer.ipAlias, c)), `${v.developer.ipAlias} is on the kind network (the gateway, where the host's port mappings answer)`);
    });

    it("refuses a loopback host name without an address for the pods, and a kind cluster without a fixed websecure NodePort", async () => {
        const DEV_BLOCK = { enabled: true, developer: true, httpsPort: 30443, dex: { demoUser: true } };
        const noAlias = await configProblems({ stack: "dev", set: [...ON, `diracx=${JSON.stringify({ ...DEV_BLOCK, hostname: "diracx.127.0.0.1.nip.io" })}`] });
        assert.deepEqual(noAlias.map((p) => p.split(": ")[0]), ["research-platform:diracx.ipAlias"]);
        assert.match(noAlias[0], /resolves to the loopback address, which inside a pod is the pod itself.*Fix: set diracx\.ipAlias/);
        const localtest = await configProblems({ empty: true, set: ['diracx={"enabled":true,"developer":true,"hostname":"diracx.localtest.me"}', "ingress.enabled=true", "certManager.enabled=true"] });
        assert.deepEqual(localtest.map((p) => p.split(": ")[0]), ["research-platform:diracx.ipAlias"]);
        const unset = await configProblems({ empty: true, set: ['kubernetes={"distribution":"kind","environment":"dev"}', ...ON, "ingress.serviceType=NodePort", 'diracx={"enabled":true,"developer":true,"hostname":"diracx.localtest.me","ipAlias":"172.18.0.1"}'] });
        assert.deepEqual(unset.map((p) => p.split(": ")[0]), ["research-platform:ingress.websecureNodePort"]);
        assert.match(unset[0], /Fix: set ingress\.websecureNodePort .*kind\/cluster\.yaml/);
        const clusterIp = await configProblems({ stack: "dev", set: ["ingress.serviceType=ClusterIP"] });
        assert.ok(clusterIp.some((p) => p.startsWith("research-platform:ingress.websecureNodePort:")), clusterIp.join("\n"));
        // A host name every pod resolves like the browser needs no alias, and the default port is left out of the URLs.
        const plain = await runProgram({ stack: "dev", set: [...ON, `diracx=${JSON.stringify({ ...DEV_BLOCK, hostname: "10.1.2.3.nip.io", httpsPort: 443 })}`] });
        assert.equal(plain.output("diracxUrl").value, "https://10.1.2.3.nip.io");
        assert.equal(values(plain).developer.ipAlias, undefined);
    });

    it("pins no Traefik NodePort unless configured (prod)", async () => {
        const run = await prod();
        assert.equal(run.one("kubernetes:helm.sh/v3:Release", "traefik").inputs.values.ports?.websecure, undefined);
        assert.equal(values(run).developer.ipAlias, undefined);
        assert.equal(release(run).inputs.values.developer.enabled, false);
    });
});

describe("diracx: NetworkPolicies along the paths the chart's pods really use (D3, D4, add-ons F3)", () => {
    const API: Pod = { name: "diracx API", namespace: "diracx", labels: { "app.kubernetes.io/name": "diracx", "app.kubernetes.io/instance": "diracx" }, ports: [{ name: "http", containerPort: 8000 }] };
    const HOOK: Pod = { name: "init-secrets hook (no chart labels)", namespace: "diracx", labels: { "batch.kubernetes.io/job-name": "diracx-init-secrets", "job-name": "diracx-init-secrets" } };
    const SOLVER: Pod = { name: "cm-acme-http-solver", namespace: "diracx", labels: { "acme.cert-manager.io/http01-solver": "true", "acme.cert-manager.io/http-domain": "1", "acme.cert-manager.io/http-token": "2" }, ports: [{ name: "http", containerPort: 8089 }] };
    const WEB: Pod = { name: "diracx-web", namespace: "diracx", labels: { "app.kubernetes.io/name": "diracx-web", "app.kubernetes.io/instance": "diracx-web" }, ports: [{ name: "http", containerPort: 8080 }] };
    const TRAEFIK: Pod = { name: "traefik", namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik" } };
    const OTHER: Pod = { name: "server1", namespace: "nvflare", labels: { "app.kubernetes.io/name": "nvflare" } };

    const policies = (run: Run) => clusterFromResources(run.resources).cluster;

    it("lets the API reach Dex and S3 at the address it resolves their public host name to (D3)", async () => {
        const run = await dev();
        const c = policies(run);
        const v = values(run);
        const s3 = new URL(JSON.parse(run.one(SECRET, "diracx-dynamic-secrets").inputs.stringData.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS).endpoint_url);
        const dex = new URL(v.dex.config.issuer);
        for (const u of [s3, dex]) {
            // The hostAliases entry wins over DNS in the API pod; elsewhere the name's own address.
            const ip = u.hostname === v.diracx.hostname && v.developer.ipAlias ? v.developer.ipAlias : hostnameAddress(u.hostname);
            assert.ok(ip && !ip.startsWith("127."), `the API pod dials ${u.host} at an address outside itself`);
            const verdict = mayConnect(c, API, { name: u.host, ip }, urlPort(u));
            assert.equal(verdict.allowed, true, `${u.href}: ${verdict.reason}`);
        }
        assert.equal(mayConnect(c, API, { name: "gateway", ip: v.developer.ipAlias }, 22).allowed, false, "only the public URLs' ports");
    });

    it("lets the chart's unlabelled hook Jobs reach the API server for kubectl (D4), in dev and prod", async () => {
        for (const run of [await dev(), await prod()]) {
            const c = policies(run);
            const { apiServerPorts: ports, apiServerCidrs } = platformConfig(run).kubernetes as { apiServerPorts: number[]; apiServerCidrs: string[] };
            const API_SERVER: Endpoint = { name: "api-server", ip: apiServerCidrs[0].replace(/\.0\/\d+$/, ".2") };
            for (const port of ports) assert.equal(mayConnect(c, HOOK, API_SERVER, port).allowed, true, `hook -> API server :${port}`);
            assert.equal(mayConnect(c, HOOK, { name: "internet", ip: "203.0.113.7" }, 6443).allowed, false, "6443 only to the API server");
        }
    });

    it("lets Traefik reach cert-manager's HTTP-01 solver pods on 8089, and nothing else gains 8089 (add-ons F3)", async () => {
        for (const run of [await prod(), await dev()]) {
            const c = policies(run);
            assert.equal(mayConnect(c, TRAEFIK, SOLVER, 8089).allowed, true, mayConnect(c, TRAEFIK, SOLVER, 8089).reason);
            assert.equal(mayConnect(c, OTHER, SOLVER, 8089).allowed, false, "only the ingress controller");
            assert.equal(mayConnect(c, TRAEFIK, WEB, 8089).allowed, false, "only the solver pods");
            assert.equal(mayConnect(c, TRAEFIK, API, 8000).allowed, true, "the API is still served");
        }
    });
});

describe("diracx: values DiracX v0.3.0 accepts (D5, D7)", () => {
    it("accepts only the config store schemes v0.3.0 registers (git+file, git+https), with a revision", async () => {
        for (const bad of ["git+http://git.example.org/vo/cfg", "git+ssh://git@git.example.org/vo/cfg"]) {
            const problems = await configProblems({ stack: "prod", set: [...ON, `diracx.configBackendUrl=${bad}`], placeholderSecrets: true });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^research-platform:diracx\.configBackendUrl: .*only git\+file:\/\/ and git\+https:\/\/.*revision=/);
        }
        const run = await prod(["diracx.configBackendUrl=git+https://gitlab.example.org/vo/diracx-config?revision=main"]);
        assert.equal(values(run).diracx.settings.DIRACX_CONFIG_BACKEND_URL, "git+https://gitlab.example.org/vo/diracx-config?revision=main");
    });

    it("connects only the OpenSearch databases v0.3.0 has, and refuses one it would never read", async () => {
        assert.deepEqual(Object.keys(values(await dev()).diracx.osDbs.dbs), ["JobParametersDB"]);
        const problems = await configProblems({ stack: "dev", set: [...ON, 'diracx.osDbs=["JobParametersDB","PilotLogsDB"]'] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]), ["research-platform:diracx.osDbs[1]"]);
        assert.match(problems[0], /not an OpenSearch database of DiracX v0\.3\.0/);
        // Another image version may have other databases: not checked against v0.3.0's list.
        const other = await dev(["diracx.imageTag=v0.4.0", 'diracx.osDbs=["JobParametersDB","PilotLogsDB"]']);
        assert.deepEqual(Object.keys(values(other).diracx.osDbs.dbs), ["JobParametersDB", "PilotLogsDB"]);
    });
});
