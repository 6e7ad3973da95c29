import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { MetallbConfig } from "../../config/metallb";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { appLabels } from "../k8s/labels";
import { podSecurityNamespace } from "../k8s/namespace";
import { apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";
import { KRUISE_WEBHOOK_EXEMPT_LABELS } from "./kruise";

export interface MetallbArgs {
    config: MetallbConfig;
    provider: k8s.Provider;
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/**
 * MetalLB from its chart (L2 mode, native speaker: no FRR sidecar, no frr-k8s), then the
 * `IPAddressPool` and `L2Advertisement` from `metallb.addresses`, created once the release (and so
 * its CRDs and validating webhook) is ready: `configInline` no longer exists since 0.13.
 */
export class Metallb extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly pool: k8s.apiextensions.CustomResource;
    readonly l2Advertisement: k8s.apiextensions.CustomResource;
    /** Wait on these before creating LoadBalancer Services. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: MetallbArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:cluster:Metallb", name, args, opts);
        const cfg = args.config;
        const childOpts = { parent: this, provider: args.provider };

        const namespace = podSecurityNamespace(
            "metallb-system",
            {
                name: cfg.namespace,
                podSecurity: "privileged",
                reason: "the MetalLB speaker DaemonSet uses hostNetwork and the NET_RAW capability to announce LoadBalancer addresses (ARP/NDP) on the node network",
                labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS },
            },
            childOpts,
        );

        // The controller's validating webhook (9443) is called by the API server; controller and speaker
        // watch the API. The speaker is hostNetwork: NetworkPolicies do not select host-network pods,
        // so its memberlist (7946) and ARP traffic are unaffected.
        isolateNamespace(
            "metallb-netpol",
            {
                namespace: cfg.namespace,
                app: "metallb",
                network: args.network,
                allows: [
                    { name: "webhook", from: [{ apiServer: true }], ports: [{ port: 9443 }], reason: "the API server calls the controller's validating webhook on 9443" },
                    apiServerAllow(args.network, undefined, "the controller assigns addresses and the speaker watches Services and nodes"),
                ],
            },
            { ...childOpts, dependsOn: [namespace] },
        );

        this.release = helmRelease(
            "metallb",
            {
                name: "metallb",
                namespace: cfg.namespace,
                chart: chartAt("metallb", cfg.chartVersion),
                timeoutSeconds: cfg.timeoutSeconds,
                values: {
                    crds: { enabled: true },
                    // L2 mode only: the native speaker, without the FRR sidecar or the frr-k8s subchart (0.14+).
                    frrk8s: { enabled: false },
                    controller: { resources: cfg.controllerResources },
                    speaker: { frr: { enabled: false }, resources: cfg.speakerResources },
                },
            },
            { ...childOpts, dependsOn: [namespace] },
        );

        const labels = appLabels("metallb", { component: "address-pool" });
        this.pool = new k8s.apiextensions.CustomResource(
            "metallb-pool",
            {
                apiVersion: "metallb.io/v1beta1",
                kind: "IPAddressPool",
                metadata: { name: cfg.poolName, namespace: cfg.namespace, labels },
                spec: { addresses: [...cfg.addresses], autoAssign: cfg.autoAssign },
            },
            { ...childOpts, dependsOn: [this.release] },
        );
        this.l2Advertisement = new k8s.apiextensions.CustomResource(
            "metallb-l2",
            {
                apiVersion: "metallb.io/v1beta1",
                kind: "L2Advertisement",
                metadata: { name: cfg.poolName, namespace: cfg.namespace, labels },
                spec: { ipAddressPools: [cfg.poolName] },
            },
            { ...childOpts, dependsOn: [this.release, this.pool] },
        );
        this.ready = [this.pool, this.l2Advertisement];
        this.registerOutputs({ addresses: cfg.addresses, poolName: cfg.poolName });
    }
}
