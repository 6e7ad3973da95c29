/**
 * Issue 19, item 3: `npm run kind:up` derives what depends on the kind network Docker actually
 * created (NetworkPolicy CIDRs, the MetalLB range, host names on the network's gateway) into the
 * git-ignored local stack, and `npm run deploy:dev` deploys that stack: no committed file is
 * written. The scripts run here for real, against stand-ins for docker, kind, pulumi and npm that
 * record what they are asked (this machine has no Docker daemon and no Pulumi CLI).
 */
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import YAML from "yaml";
import { PROJECT_DIR, runProgram } from "./harness";

const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

/** Stand-ins: each appends `<tool> <args>` (and the backend for pulumi) to $STUB_LOG. */
const STUBS: Record<string, string> = {
    docker: `#!/usr/bin/env bash
echo "docker $*" >> "$STUB_LOG"
case "$1" in
  info) exit 0 ;;
  network) case "$*" in *Gateway*) echo "$STUB_GATEWAYS" ;; *) echo "$STUB_SUBNETS" ;; esac ;;
  *) exit 1 ;;
esac`,
    kind: `#!/usr/bin/env bash
echo "kind $*" >> "$STUB_LOG"
[ "$1" = version ] && echo "kind v0.29.0 go1.24.2 linux/amd64"
case "$1 $2" in
  "get clusters") [ -f "$STUB_DIR/cluster" ] && echo research-platform; exit 0 ;;
  "create cluster") touch "$STUB_DIR/cluster" ;;
  "delete cluster") rm -f "$STUB_DIR/cluster" ;;
esac`,
    pulumi: `#!/usr/bin/env bash
echo "pulumi $* [backend=$PULUMI_BACKEND_URL]" >> "$STUB_LOG"
case "$1 $2" in
  "stack select") [ -f "$STUB_DIR/stack-$3" ] ;;
  "stack init") touch "$STUB_DIR/stack-$3"; echo "encryptionsalt: v1:stub-salt" >> "Pulumi.$3.yaml" ;;
  "stack rm") rm -f "$STUB_DIR/stack-$3"; case " $* " in *" --preserve-config "*) ;; *) rm -f "Pulumi.$3.yaml" ;; esac ;;
  *) exit 0 ;;
esac`,
    npm: `#!/usr/bin/env bash
echo "npm $*" >> "$STUB_LOG"`,
};

interface Sandbox {
    dir: string;
    log(): string[];
    run(script: string, ...args: string[]): { status: number | null; stdout: string; stderr: string };
}

/** A copy of what the scripts read (scripts/, kind/, the stack files), with the stand-ins first on PATH. */
function sandbox(network: { subnets: string; gateways: string }): Sandbox {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "deploy-path-"));
    const stubDir = path.join(dir, ".stubs");
    fs.mkdirSync(stubDir);
    for (const [tool, text] of Object.entries(STUBS)) fs.writeFileSync(path.join(stubDir, tool), `${text}\n`, { mode: 0o755 });
    fs.cpSync(path.join(PROJECT_DIR, "scripts"), path.join(dir, "scripts"), { recursive: true });
    fs.cpSync(path.join(PROJECT_DIR, "kind"), path.join(dir, "kind"), { recursive: true });
    for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "package.json"]) fs.copyFileSync(path.join(PROJECT_DIR, f), path.join(dir, f));
    fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(dir, "node_modules"));
    const logFile = path.join(dir, ".stub.log");
    const env = { ...process.env, PATH: `${stubDir}:${process.env.PATH}`, STUB_LOG: logFile, STUB_DIR: stubDir, STUB_SUBNETS: network.subnets, STUB_GATEWAYS: network.gateways, PULUMI_BACKEND_URL: "", PULUMI_CONFIG_PASSPHRASE: "" };
    return {
        dir,
        log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8").trim().split("\n") : []),
        run: (script, ...args) => spawnSync("bash", [path.join(dir, "scripts", script), ...args], { cwd: dir, encoding: "utf8", env }),
    };
}

/** The config of a stack file as `--set KEY=JSON` overrides (below the project namespace). */
function asSets(file: string): string[] {
    const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
    return Object.entries(config).map(([k, v]) => `${k.replace(/^research-platform:/, "")}=${JSON.stringify(v)}`);
}

