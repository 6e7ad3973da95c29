import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { Nvflare } from "./apps/nvflare";
import { ClusterHandles, clusterAddons } from "./cluster";

export interface PlatformArgs {
    /** The validated configuration from `loadConfig()`. */
    config: PlatformConfig;
}

/**
 * The root component: one Kubernetes provider built from config, the cluster add-ons, then the
 * applications, with only the dependency edges the platform really needs (see ARCHITECTURE.md).
 */
export class Platform extends pulumi.ComponentResource {
    /** The explicit Kubernetes provider every child uses. */
    readonly provider: k8s.Provider;
    /** What the cluster add-ons give the applications. */
    readonly cluster: ClusterHandles;
    /** What the stack exports: endpoints and facts a user needs after `pulumi up`. */
    readonly stackOutputs: Record<string, pulumi.Input<unknown>>;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:index:Platform", name, args, opts);
        const cfg = args.config;

        this.provider = new k8s.Provider(
            "k8s",
            {
                context: cfg.kubernetes.context,
                kubeconfig: cfg.kubernetes.kubeconfig,
                enableServerSideApply: true,
            },
            { parent: this },
        );

        // Cluster add-ons first; each app then gets its own config slice and only the handles it needs.
        this.cluster = clusterAddons(this, this.provider, cfg);

        this.stackOutputs = {
            environment: cfg.kubernetes.environment,
            kubernetesContext: cfg.kubernetes.context ?? "(current context)",
        };

        if (cfg.nvflare.enabled) {
            // Until the ingress add-on hands over its entrypoints, take them from `ingress.tcpPorts` (read defensively: the key is added there).
            const tcpPorts = (cfg.ingress as { tcpPorts?: { name: string; port: number }[] }).tcpPorts ?? [];
            const nvflare = new Nvflare(
                "nvflare",
                {
                    config: cfg.nvflare,
                    provider: this.provider,
                    protect: cfg.kubernetes.environment === "prod",
                    loadBalancerAvailable: this.cluster.loadBalancerAvailable,
                    loadBalancerReady: this.cluster.loadBalancerReady,
                    ingressTcp: this.cluster.ingressTcp ?? { entryPoints: Object.fromEntries(tcpPorts.map((p) => [p.port, p.name])) },
                    ingressReady: this.cluster.ingressReady,
                },
                { parent: this },
            );
            this.stackOutputs.nvflareEndpoints = nvflare.endpoints;
            this.stackOutputs.nvflareHostsLines = nvflare.hostsLines;
        }

        this.registerOutputs(this.stackOutputs);
    }
}
