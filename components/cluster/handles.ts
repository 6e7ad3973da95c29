import type * as pulumi from "@pulumi/pulumi";
import type { ClusterNetwork } from "../k8s/networkPolicy";

/**
 * What the cluster add-ons hand to the applications: names to use and resources to wait on.
 * Apps depend on these handles only, never on another component's children, and only on the
 * ones they use (an unneeded edge costs real minutes of `pulumi up`).
 */
export interface ClusterHandles {
    /** StorageClass for volume claims; undefined when the cluster's default class should be used. */
    storageClassName?: string;
    /** Wait on these before creating volume claims on `storageClassName`. */
    storageReady: pulumi.Resource[];

    /** Whether LoadBalancer Services get an address (MetalLB on kind or bare metal, or a cloud load balancer). */
    loadBalancerAvailable: boolean;
    /** Wait on these before creating LoadBalancer Services (the MetalLB pools). */
    loadBalancerReady: pulumi.Resource[];

    /** IngressClass for the apps' Ingresses; undefined when no ingress controller is configured. */
    ingressClassName?: string;
    /** Wait on these before creating Ingresses (the ingress controller release). */
    ingressReady: pulumi.Resource[];
    /** Whether the ingress controller can route raw TCP (Traefik entrypoints), for NVIDIA FLARE's `ingressTcp`. */
    ingressTcp?: {
        /** Traefik entrypoint names available for TCP routing, keyed by port. */
        entryPoints: Record<number, string>;
    };

    /** ClusterIssuer for TLS certificates; undefined when cert-manager is off. */
    clusterIssuerName?: string;
    /** Wait on these before creating Certificates or annotated Ingresses (cert-manager and its issuers). */
    issuerReady: pulumi.Resource[];

    /** The OpenKruise release: what the distributed-notebook system waits on (its gateway creates CloneSets). */
    notebookPrerequisites: pulumi.Resource[];

    /** The cluster's addresses and the ingress controller's namespace, for NetworkPolicy allows. */
    network: ClusterNetwork;
}

/** The handles a web application with an Ingress, TLS and volumes takes (JupyterHub, DiracX). */
export type WebAppHandles = Pick<ClusterHandles, "ingressClassName" | "ingressReady" | "clusterIssuerName" | "issuerReady" | "storageClassName" | "storageReady">;

export function webAppHandles(h: ClusterHandles): WebAppHandles {
    return {
        ingressClassName: h.ingressClassName,
        ingressReady: h.ingressReady,
        clusterIssuerName: h.clusterIssuerName,
        issuerReady: h.issuerReady,
        storageClassName: h.storageClassName,
        storageReady: h.storageReady,
    };
}