describe("deploy path: kind:up and deploy:dev derive the local stack from the kind network", () => {
    // Docker gave the kind network 172.19.0.0/16 (172.18.0.0/16 was taken).
    const NETWORK = { subnets: "172.19.0.0/16 fc00:f853:ccd:e793::/64 ", gateways: "172.19.0.1 fc00:f853:ccd:e793::1 " };
    let box: Sandbox;
    const committed = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8");
    before(() => {
        box = sandbox(NETWORK);
    });
    after(() => fs.rmSync(box.dir, { recursive: true, force: true }));

    it("kind:up creates the cluster, writes Pulumi.local.yaml for 172.19.0.0/16 and leaves Pulumi.dev.yaml alone", () => {
        const r = box.run("kind-up.sh");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.ok(box.log().some((l) => l.startsWith(`kind create cluster --name research-platform --config ${box.dir}/kind/cluster.yaml`)), box.log().join("\n"));
        assert.equal(fs.readFileSync(path.join(box.dir, "Pulumi.dev.yaml"), "utf8"), committed, "kind:up rewrote the committed Pulumi.dev.yaml");
        assert.ok(!box.log().some((l) => l.startsWith("pulumi config set")), "kind:up ran pulumi config set, which writes the stack file");

        const local = YAML.parse(fs.readFileSync(path.join(box.dir, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
        const k8s = local.config["research-platform:kubernetes"];
        assert.deepEqual([k8s.apiServerCidrs, k8s.nodeCidrs], [["172.19.0.0/16"], ["172.19.0.0/16"]]);
        assert.deepEqual(local.config["research-platform:metallb"].addresses, ["172.19.255.200-172.19.255.250"]);
        assert.equal(local.config["research-platform:diracx"].ipAlias, "172.19.0.1", "DiracX's API pod reaches the host's port mappings on the gateway");
        assert.ok(!JSON.stringify(local.config).includes("172.18."), `a value still names the 172.18 network: ${JSON.stringify(local.config).match(/[^"]*172\.18\.[^"]*/g)}`);
        // Everything else is the committed dev stack.
        const dev = (YAML.parse(committed) as { config: Record<string, unknown> }).config;
        assert.deepEqual(Object.keys(local.config).sort(), Object.keys(dev).sort());
        assert.deepEqual(local.config["research-platform:jupyterhub"], dev["research-platform:jupyterhub"]);
    });

    it("the local stack's policies name the network kind created, not 172.18.0.0/16", async () => {
        const run = await runProgram({ stack: "local", empty: true, set: asSets(path.join(box.dir, "Pulumi.local.yaml")) });
        const cidrs = new Set(run.all(NETPOL).flatMap((np) => JSON.stringify(np.inputs.spec).match(/\d+\.\d+\.\d+\.\d+\/\d+/g) ?? []));
        assert.ok(cidrs.has("172.19.0.0/16"), [...cidrs].join(", "));
        assert.ok(!cidrs.has("172.18.0.0/16"), [...cidrs].join(", "));
        assert.equal(run.output("environment").value, "dev", "the local stack deploys the dev environment");
    });

    it("deploy:dev creates the stack local in the project's file backend and runs pulumi up on it", () => {
        const r = box.run("deploy-dev.sh", "--yes");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const pulumi = box.log().filter((l) => l.startsWith("pulumi "));
        const backend = `[backend=file://${box.dir}/.pulumi]`;
        assert.deepEqual(pulumi, [`pulumi stack select local ${backend}`, `pulumi stack init local --secrets-provider passphrase ${backend}`, `pulumi up --stack local --yes ${backend}`]);
        assert.ok(box.log().includes("npm run compile"), "compiles before pulumi up");
        assert.equal(fs.readFileSync(path.join(box.dir, "Pulumi.dev.yaml"), "utf8"), committed);
        assert.match(r.stdout, /npm run dev:outputs/, "says where the URLs and logins are");
    });

    it("a second deploy:dev rewrites the local stack but keeps what the Pulumi CLI wrote there", () => {
        const r = box.run("deploy-dev.sh");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        const local = YAML.parse(fs.readFileSync(path.join(box.dir, "Pulumi.local.yaml"), "utf8")) as Record<string, unknown>;
        assert.equal(local.encryptionsalt, "v1:stub-salt", "the passphrase salt of the stack is lost");
        assert.ok(!box.log().slice(-3).some((l) => l.startsWith("pulumi stack init")), "the stack exists: no second init");
    });

    it("kind:down deletes the cluster, the local stack and its file, and keeps Pulumi.dev.yaml", () => {
        const r = box.run("kind-down.sh");
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.ok(box.log().some((l) => l.startsWith("kind delete cluster --name research-platform")));
        assert.ok(box.log().some((l) => l.startsWith("pulumi stack rm local --force --yes")));
        assert.ok(!fs.existsSync(path.join(box.dir, "Pulumi.local.yaml")));
        assert.equal(fs.readFileSync(path.join(box.dir, "Pulumi.dev.yaml"), "utf8"), committed);
    });

    it("deploy:dev without a cluster stops and says to run kind:up", () => {
        const r = box.run("deploy-dev.sh");
        assert.equal(r.status, 1);
        assert.match(r.stderr, /run npm run kind:up first/);
    });

    it("Pulumi.local.yaml is git-ignored", () => {
        const r = spawnSync("git", ["check-ignore", "-q", "Pulumi.local.yaml"], { cwd: PROJECT_DIR });
        assert.equal(r.status, 0, "Pulumi.local.yaml is not git-ignored");
    });

    it("follows any network Docker picks (here a /24 listed after the IPv6 one)", () => {
        const other = sandbox({ subnets: "fc00:f853:ccd:e793::/64 10.89.0.0/24 ", gateways: "fc00:f853:ccd:e793::1 10.89.0.1 " });
        try {
            const r = other.run("kind-up.sh");
            assert.equal(r.status, 0, r.stdout + r.stderr);
            const local = YAML.parse(fs.readFileSync(path.join(other.dir, "Pulumi.local.yaml"), "utf8")) as { config: Record<string, Record<string, unknown>> };
            assert.deepEqual(local.config["research-platform:metallb"].addresses, ["10.89.0.200-10.89.0.250"]);
            assert.deepEqual(local.config["research-platform:kubernetes"].nodeCidrs, ["10.89.0.0/24"]);
            if (local.config["research-platform:diracx"].ipAlias !== undefined) assert.equal(local.config["research-platform:diracx"].ipAlias, "10.89.0.1");
            assert.ok(!JSON.stringify(local.config).includes("172.18."), "a value still names the 172.18 network");
        } finally {
            fs.rmSync(other.dir, { recursive: true, force: true });
        }
    });
});
