import * as assert from "node:assert/strict";
import { addressProblem } from "../config/metallb";
import { APPS_OFF, configProblems, runProgram } from "./harness";

describe("cluster add-ons: configuration errors", () => {
    it("refuses LoadBalancer exposure on kind with MetalLB disabled, naming both keys", async () => {
        const problems = (await configProblems({ set: ["metallb.enabled=false"] })).filter((p) => !/^research-platform:(nvflare|distributedNotebook)/.test(p));
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^research-platform:ingress\.serviceType: is LoadBalancer, but on kind .*metallb\.enabled is false\. Fix: enable MetalLB/);
    });

    it("requires addresses when MetalLB is on, and says how to read the kind network", async () => {
        const problems = await configProblems({ set: ["metallb.addresses=[]"] });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^research-platform:metallb\.addresses: is empty while MetalLB is enabled\. Fix: .*docker network inspect/);
    });

    it("rejects malformed pool ranges and CIDRs, each at its index", async () => {
        const problems = await configProblems({ set: ['metallb.addresses=["172.18.255.250-172.18.255.200","10.0.0.0/33","fe80::1-10.0.0.1","banana"]'] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]), [0, 1, 2, 3].map((i) => `research-platform:metallb.addresses[${i}]`));
        assert.match(problems[0], /starts after it ends/);
        assert.match(problems[1], /prefix length \/33/);
        assert.match(problems[2], /mixes IPv4 and IPv6/);
        assert.match(problems[3], /neither a CIDR nor a first-last range/);
    });

    it("accepts IPv4/IPv6 ranges and CIDRs", () => {
        for (const ok of ["172.18.255.200-172.18.255.250", "172.18.255.200 - 172.18.255.200", "192.168.10.0/24", "fc00:f853:ccd:e793::/64", "fc00::10-fc00::20"]) {
            assert.equal(addressProblem(ok), undefined, ok);
        }
        assert.ok(addressProblem("fc00::20-fc00::10"));
    });

    it("refuses to install the provisioner over kind's own", async () => {
        const problems = await configProblems({ set: ["storage.provisioner.install=true"] });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^research-platform:storage\.provisioner\.install: would overwrite kind's own local-path-provisioner/);
    });

    it("checks nodePathMap paths and duplicate nodes", async () => {
        const problems = await configProblems({
            set: ["kubernetes.distribution=generic", 'storage.provisioner.nodePathMap=[{"node":"a","paths":["relative/dir"]},{"node":"a","paths":[]}]'],
        });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), [
            "research-platform:storage.provisioner.nodePathMap[0].paths[0]",
            "research-platform:storage.provisioner.nodePathMap[1].node",
            "research-platform:storage.provisioner.nodePathMap[1].paths",
        ]);
    });

    it("requires an e-mail and an ingress controller for the ACME issuers", async () => {
        const problems = await configProblems({ set: ["certManager.issuer=acme", "ingress.enabled=false", ...APPS_OFF] });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]).sort(), ["research-platform:certManager.acme.email", "research-platform:certManager.issuer"]);
        assert.ok(problems.every((p) => /\. Fix: \S/.test(p)));
    });

    it("defaults prod to ACME, so an unset e-mail is an error there", async () => {
        const problems = await configProblems({ stack: "prod", set: ['certManager={"enabled":true}'], placeholderSecrets: true });
        assert.deepEqual(problems.map((p) => p.split(": ")[0]), ["research-platform:certManager.acme.email"]);
    });

    it("validates TCP entrypoints: names, reserved names and ports, duplicates, and the need for Traefik", async () => {
        let problems = await configProblems({
            set: ['ingress.tcpPorts=[{"name":"web","port":9000},{"name":"Flare","port":9001},{"name":"a","port":443},{"name":"b","port":8000},{"name":"c","port":9002},{"name":"c","port":9002}]'],
        });
        const keys = problems.map((p) => p.split(": ")[0]);
        assert.deepEqual(keys, [
            "research-platform:ingress.tcpPorts[0].name",
            "research-platform:ingress.tcpPorts[1].name",
            "research-platform:ingress.tcpPorts[2].port",
            "research-platform:ingress.tcpPorts[3].port",
            "research-platform:ingress.tcpPorts[5].name",
            "research-platform:ingress.tcpPorts[5].port",
        ]);
        problems = await configProblems({ set: ["ingress.install=false", 'ingress.tcpPorts=[{"name":"flare","port":8002}]'] });
        assert.match(problems[0], /^research-platform:ingress\.tcpPorts: needs the Traefik installed by the platform/);
    });

    it("refuses verified kubelet TLS for metrics-server on kind, whose kubelets sign their own certificates", async () => {
        const problems = await configProblems({ stack: "dev", set: ["metricsServer.kubeletInsecureTls=false"] });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^research-platform:metricsServer\.kubeletInsecureTls: is false on kind, .*self-signed.* Fix: set metricsServer\.kubeletInsecureTls to true on kind$/);
        await runProgram({ stack: "dev", set: ["metricsServer.kubeletInsecureTls=false", "metricsServer.enabled=false"] });
        await runProgram({ stack: "dev", set: ['kubernetes={"distribution":"generic","environment":"dev","apiServerCidrs":["10.0.0.0/28"],"nodeCidrs":["10.0.0.0/16"]}', "metricsServer.kubeletInsecureTls=false", "metallb.enabled=false"] });
    });

    it("names a misspelt add-on key", async () => {
        const problems = await configProblems({ set: ["metricsServer.kubeletInsecureTLS=true"] });
        assert.match(problems[0], /metricsServer\.kubeletInsecureTLS: unknown key \(did you mean 'kubeletInsecureTls'\?\)/);
    });
});
