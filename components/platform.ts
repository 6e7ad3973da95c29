import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { Diracx } from "./apps/diracx";
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

        if (cfg.diracx.enabled) {
            const h = this.cluster;
            const s = cfg.secrets;
            const diracx = new Diracx(
                "diracx",
                {
                    config: cfg.diracx,
                    environment: cfg.kubernetes.environment,
                    provider: this.provider,
                    secrets: { mysqlPassword: s.diracxMysqlPassword, mysqlRootPassword: s.diracxMysqlRootPassword, opensearchPassword: s.diracxOpensearchPassword, s3ClientSecret: s.diracxS3ClientSecret },
                    ingressClassName: h.ingressClassName,
                    ingressReady: h.ingressReady,
                    clusterIssuerName: h.clusterIssuerName,
                    issuerReady: h.issuerReady,
                    storageClassName: h.storageClassName,
                    storageReady: h.storageReady,
                },
                { parent: this },
            );
            this.stackOutputs.diracxUrl = diracx.url;
            this.stackOutputs.diracxApiDocsUrl = diracx.apiDocsUrl;
            if (diracx.login) this.stackOutputs.diracxLogin = diracx.login;
            if (diracx.demoUserPassword) this.stackOutputs.diracxDemoUserPassword = diracx.demoUserPassword;
            if (diracx.grafanaAdminPassword) this.stackOutputs.diracxGrafanaAdminPassword = diracx.grafanaAdminPassword;
        }

        this.registerOutputs(this.stackOutputs);
    }
}
