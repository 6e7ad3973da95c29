/**
 * Benchmark helper: what the Pulumi SDK itself costs per resource under the plan's mocks, with no
 * component code and no checks. Registers N copies of one Kubernetes object and exits.
 *
 *   node bin/tools/benchRegister.js <configmap|deployment> <N>
 *
 * `deployment` is shaped like an NVIDIA FLARE client's (the nvflare component's own output for a
 * client), `configmap` is a one-key ConfigMap: the difference shows how the cost grows with the
 * size of a resource's inputs, and why the component registers its clients through one ConfigGroup.
 * `npm run bench` runs it at two sizes and reports the cost per resource.
 */
import "./plan-engine/deferSdk";
import * as k8s from "@pulumi/kubernetes";
import { findProjectDir } from "../program/projectDir";
import { runPlan } from "./plan-engine";

const PROJECT_DIR = findProjectDir(__dirname);

/** One NVIDIA FLARE client's Deployment inputs, from the real program (dev stack, NVIDIA FLARE with one client). */
async function clientDeployment(): Promise<Record<string, unknown>> {
    const plan = await runPlan({
        projectDir: PROJECT_DIR,
        stack: "dev",
        sets: ["nvflare.enabled=true", 'nvflare.clients=[{"name":"site-1","org":"org"}]'],
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        program: () => require("../index"),
    });
    const d = plan.resources.find((r) => r.type === "kubernetes:apps/v1:Deployment" && (r.inputs as { metadata?: { name?: string } }).metadata?.name === "site-1");
    if (!d) throw new Error("the program made no Deployment for NVIDIA FLARE client site-1");
    return d.inputs as Record<string, unknown>;
}

async function main(kind: string, n: number): Promise<void> {
    const shape = kind === "deployment" ? await clientDeployment() : undefined;
    await runPlan({
        projectDir: PROJECT_DIR,
        stack: "dev",
        base: "empty",
        program: () => {
            const provider = new k8s.Provider("k8s", {});
            for (let i = 0; i < n; i++) {
                const metadata = { name: `x-${i}`, namespace: "bench" };
                if (shape) new k8s.apps.v1.Deployment(`x-${i}`, { metadata: { ...(shape.metadata as object), ...metadata }, spec: shape.spec as k8s.types.input.apps.v1.DeploymentSpec }, { provider });
                else new k8s.core.v1.ConfigMap(`x-${i}`, { metadata, data: { key: "value" } }, { provider });
            }
        },
    });
}

if (require.main === module) {
    const [kind, count] = process.argv.slice(2);
    const n = Number(count);
    if (!["configmap", "deployment"].includes(kind) || !Number.isInteger(n) || n < 1) {
        console.error("usage: node bin/tools/benchRegister.js <configmap|deployment> <N>");
        process.exit(2);
    }
    main(kind, n).then(
        () => process.exit(0),
        (e) => {
            console.error(e);
            process.exit(1);
        },
    );
}
