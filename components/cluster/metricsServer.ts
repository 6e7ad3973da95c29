import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetricsServerConfig } from "../../config/metricsServer";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { podSecurityNamespace } from "../k8s/namespace";
import { apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";
import { KRUISE_WEBHOOK_EXEMPT_LABELS } from "./kruise";

export interface MetricsServerArgs {
    config: MetricsServerConfig;
    provider: k8s.Provider;
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
    /** What metrics-server waits on besides its namespace (nothing today: it deploys beside the other add-ons). */
    dependsOn: pulumi.Resource[];
}

/**
 * metrics-server from its chart. With `kubeletInsecureTls` (kind) it skips verifying the
 * kubelets' self-signed serving certificates and reaches them by InternalIP. TLS of its own API
 * stays `tls.type: metrics-server` (self-generated): the chart's `helm` mode is non-deterministic.
 */
export class MetricsServer extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: MetricsServerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:cluster:MetricsServer", name, args, opts);
        const cfg = args.config;
        const childOpts = { parent: this, provider: args.provider };

        // kube-system exists already; any other namespace is the program's (the chart's pods meet restricted).
        const namespace =
            cfg.namespace === "kube-system" ? undefined : podSecurityNamespace("metrics-server", { name: cfg.namespace, podSecurity: "restricted", labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS } }, childOpts);

        // The API server's aggregation layer calls metrics-server (containerPort 10250); metrics-server
        // scrapes every kubelet (10250 on the nodes) and reads nodes and pods from the API.
        if (namespace) {
            isolateNamespace(
                "metrics-server-netpol",
                {
                    namespace: cfg.namespace,
                    app: "metrics-server",
                    network: args.network,
                    allows: [
                        { name: "aggregated-api", from: [{ apiServer: true }], ports: [{ port: 10250 }], reason: "the API server proxies metrics.k8s.io requests to containerPort 10250" },
                        { name: "kubelets", to: [{ nodes: true }], ports: [{ port: 10250 }], reason: "metrics-server scrapes /metrics/resource on every kubelet" },
                        apiServerAllow(args.network, undefined, "metrics-server lists nodes and pods"),
                    ],
                },
                { ...childOpts, dependsOn: [namespace] },
            );
        }

        this.release = helmRelease(
            "metrics-server",
            {
                name: "metrics-server",
                namespace: cfg.namespace,
                chart: chartAt("metricsServer", cfg.chartVersion),
                timeoutSeconds: cfg.timeoutSeconds,
                values: {
                    replicas: cfg.replicas,
                    // kind: kubelets serve self-signed certificates and node names do not resolve, so use InternalIP.
                    args: cfg.kubeletInsecureTls ? ["--kubelet-insecure-tls", "--kubelet-preferred-address-types=InternalIP"] : [],
                    resources: cfg.resources,
                    // Replicated: a budget that lets a drain take one pod (never one on a single replica), and spread over nodes.
                    podDisruptionBudget: { enabled: cfg.replicas > 1, minAvailable: cfg.replicas > 1 ? 1 : null, unhealthyPodEvictionPolicy: cfg.replicas > 1 ? "AlwaysAllow" : null },
                    ...(cfg.replicas > 1
                        ? {
                              topologySpreadConstraints: [
                                  {
                                      maxSkew: 1,
                                      topologyKey: "kubernetes.io/hostname",
                                      whenUnsatisfiable: "ScheduleAnyway",
                                      labelSelector: { matchLabels: { "app.kubernetes.io/name": "metrics-server", "app.kubernetes.io/instance": "metrics-server" } },
                                  },
                              ],
                          }
                        : {}),
                    tls: { type: "metrics-server" },
                },
            },
            { ...childOpts, dependsOn: [...(namespace ? [namespace] : []), ...args.dependsOn] },
        );
        this.registerOutputs({ namespace: cfg.namespace });
    }
}
