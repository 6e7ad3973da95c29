import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KruiseConfig } from "../../config/kruise";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { podSecurityNamespace } from "../k8s/namespace";
import { apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";

export interface KruiseArgs {
    config: KruiseConfig;
    provider: k8s.Provider;
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/**
 * OpenKruise (chart `kruise`, 1.5.2 as seed 000) in its own namespace. The chart ships its CRDs
 * as templates (`crds.managed`), so Helm owns them; the release waits (atomic) for the manager and
 * its webhook, so CloneSets can be created once it is ready.
 */
export class Kruise extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: KruiseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:cluster:Kruise", name, args, opts);
        const cfg = args.config;
        const childOpts = { parent: this, provider: args.provider };

        const namespace = podSecurityNamespace(
            "kruise-system",
            cfg.daemon
                ? {
                      name: cfg.namespace,
                      podSecurity: "privileged",
                      reason: "the kruise-daemon DaemonSet uses hostNetwork and mounts the container runtime socket (hostPath) to pre-pull images and recreate containers",
                  }
                : { name: cfg.namespace, podSecurity: "baseline", reason: "the kruise 1.5.2 chart exposes no securityContext values for kruise-manager, so restricted cannot be guaranteed; baseline still forbids host access" },
            childOpts,
        );

        // kruise-manager serves its admission webhook on 9876 to the API server and watches the API;
        // kruise-daemon is hostNetwork (not selected by NetworkPolicies).
        isolateNamespace(
            "kruise-netpol",
            {
                namespace: cfg.namespace,
                app: "kruise",
                network: args.network,
                allows: [
                    { name: "webhook", from: [{ apiServer: true }], ports: [{ port: 9876 }], reason: "the API server calls kruise-manager's webhook (webhookConfiguration port 9876)" },
                    apiServerAllow(args.network, undefined, "kruise-manager reconciles CloneSets and other workloads through the API"),
                ],
            },
            { ...childOpts, dependsOn: [namespace] },
        );

        this.release = helmRelease(
            "kruise",
            {
                name: "kruise",
                namespace: cfg.namespace,
                chart: chartAt("kruise", cfg.chartVersion),
                timeoutSeconds: cfg.timeoutSeconds,
                values: {
                    crds: { managed: true },
                    // The program creates the namespace (with its Pod Security labels), not the chart.
                    installation: { namespace: cfg.namespace, createNamespace: false },
                    featureGates: cfg.daemon ? "ImagePullJobGate=true" : "KruiseDaemon=false",
                    manager: { replicas: cfg.managerReplicas, resources: cfg.managerResources },
                    daemon: { resources: cfg.daemonResources },
                },
            },
            { ...childOpts, dependsOn: [namespace] },
        );
        this.registerOutputs({ namespace: cfg.namespace });
    }
}
