import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config";
import { Diracx } from "./apps/diracx";
import { JupyterHub } from "./apps/jupyterhub";
import { Nvflare } from "./apps/nvflare";
import { DistributedNotebook } from "./apps/distributedNotebook";
import { useLocalCharts } from "./charts";
import { ClusterHandles, clusterAddons } from "./cluster";
import { webAppHandles } from "./cluster/handles";
import type { HubOffload } from "./apps/hubOffload";
import { InterlinkTunnel, VirtualKubelet, buildHubOffload, hostFiles, oauth2ProxyEnv } from "./apps/interlink";
import * as random from "@pulumi/random";

export interface PlatformArgs {
    /** The validated configuration from `loadConfig()`. */
    config: PlatformConfig;
}

/**
 * The root component: one Kubernetes provider built from config, the cluster add-ons, then the
 * applications, with only the dependency edges the platform really needs (see docs/architecture.md).
 */
export class Platform extends pulumi.ComponentResource {
    /** The explicit Kubernetes provider every child uses. */
    readonly provider: k8s.Provider;
    /** What the cluster add-ons give the applications. */
    readonly cluster: ClusterHandles;
    /** What the stack exports: endpoints and facts a user needs after `pulumi up`. */
    readonly stackOutputs: Record<string, pulumi.Input<unknown>>;
    /** What the InterLink virtual node adds to JupyterHub; undefined when interlink is disabled. */
    readonly hubOffload?: HubOffload;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:index:Platform", name, args, opts);
        const cfg = args.config;
        useLocalCharts(cfg.charts.sourceDir);

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

        if (cfg.interlink.enabled) {
            const iamClientSecret = cfg.secrets.interlinkIamClientSecret!;
            const iamRefreshToken = cfg.secrets.interlinkIamRefreshToken!;
            const vk = new VirtualKubelet("interlink", { config: cfg.interlink, provider: this.provider, iamClientSecret, iamRefreshToken, network: this.cluster.network }, { parent: this });
            const tunnel = new InterlinkTunnel("interlink-tunnel", { config: cfg.interlink, provider: this.provider, virtualKubelet: vk, loadBalancerReady: this.cluster.loadBalancerReady }, { parent: this });
            this.hubOffload = buildHubOffload(cfg.interlink, tunnel);
            const cookie = new random.RandomPassword("interlink-oauth2-proxy-cookie", { length: 32, special: false }, { parent: this });
            this.stackOutputs.interlinkNodeName = vk.nodeName;
            this.stackOutputs.interlinkTunnelEndpoint = `${cfg.interlink.tunnel.publicHost}:${tunnel.publicPort}`;
            this.stackOutputs.interlinkHostFiles = hostFiles(cfg.interlink);
            this.stackOutputs.interlinkHostOauth2ProxyEnv = oauth2ProxyEnv(cfg.interlink, iamClientSecret, cookie.result);
        }

        if (cfg.jupyterhub.enabled) {
            const hub = new JupyterHub(
                "jupyterhub",
                {
                    config: cfg.jupyterhub,
                    environment: cfg.kubernetes.environment,
                    provider: this.provider,
                    namespace: cfg.jupyterhub.namespace,
                    releaseName: cfg.jupyterhub.releaseName,
                    oauthClientSecret: cfg.secrets.jupyterhubOauthClientSecret,
                    ...webAppHandles(this.cluster),
                    offload: this.hubOffload,
                },
                { parent: this },
            );
            this.stackOutputs.jupyterhubUrl = hub.url;
            if (hub.adminPassword) this.stackOutputs.jupyterhubAdminPassword = hub.adminPassword;
        }

        if (cfg.nvflare.enabled) {
            const nvflare = new Nvflare(
                "nvflare",
                {
                    config: cfg.nvflare,
                    provider: this.provider,
                    protect: cfg.kubernetes.environment === "prod",
                    loadBalancerAvailable: this.cluster.loadBalancerAvailable,
                    loadBalancerReady: this.cluster.loadBalancerReady,
                    ingressTcp: this.cluster.ingressTcp,
                    ingressReady: this.cluster.ingressReady,
                    network: this.cluster.network,
                    storageClassName: this.cluster.storageClassName,
                    storageReady: this.cluster.storageReady,
                },
                { parent: this },
            );
            this.stackOutputs.nvflareEndpoints = nvflare.endpoints;
            this.stackOutputs.nvflareHostsLines = nvflare.hostsLines;
        }

        if (cfg.diracx.enabled) {
            const s = cfg.secrets;
            const diracx = new Diracx(
                "diracx",
                {
                    config: cfg.diracx,
                    environment: cfg.kubernetes.environment,
                    provider: this.provider,
                    secrets: { mysqlPassword: s.diracxMysqlPassword, mysqlRootPassword: s.diracxMysqlRootPassword, opensearchPassword: s.diracxOpensearchPassword, s3ClientSecret: s.diracxS3ClientSecret },
                    ...webAppHandles(this.cluster),
                    network: this.cluster.network,
                },
                { parent: this },
            );
            this.stackOutputs.diracxUrl = diracx.url;
            this.stackOutputs.diracxApiDocsUrl = diracx.apiDocsUrl;
            if (diracx.login) this.stackOutputs.diracxLogin = diracx.login;
            if (diracx.demoUserPassword) this.stackOutputs.diracxDemoUserPassword = diracx.demoUserPassword;
            if (diracx.grafanaAdminPassword) this.stackOutputs.diracxGrafanaAdminPassword = diracx.grafanaAdminPassword;
        }

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
                        network: this.cluster.network,
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
