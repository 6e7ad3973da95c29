import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { DistributedNotebook } from "./apps/distributedNotebook";
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

        if (cfg.distributedNotebook.enabled) {
            const notebook = new DistributedNotebook(
                "distributed-notebook",
                {
                    config: cfg.distributedNotebook,
                    provider: this.provider,
                    environment: cfg.kubernetes.environment,
                    handles: {
                        notebookPrerequisites: this.cluster.notebookPrerequisites,
                        storageClassName: this.cluster.storageClassName,
                        storageReady: this.cluster.storageReady,
                        loadBalancerReady: this.cluster.loadBalancerReady,
                    },
                },
                { parent: this },
            );
            this.stackOutputs.distributedNotebookUrl = notebook.notebookUrl;
            this.stackOutputs.distributedNotebookGateway = notebook.gatewayAddress;
            this.stackOutputs.distributedNotebookToken = notebook.notebookToken;
        }

        this.registerOutputs(this.stackOutputs);
    }
}
