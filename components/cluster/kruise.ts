import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { KruiseConfig } from "../../config/kruise";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { appLabels } from "../k8s/labels";
import { podSecurityNamespace } from "../k8s/namespace";
import { apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";

/**
 * The namespace label that exempts a namespace from OpenKruise's pod webhooks. The chart 1.5.2
 * registers `mpod.kb.io` (pods CREATE), `vpod.kb.io` (pods UPDATE/DELETE) and `vpodeviction.kb.io`
 * (pods/eviction) with `failurePolicy: Fail` and `namespaceSelector: control-plane NotIn
 * [openkruise]` (openkruise/charts kruise-1.5.2, versions/kruise/1.5.2/templates/webhookconfiguration.yaml
 * 6-31, 391-443), and labels the namespace only when it creates it itself (manager.yaml 1-8), which
 * the platform does not. kruise-manager never relaxes them (openkruise/kruise v1.5.2,
 * pkg/webhook/util/configuration/configuration.go 40-124 rewrites only caBundle and the Service).
 * Its own namespace must carry the label, or its pods wait on the webhook they serve (install
 * deadlock, openkruise/kruise#1521); the other add-ons' namespaces carry it too, so the cluster's
 * plumbing never waits on kruise-manager. Namespaces where CloneSets run must not carry it.
 */
export const KRUISE_WEBHOOK_EXEMPT_LABELS: Readonly<Record<string, string>> = { "control-plane": "openkruise" };

/** kruise-manager's pod label (chart 1.5.2 manager.yaml 30-51: Deployment kruise-controller-manager). */
export const KRUISE_MANAGER_POD_LABELS: Readonly<Record<string, string>> = { "control-plane": "controller-manager" };

export interface KruiseArgs {
    config: KruiseConfig;
    provider: k8s.Provider;
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/**
 * OpenKruise (chart `kruise`, 1.5.2 as seed 000) in its own namespace, labelled exempt from its
 * pod webhooks. The chart ships its CRDs as templates (`crds.managed`), so Helm owns them; the
 * release waits (atomic) for the manager and its webhook, so CloneSets can be created once it is
 * ready. With two or more manager replicas a PodDisruptionBudget keeps one serving the webhooks
 * every pod CREATE/UPDATE/DELETE outside exempt namespaces needs (the chart has none; it already
 * spreads the replicas with a preferred anti-affinity on the hostname, manager.yaml 112-123).
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
                      labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS },
                  }
                : {
                      name: cfg.namespace,
                      podSecurity: "baseline",
                      reason: "the kruise 1.5.2 chart exposes no securityContext values for kruise-manager, so restricted cannot be guaranteed; baseline still forbids host access",
                      labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS },
                  },
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

        // A drain takes one manager at a time, so one always serves the webhooks (never on a single replica: it would block drains).
        if (cfg.managerReplicas >= 2) {
            new k8s.policy.v1.PodDisruptionBudget(
                "kruise-manager",
                {
                    metadata: { name: "kruise-manager", namespace: cfg.namespace, labels: appLabels("kruise", { component: "disruption-budget" }) },
                    spec: { minAvailable: 1, selector: { matchLabels: { ...KRUISE_MANAGER_POD_LABELS } }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
                },
                { ...childOpts, dependsOn: [namespace] },
            );
        }
        this.registerOutputs({ namespace: cfg.namespace });
    }
}
