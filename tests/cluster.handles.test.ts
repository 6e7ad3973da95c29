import * as assert from "node:assert/strict";
import type * as pulumi from "@pulumi/pulumi";
import { loadConfig, secretSpecs } from "../config";
import type { ClusterHandles } from "../components/cluster";
import { Platform } from "../components/platform";
import { settle } from "../tools/plan-engine/mockRuntime";
import { runPlan } from "../tools/plan-engine/runPlan";
import { APPS_OFF, PROJECT_DIR } from "./harness";

/** Run the real program and return the ClusterHandles the Platform got, with the handle resources' names. */
async function handles(stack: "dev" | "prod", sets: string[] = []): Promise<{ h: ClusterHandles; names: (rs: pulumi.Resource[]) => Promise<string[]> }> {
    let captured: ClusterHandles | undefined;
    await runPlan({
        projectDir: PROJECT_DIR,
        stack,
        sets,
        secrets: stack === "prod" ? secretSpecs.map((s) => `${s.key}=placeholder`) : [],
        program: () => {
            const platform = new Platform("platform", { config: loadConfig() });
            captured = platform.cluster;
            return platform.stackOutputs;
        },
    });
    await settle();
    assert.ok(captured);
    const names = (rs: pulumi.Resource[]) =>
        Promise.all(rs.map((r) => new Promise<string>((resolve) => r.urn.apply((u) => resolve(u.split("::").pop()!.toString())))));
    return { h: captured, names };
}

describe("cluster add-ons: handles for the applications", () => {
    it("dev: local-path, MetalLB pool, Traefik, the self-signed CA issuer, the OpenKruise release for the notebook", async () => {
        const { h, names } = await handles("dev");
        assert.equal(h.storageClassName, "local-path");
        assert.deepEqual(await names(h.storageReady), ["local-path"]);
        assert.equal(h.loadBalancerAvailable, true);
        assert.deepEqual(await names(h.loadBalancerReady), ["metallb-pool", "metallb-l2"]);
        assert.equal(h.ingressClassName, "traefik");
        assert.deepEqual(await names(h.ingressReady), ["traefik"]);
        assert.deepEqual(h.ingressTcp, { entryPoints: {} });
        assert.equal(h.clusterIssuerName, "research-platform-ca");
        assert.deepEqual((await names(h.issuerReady)).sort(), ["platform-ca", "platform-ca-issuer", "selfsigned-issuer"]);
        assert.deepEqual(await names(h.notebookPrerequisites), ["kruise"], "OpenKruise only: no NotebookOS code reads the metrics API");
    });

    it("prod: the ACME production issuer, a cloud load balancer, no MetalLB pool", async () => {
        const { h, names } = await handles("prod");
        assert.equal(h.clusterIssuerName, "letsencrypt-production");
        assert.deepEqual((await names(h.issuerReady)).sort(), ["letsencrypt-production", "letsencrypt-staging"]);
        assert.equal(h.loadBalancerAvailable, true, "generic cluster: the cloud gives LoadBalancer addresses");
        assert.deepEqual(h.loadBalancerReady, []);
        assert.deepEqual((await names(h.storageReady)).sort(), ["local-path", "local-path-provisioner"]);
    });

    it("gives the kruise release with or without metrics-server, and nothing without OpenKruise", async () => {
        let { h, names } = await handles("dev", ["metricsServer.enabled=false"]);
        assert.deepEqual(await names(h.notebookPrerequisites), ["kruise"]);
        ({ h, names } = await handles("dev", ["metricsServer.enabled=false", "kruise.enabled=false", "storage.enabled=false", "certManager.enabled=false", "ingress.enabled=false", "metallb.enabled=false", ...APPS_OFF]));
        assert.deepEqual(h.notebookPrerequisites, []);
        assert.equal(h.storageClassName, undefined);
        assert.equal(h.ingressClassName, undefined);
        assert.equal(h.ingressTcp, undefined);
        assert.equal(h.clusterIssuerName, undefined);
        assert.equal(h.loadBalancerAvailable, false, "kind without MetalLB has no LoadBalancer addresses");
    });

    it("names an existing controller's class, with nothing to wait on and no TCP entrypoints", async () => {
        const { h } = await handles("dev", ["ingress.install=false", "ingress.className=nginx"]);
        assert.equal(h.ingressClassName, "nginx");
        assert.deepEqual(h.ingressReady, []);
        assert.equal(h.ingressTcp, undefined);
    });

    it("maps TCP ports to Traefik entrypoint names for NVIDIA FLARE", async () => {
        const { h } = await handles("dev", ['ingress.tcpPorts=[{"name":"flare","port":8002}]']);
        assert.deepEqual(h.ingressTcp, { entryPoints: { 8002: "flare" } });
    });

    it("uses the staging ACME issuer when asked", async () => {
        const { h } = await handles("prod", ["certManager.acme.use=staging"]);
        assert.equal(h.clusterIssuerName, "letsencrypt-staging");
    });
});
