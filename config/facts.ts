import type { ClusterFacts, Enabled } from "./spec";

/**
 * Facts about the platform that follow from more than one component's settings, for the checks
 * and the components alike. This module imports no component config: a fact names only the
 * settings it reads.
 */

/** Whether LoadBalancer Services get an address: MetalLB is on, or the cluster is not kind (cloud or site load balancer). */
export function loadBalancerAvailable(cfg: { metallb: Enabled; kubernetes: Pick<ClusterFacts, "distribution"> }): boolean {
    return cfg.metallb.enabled || cfg.kubernetes.distribution === "generic";
}
