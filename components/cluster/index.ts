import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../../config";
import { effectiveIssuer } from "../../config/certManager";
import { loadBalancerAvailable } from "../../config/facts";
import { CertManager } from "./certManager";
import type { ClusterHandles } from "./handles";
import type { ClusterNetwork } from "../k8s/networkPolicy";
import { Traefik } from "./ingress";
import { Kruise } from "./kruise";
import { Metallb } from "./metallb";
import { MetricsServer } from "./metricsServer";
import { Storage } from "./storage";

export type { ClusterHandles } from "./handles";

/**
 * Create the cluster add-ons the config enables, in dependency order, and return the handles the
 * applications use. Only the real edges are drawn: MetalLB's pool waits on its release, Traefik
 * (as a LoadBalancer) on the pool, the ClusterIssuers on cert-manager. Storage, MetalLB, OpenKruise,
 * metrics-server and cert-manager start in parallel.
 */
export function clusterAddons(parent: pulumi.ComponentResource, provider: k8s.Provider, cfg: PlatformConfig): ClusterHandles {
    const opts = { parent };
    const network: ClusterNetwork = {
        apiServerCidrs: cfg.kubernetes.apiServerCidrs,
        apiServerPorts: cfg.kubernetes.apiServerPorts,
        nodeCidrs: cfg.kubernetes.nodeCidrs,
        ingressNamespace: cfg.ingress.enabled && cfg.ingress.install ? cfg.ingress.namespace : undefined,
    };

    const storage = cfg.storage.enabled ? new Storage("storage", { config: cfg.storage, provider, network }, opts) : undefined;
    const metallb = cfg.metallb.enabled ? new Metallb("metallb", { config: cfg.metallb, provider, network }, opts) : undefined;
    const kruise = cfg.kruise.enabled ? new Kruise("kruise", { config: cfg.kruise, provider, network }, opts) : undefined;
    if (cfg.metricsServer.enabled) new MetricsServer("metrics-server", { config: cfg.metricsServer, provider, network, dependsOn: [] }, opts);

    const installTraefik = cfg.ingress.enabled && cfg.ingress.install;
    const traefik = installTraefik
        ? new Traefik(
              "traefik",
              {
                  config: cfg.ingress,
                  provider,
                  network,
                  dependsOn: cfg.ingress.serviceType === "LoadBalancer" && metallb ? metallb.ready : [],
                  acmeSelfCheckFrom: cfg.certManager.enabled && effectiveIssuer(cfg, cfg.stack) === "acme" ? cfg.certManager.namespace : undefined,
              },
              opts,
          )
        : undefined;
    const ingressClassName = cfg.ingress.enabled ? cfg.ingress.className : undefined;

    const certManager = cfg.certManager.enabled
        ? new CertManager("cert-manager", { config: cfg.certManager, provider, network, issuer: effectiveIssuer(cfg, cfg.stack), ingressClassName }, opts)
        : undefined;

    // The notebook's gateway creates OpenKruise CloneSets for its kernels; no NotebookOS code reads the
    // metrics API (docs/distributed-notebook.md, "Dependencies"), so metrics-server is no prerequisite.
    const notebookPrerequisites: pulumi.Resource[] = kruise ? [kruise.release] : [];

    return {
        storageClassName: storage?.storageClassName,
        storageReady: storage?.ready ?? [],
        loadBalancerAvailable: loadBalancerAvailable(cfg),
        loadBalancerReady: metallb?.ready ?? [],
        ingressClassName,
        ingressReady: traefik ? [traefik.release] : [],
        ingressTcp: traefik ? { entryPoints: traefik.tcpEntryPoints } : undefined,
        clusterIssuerName: certManager?.clusterIssuerName,
        issuerReady: certManager?.ready ?? [],
        notebookPrerequisites,
        network,
    };
}
