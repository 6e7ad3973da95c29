/** The NVIDIA FLARE namespace (Pod Security by workspace type) and its isolation. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { NvflareConfig } from "../../../config/nvflare";
import { podSecurityNamespace } from "../../k8s/namespace";
import { Allow, ClusterNetwork, Peer, isolateNamespace } from "../../k8s/networkPolicy";
import { Participant, usesHostPath } from "./participants";

export function nvflareNamespace(name: string, cfg: NvflareConfig, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    const hostPath = usesHostPath(cfg);
    return podSecurityNamespace(
        `${name}-ns`,
        hostPath
            ? {
                  name: cfg.namespace,
                  // Pod Security "baseline" forbids hostPath volumes too: only "privileged" admits them.
                  podSecurity: "privileged",
                  reason: "nvflare.workspace or nvflare.persist is a hostPath volume (seed 002's single-node layout with the provisioned prod_NN folder on the node); use a persistentVolumeClaim or secret workspace for restricted",
              }
            : { name: cfg.namespace, podSecurity: "restricted" },
        opts,
    );
}

/**
 * Isolation: participants reach each other on the NVFlare ports in the namespace; the overseer
 * and servers take clients on their ports from where the exposure brings them (anywhere for a
 * LoadBalancer or NodePort, Traefik's namespace for ingressTcp, nobody else for none); every
 * participant may dial those ports anywhere (servers and clients at other sites, public addresses).
 */
/** The container ports the participant's TCP probes dial. */
function probedPorts(p: Participant): number[] {
    return p.ports.filter((x) => p.probedPorts.includes(x.name)).map((x) => x.port);
}

export function isolation(name: string, cfg: NvflareConfig, everyone: Participant[], network: ClusterNetwork, opts: pulumi.CustomResourceOptions): void {
    const nvflarePods = { "app.kubernetes.io/name": "nvflare" };
    const allPorts = everyone.flatMap((p) => p.ports.map((x) => ({ port: x.port })));
    const outside: Peer[] =
        cfg.exposure === "loadBalancer" || cfg.exposure === "nodePort"
            ? [{ anywhere: true }]
            : cfg.exposure === "ingressTcp" && network.ingressNamespace
              ? [{ namespace: network.ingressNamespace }]
              : [];
    // The kubelet's TCP probes come from the node: anywhere covers them; with ingressTcp or none, the nodes are
    // allowed on the probed ports (a CNI that applies policies to host traffic would otherwise fail every probe).
    const probesCovered = outside.some((x) => "anywhere" in x);
    const allows: Allow[] = [];
    for (const p of everyone.filter((x) => x.ports.length > 0)) {
        const probed = probedPorts(p);
        const nodesToo = !probesCovered && probed.length === p.ports.length;
        allows.push({
            name: `to-${p.name}`,
            pods: { system: p.name },
            from: [{ pods: nvflarePods }, ...outside, ...(nodesToo ? [{ nodes: true } as const] : [])],
            ports: p.ports.map((x) => ({ port: x.port })),
            reason: `${p.role} ${p.name} takes participants${outside.length > 0 ? ` and clients through exposure ${cfg.exposure}` : ""} on ${p.ports.map((x) => x.port).join(", ")}${nodesToo ? ", and the kubelet's probes" : ""}`,
        });
        if (!probesCovered && !nodesToo && probed.length > 0) {
            allows.push({ name: `probes-to-${p.name}`, pods: { system: p.name }, from: [{ nodes: true }], ports: probed.map((port) => ({ port })), reason: `the kubelet's TCP probes of ${p.role} ${p.name}` });
        }
    }
    if (allPorts.length > 0) {
        allows.push({ name: "participants", pods: nvflarePods, to: [{ pods: nvflarePods }, { anywhere: true }], ports: allPorts, reason: "participants dial the overseer and servers, here or at other sites" });
    }
    isolateNamespace(`${name}-netpol`, { namespace: cfg.namespace, app: "nvflare", network, allows }, opts);
}
