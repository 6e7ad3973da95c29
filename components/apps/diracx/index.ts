import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../../config";
import { DIRACX_CS_STORE_NODE_PATH, DiracxConfig, seaweedfsEndpoint } from "../../../config/diracx";
import { charts } from "../../charts";
import { helmRelease } from "../../k8s/helmRelease";
import type { ClusterNetwork } from "../../k8s/networkPolicy";
import { ChartValues, DiracxSecrets, diracxContext } from "./context";
import { DiracxLogin, dex } from "./dex";
import { ingress } from "./ingress";
import { diracxNamespace, isolation } from "./namespace";
import { sandboxStore } from "./sandboxStore";
import { globalSettings } from "./settings";
import { mysql, opensearch, rabbitmq } from "./stores";
import { telemetry } from "./telemetry";

export { CHART_SECRET_NAMES } from "./context";
export type { DiracxSecrets } from "./context";
export { dexLocalSubject } from "./dex";
export type { DiracxLogin } from "./dex";

export interface DiracxArgs {
    config: DiracxConfig;
    environment: Environment;
    provider: k8s.Provider;
    /** User-supplied secrets for the external services (only those the config needs). */
    secrets: DiracxSecrets;
    /** The platform's IngressClass (used unless `config.ingress.className` names one). */
    ingressClassName?: string;
    ingressReady: pulumi.Resource[];
    /** The platform's ClusterIssuer (used unless `config.ingress.clusterIssuer` names one). */
    clusterIssuerName?: string;
    issuerReady: pulumi.Resource[];
    /** StorageClass for MySQL, OpenSearch and SeaweedFS volumes; the cluster default when undefined. */
    storageClassName?: string;
    storageReady: pulumi.Resource[];
    /** The cluster's addresses and the ingress namespace, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/**
 * DiracX (seed 004) from its Helm chart: the API and web app behind the platform's ingress with a
 * cert-manager certificate, its MySQL, OpenSearch, sandbox store (SeaweedFS or external S3), Dex
 * and, optionally, RabbitMQ and the telemetry stack. Every password is generated here or supplied
 * as secret config and handed to the chart as a Secret it reads by name (see docs/diracx.md for
 * the one value the chart only accepts inline). Each part of the chart's values is built in its
 * own module of this folder, in the order the values are written.
 */
export class Diracx extends pulumi.ComponentResource {
    /** The web app. */
    readonly url: pulumi.Output<string>;
    /** The interactive API documentation. */
    readonly apiDocsUrl: pulumi.Output<string>;
    /** How to log in (developer mode with the demo user), otherwise undefined. */
    readonly login?: pulumi.Output<DiracxLogin>;
    /** The demo user's generated password (secret), in developer mode with the demo user. */
    readonly demoUserPassword?: pulumi.Output<string>;
    /** The Grafana admin password (secret), when telemetry is on. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: DiracxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:Diracx", name, args, opts);
        const d = diracxContext(this, args);
        const { cfg, hostname, base } = d;

        // The namespace holds data: kept in prod. Everything else in it waits for it.
        const namespace = diracxNamespace(d);
        d.inNs = { ...d.child, dependsOn: [namespace] };
        isolation(d, args.network);

        // The chart's values, part by part; passwords go into Secrets the chart reads by name.
        const chart: ChartValues = { values: {}, settings: {} };
        globalSettings(d, chart, args.storageClassName);
        ingress(d, chart, args);
        mysql(d, chart, args.secrets, args.storageClassName);
        opensearch(d, chart, args.secrets, args.storageClassName);
        sandboxStore(d, chart, args.secrets, args.storageClassName);
        rabbitmq(d, chart);
        const identity = dex(d, chart);
        this.login = identity.login;
        this.demoUserPassword = identity.demoUserPassword;
        this.grafanaAdminPassword = telemetry(d, chart);

        const { values, settings } = chart;
        const diracxValues = values.diracx as Record<string, unknown>;
        diracxValues.hostname = hostname;
        diracxValues.settings = settings;
        // ipAlias: a hostAliases entry hostname -> ipAlias in the API pod (templates/diracx/deployment.yaml 28-33), so the
        // API reaches Dex and the S3 store at their public URLs when the hostname resolves to the loopback address.
        values.developer = {
            enabled: cfg.developer,
            ...(cfg.developer
                ? {
                      urls: { diracx: base, dex: identity.dexIssuer, ...(cfg.sandboxStore.mode === "seaweedfs" ? { seaweedfs: seaweedfsEndpoint(cfg) } : {}) },
                      // pv-cs-store's hostPath (templates/diracx/cs-store-volume.yml 17-18): kind/cluster.yaml mounts one host folder here on every node.
                      localCSPath: DIRACX_CS_STORE_NODE_PATH,
                  }
                : {}),
            ...(cfg.ipAlias ? { ipAlias: cfg.ipAlias } : {}),
        };

        this.release = helmRelease(
            "diracx",
            { name: d.release, namespace: d.ns, chart: charts.diracx, values, timeoutSeconds: cfg.timeoutSeconds },
            { ...d.child, ...d.keep, dependsOn: [namespace, ...d.secrets, ...args.ingressReady, ...args.issuerReady, ...args.storageReady] },
        );

        this.url = pulumi.output(base);
        this.apiDocsUrl = pulumi.output(`${base}/api/docs`);
        this.registerOutputs({
            url: this.url,
            apiDocsUrl: this.apiDocsUrl,
            login: this.login,
            demoUserPassword: this.demoUserPassword,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
