/** The DiracX namespace (Pod Security "baseline", with the reason) and its isolation. */
import * as k8s from "@pulumi/kubernetes";
import { podSecurityNamespace } from "../../k8s/namespace";
import { Allow, ClusterNetwork, isolateNamespace } from "../../k8s/networkPolicy";
import type { DiracxContext } from "./context";

export function diracxNamespace(d: DiracxContext): k8s.core.v1.Namespace {
    const { ns, child, keep } = d;
    return podSecurityNamespace(
        "diracx",
        {
            name: ns,
            podSecurity: "baseline",
            reason:
                "the DiracX chart sets no securityContext on its jobs and services, the OpenSearch chart runs a root init container to chown its data volume, and the Bitnami charts run with the images' own users",
        },
        { ...child, ...keep },
    );
}

/**
 * Isolation of the namespace. The chart's pods are not visible offline, so the allows are by namespace: DiracX
 * and its bundled stores (MySQL, OpenSearch, SeaweedFS, Dex, the init jobs) talk freely inside
 * it (the Bitnami MySQL keeps its own networkPolicy too); the ingress controller reaches the API
 * (8000) and web app (8080); NodePort Services (Dex, SeaweedFS S3) arrive from the nodes; egress
 * leaves the cluster only on HTTPS and the external services' ports from config.
 */
export function isolation(d: DiracxContext, network: ClusterNetwork): void {
    const { cfg, ns, inNs } = d;
    const externalPorts = [cfg.mysql.mode === "external" ? cfg.mysql.external?.host : undefined, cfg.opensearch.mode === "external" ? cfg.opensearch.external?.host : undefined]
        .filter((h): h is string => !!h)
        .map((h) => Number(h.slice(h.lastIndexOf(":") + 1)));
    if (cfg.sandboxStore.mode === "external" && cfg.sandboxStore.external) {
        const u = new URL(cfg.sandboxStore.external.endpointUrl);
        externalPorts.push(Number(u.port || (u.protocol === "http:" ? 80 : 443)));
    }
    const allows: Allow[] = [
        { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "DiracX services, jobs and their databases and stores" },
        ...(network.ingressNamespace ? [{ name: "from-ingress", from: [{ namespace: network.ingressNamespace }], ports: [{ port: 8000 }, { port: 8080 }], reason: "the ingress controller forwards to the DiracX API (8000) and web app (8080)" }] : []),
        { name: "from-nodes", from: [{ nodes: true }], reason: "NodePort Services (Dex, SeaweedFS S3) reach the pods from the nodes" },
        { name: "external", to: [{ anywhere: true }], ports: [...new Set([443, ...externalPorts])].map((port) => ({ port })), reason: "identity providers, external MySQL, OpenSearch and S3 from config" },
    ];
    isolateNamespace("diracx-netpol", { namespace: ns, app: "diracx", network, allows }, inNs);
}
