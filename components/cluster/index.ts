import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config";
import type { ClusterHandles } from "./handles";

export type { ClusterHandles } from "./handles";

/**
 * Create the cluster add-ons the config enables, in dependency order, and return the handles the
 * applications use. Until the add-on components exist, no add-on is deployed and the handles
 * describe a cluster that already has what the apps need.
 */
export function clusterAddons(_parent: pulumi.ComponentResource, _provider: k8s.Provider, cfg: PlatformConfig): ClusterHandles {
    return {
        storageClassName: undefined,
        storageReady: [],
        loadBalancerAvailable: cfg.kubernetes.distribution !== "kind",
        loadBalancerReady: [],
        ingressClassName: undefined,
        ingressReady: [],
        clusterIssuerName: undefined,
        issuerReady: [],
        notebookPrerequisites: [],
    };
}
