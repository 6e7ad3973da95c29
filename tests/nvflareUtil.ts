/** What tests/nvflare.test.ts and tests/nvflare.config.test.ts share: constants and helpers. */
import * as k8s from "@pulumi/kubernetes";
import { nvflareSchema } from "../config/nvflare";
import { Nvflare } from "../components/apps/nvflare";
import { runPlan } from "../tools/plan-engine/runPlan";
import { PROJECT_DIR, Run, TestResource } from "./harness";
import { referenceFile } from "./referenceData";

export const NVFLARE = "research-platform:apps:Nvflare";
export const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
export const SERVICE = "kubernetes:core/v1:Service";
export const NAMESPACE = "kubernetes:core/v1:Namespace";
export const ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRouteTCP";

/** The HA example of seed 002 (reference/nvflare/ha_project.2.5.2.yml, HelmChartBuilder docker_image). */
export const HA = {
    enabled: true,
    image: "localhost:32000/nvfl-min:0.0.1",
    overseer: { name: "overseer", port: 8443 },
    servers: [
        { name: "server1", org: "nvidia", flPort: 8002, adminPort: 8003 },
        { name: "server2", org: "nvidia", flPort: 8102, adminPort: 8103 },
    ],
    workspace: { type: "hostPath", path: "/home/nvflare/workspace/demo" },
    persist: { type: "hostPath", path: "/tmp/nvflare" },
};

export const nv = (over: Record<string, unknown> = {}) => `nvflare=${JSON.stringify({ ...HA, ...over })}`;

/** The seed's facts in the reference data (`nvflare/` under its root, see referenceData.ts). */
export const EXPECTED = referenceFile("nvflare", "nvflare_hc.expected_resources.2.5.2.json");

export function container(d: TestResource) {
    return d.inputs.spec.template.spec.containers[0];
}

/** Run the Nvflare component alone with handles a test controls (the platform's add-ons give none yet). */
export async function runComponent(nvflare: Record<string, unknown>, handles: { ingressTcp?: Record<number, string> } = {}): Promise<Run> {
    const plan = await runPlan({
        projectDir: PROJECT_DIR,
        stack: "dev",
        base: "empty",
        program: () => {
            // The config slice as loadConfig would validate it (cross-checks are tested on their own: in this
            // branch the ingress add-on's `ingress.tcpPorts` key does not exist yet).
            const config = nvflareSchema.parse(nvflare);
            const provider = new k8s.Provider("k8s", {});
            const pool = new k8s.core.v1.ConfigMap("lb-pool", { metadata: { name: "pool" } }, { provider });
            const traefik = new k8s.core.v1.ConfigMap("traefik", { metadata: { name: "traefik" } }, { provider });
            const storageClass = new k8s.core.v1.ConfigMap("storage-class", { metadata: { name: "storage-class" } }, { provider });
            const c = new Nvflare("nvflare", {
                config,
                provider,
                protect: false,
                loadBalancerAvailable: true,
                loadBalancerReady: [pool],
                ingressTcp: handles.ingressTcp ? { entryPoints: handles.ingressTcp } : undefined,
                ingressReady: [traefik],
                network: { apiServerCidrs: ["172.18.0.0/16"], apiServerPorts: [443, 6443], nodeCidrs: ["172.18.0.0/16"], ingressNamespace: "traefik" },
                storageClassName: "local-path",
                storageReady: [storageClass],
            });
            return { nvflareEndpoints: c.endpoints, nvflareHostsLines: c.hostsLines };
        },
    });
    return new Run(plan);
}
