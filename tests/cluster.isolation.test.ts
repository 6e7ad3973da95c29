/**
 * The add-ons' NetworkPolicies against flows the runtime contracts name: cert-manager's HTTP-01
 * self-check through Traefik, and kruise-manager's listeners only the API server may reach.
 */
import * as assert from "node:assert/strict";
import { Cluster, Endpoint, Pod, clusterFromResources, mayConnect } from "../tools/guardrails/networkPolicyEval";
import { Run, runProgram } from "./harness";

/** Chart pods, with the labels the charts give them (contracts/cluster/*). */
const traefik: Pod = { name: "traefik", namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" } };
const cm = (component: string, name = component): Pod => ({
    name: `cert-manager-${component}`,
    namespace: "cert-manager",
    labels: { "app.kubernetes.io/name": name, "app.kubernetes.io/instance": "cert-manager", "app.kubernetes.io/component": component },
});
const controller = cm("controller", "cert-manager");
const kruiseManager: Pod = { name: "kruise-manager", namespace: "kruise-system", labels: { "control-plane": "controller-manager" } };
const appPods: Pod[] = [
    { name: "hub", namespace: "jupyterhub", labels: { component: "hub", app: "jupyterhub", release: "jupyterhub" } },
    { name: "diracx", namespace: "diracx", labels: { "app.kubernetes.io/name": "diracx" } },
    { name: "server1", namespace: "nvflare", labels: { "app.kubernetes.io/name": "nvflare", system: "server1" } },
];

function verdict(c: Cluster, s: Endpoint, d: Endpoint, port: number): boolean {
    return mayConnect(c, s, d, port).allowed;
}

describe("cluster add-ons: isolation of the flows the contracts name", () => {
    let dev: Run;
    let prod: Run;
    before(async () => {
        dev = await runProgram({ stack: "dev" });
        prod = await runProgram({ stack: "prod", placeholderSecrets: true });
    });

    it("prod (ACME): cert-manager's controller reaches Traefik's web and websecure container ports for its HTTP-01 self-check", () => {
        const { cluster } = clusterFromResources(prod.resources);
        for (const port of [8000, 8443]) assert.equal(verdict(cluster, controller, traefik, port), true, `controller -> traefik:${port}`);
        for (const port of [8080, 9100]) assert.equal(verdict(cluster, controller, traefik, port), false, `controller -> traefik:${port} (API, metrics) stays closed`);
        for (const other of [cm("webhook"), cm("cainjector")]) assert.equal(verdict(cluster, other, traefik, 8000), false, `${other.name} makes no self-check`);
        assert.equal(verdict(cluster, traefik, controller, 9402), false, "Traefik -> cert-manager stays closed");
    });

    it("dev (self-signed CA): no HTTP-01 self-check, so no allow for it", () => {
        const { cluster } = clusterFromResources(dev.resources);
        assert.equal(verdict(cluster, controller, traefik, 8000), false);
    });

    it("lets only the API server reach kruise-manager: webhook 9876 yes; metrics 8080 and pprof 8090 from nobody", () => {
        for (const [run, apiServer] of [
            [dev, { name: "api-server", ip: "172.18.0.2" }],
            [prod, { name: "api-server", ip: "10.10.0.2" }],
        ] as const) {
            const { cluster } = clusterFromResources(run.resources);
            assert.equal(verdict(cluster, apiServer, kruiseManager, 9876), true);
            assert.equal(verdict(cluster, apiServer, kruiseManager, 8090), false, "pprof");
            for (const p of appPods) for (const port of [9876, 8080, 8090]) assert.equal(verdict(cluster, p, kruiseManager, port), false, `${p.namespace}/${p.name} -> kruise-manager:${port}`);
        }
    });
});
