/**
 * Every system's runtime contract, in one registry: the checker (tools/guardrails/contracts.ts)
 * holds each against the plans, and `npm run contracts:doc` writes their flows into
 * docs/contracts.md. A new contract module is added here, with the component types whose
 * resources are the system's (for the deploy-order checks).
 */
import { contract as certManager } from "./cluster/certManager";
import { contract as kruise } from "./cluster/kruise";
import { contract as metallb } from "./cluster/metallb";
import { contract as metricsServer } from "./cluster/metricsServer";
import { contract as storage } from "./cluster/storage";
import { contract as traefik } from "./cluster/traefik";
import { contract as diracx } from "./diracx";
import { contract as distributedNotebook } from "./distributedNotebook";
import { contract as interlink } from "./interlink";
import { contract as jupyterhub } from "./jupyterhub";
import { contract as nvflare } from "./nvflare";
import type { ContractConfig, ContractFn, SystemContract } from "./types";

export interface RegisteredContract {
    /** `SystemContract.system` of what `fn` returns. */
    system: string;
    /** The module, relative to the project root (for messages and docs). */
    module: string;
    fn: ContractFn;
    /** Pulumi component types whose resources belong to the system. */
    components: string[];
}

export const registry: readonly RegisteredContract[] = [
    { system: "cluster/storage", module: "contracts/cluster/storage.ts", fn: storage, components: ["research-platform:cluster:Storage"] },
    { system: "cluster/metallb", module: "contracts/cluster/metallb.ts", fn: metallb, components: ["research-platform:cluster:Metallb"] },
    { system: "cluster/kruise", module: "contracts/cluster/kruise.ts", fn: kruise, components: ["research-platform:cluster:Kruise"] },
    { system: "cluster/metricsServer", module: "contracts/cluster/metricsServer.ts", fn: metricsServer, components: ["research-platform:cluster:MetricsServer"] },
    { system: "cluster/certManager", module: "contracts/cluster/certManager.ts", fn: certManager, components: ["research-platform:cluster:CertManager"] },
    { system: "cluster/traefik", module: "contracts/cluster/traefik.ts", fn: traefik, components: ["research-platform:cluster:Traefik"] },
    { system: "distributed-notebook", module: "contracts/distributedNotebook.ts", fn: distributedNotebook, components: ["research-platform:apps:DistributedNotebook"] },
    { system: "jupyterhub", module: "contracts/jupyterhub.ts", fn: jupyterhub, components: ["research-platform:apps:JupyterHub"] },
    { system: "interlink", module: "contracts/interlink.ts", fn: interlink, components: ["research-platform:apps:VirtualKubelet", "research-platform:apps:InterlinkTunnel"] },
    { system: "nvflare", module: "contracts/nvflare.ts", fn: nvflare, components: ["research-platform:apps:Nvflare"] },
    { system: "diracx", module: "contracts/diracx.ts", fn: diracx, components: ["research-platform:apps:Diracx"] },
];

/** The contracts of the systems the config enables, in registry order. */
export function contractsFor(cfg: ContractConfig): SystemContract[] {
    return registry.flatMap((r) => {
        const c = r.fn(cfg);
        return c ? [c] : [];
    });
}

export type { ContractConfig, ContractFn, SystemContract } from "./types";
