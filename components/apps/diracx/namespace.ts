/** The DiracX namespace (Pod Security "baseline", with the reason) and its isolation. */
import * as k8s from "@pulumi/kubernetes";
import { podSecurityNamespace } from "../../k8s/namespace";
import { dexIssuerUrl, seaweedfsEndpoint } from "../../../config/diracx";
import { Allow, ClusterNetwork, Peer, apiServerAllow, isolateNamespace } from "../../k8s/networkPolicy";
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

/** cert-manager's HTTP-01 solver pods: label and port (cert-manager v1.21.1 pkg/apis/acme/v1/types.go 60, pkg/issuer/acme/http/pod.go 35-47, http.go 49). */
export const ACME_SOLVER = { labels: { "acme.cert-manager.io/http01-solver": "true" }, port: 8089 } as const;

/**
 * Isolation of the namespace. The chart's pods are not visible offline, so the allows are by namespace: DiracX
 * and its bundled stores (MySQL, OpenSearch, SeaweedFS, Dex, the init jobs) talk freely inside
 * it (the Bitnami MySQL keeps its own networkPolicy too); the ingress controller reaches the API
 * (8000), the web app (8080) and cert-manager's HTTP-01 solver pods (8089); NodePort Services (Dex,
 * SeaweedFS S3) arrive from the nodes; egress leaves the cluster only on HTTPS, the external
 * services' ports from config and the ports of the public Dex and S3 URLs; the chart's hook Jobs
 * reach the API server.
 */
export function isolation(d: DiracxContext, network: ClusterNetwork): void {
    const { cfg, ns, inNs } = d;
    const externalPorts = [cfg.mysql.mode === "external" ? cfg.mysql.external?.host : undefined, cfg.opensearch.mode === "external" ? cfg.opensearch.external?.host : undefined]
        .filter((h): h is string => !!h)
        .map((h) => Number(h.slice(h.lastIndexOf(":") + 1)));
    if (cfg.sandboxStore.mode === "external" && cfg.sandboxStore.external) externalPorts.push(urlHostPort(cfg.sandboxStore.external.endpointUrl).port);
    const allows: Allow[] = [
        { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "DiracX services, jobs and their databases and stores" },
        ...(network.ingressNamespace
            ? [
                  { name: "from-ingress", from: [{ namespace: network.ingressNamespace }], ports: [{ port: 8000 }, { port: 8080 }], reason: "the ingress controller forwards to the DiracX API (8000) and web app (8080)" },
                  // Any ClusterIssuer of the Ingress may be ACME (the platform's, or one named by diracx.ingress.clusterIssuer): cert-manager
                  // then runs the solver pod in this namespace and Traefik dials it directly (pod IP:8089). Only solver pods are selected.
                  {
                      name: "acme-solver",
                      pods: { ...ACME_SOLVER.labels },
                      from: [{ namespace: network.ingressNamespace }],
                      ports: [{ port: ACME_SOLVER.port }],
                      reason: "the ingress controller forwards /.well-known/acme-challenge/ to cert-manager's HTTP-01 solver pods (8089) in this namespace",
                  },
              ]
            : []),
        { name: "from-nodes", from: [{ nodes: true }], reason: "NodePort Services (Dex, SeaweedFS S3) reach the pods from the nodes" },
        { name: "external", to: [{ anywhere: true }], ports: [...new Set([443, ...externalPorts])].map((port) => ({ port })), reason: "identity providers, external MySQL, OpenSearch and S3 from config" },
        // The chart's hook pods carry no labels (only the Job controller's random job-name), so this selects every pod.
        apiServerAllow(network, undefined, "the chart's init-secrets and init-keystore hook Jobs run kubectl against the API server (their pods have no labels to select)"),
    ];
    const publicUrls = publicUrlAllow(d);
    if (publicUrls) allows.push(publicUrls);
    isolateNamespace("diracx-netpol", { namespace: ns, app: "diracx", network, allows }, inNs);
}

/**
 * DiracX dials Dex (the IdP URL) and the S3 store at the same public URLs browsers use (no separate
 * internal URL in v0.3.0: diracx-logic auth/utils.py 33-180, diracx-core settings.py 333-352). Ports
 * other than 443 need their own egress: to `diracx.ipAlias` when the URL is on the hostname and the
 * API pod resolves the hostname to that alias, else anywhere.
 */
function publicUrlAllow(d: DiracxContext): Allow | undefined {
    const { cfg, hostname } = d;
    const urls = [...(cfg.sandboxStore.mode === "seaweedfs" ? [seaweedfsEndpoint(cfg)] : []), ...(cfg.dex.enabled ? [dexIssuerUrl(cfg)] : [])].map(urlHostPort).filter((u) => u.port !== 443);
    if (urls.length === 0) return undefined;
    const viaAlias = (u: { host: string }) => cfg.ipAlias !== undefined && u.host === hostname;
    const to: Peer[] = [];
    if (urls.some(viaAlias)) to.push({ cidr: `${cfg.ipAlias}/32` });
    if (urls.some((u) => !viaAlias(u))) to.push({ anywhere: true });
    return {
        name: "public-urls",
        to,
        ports: [...new Set(urls.map((u) => u.port))].map((port) => ({ port })),
        reason: "DiracX reaches Dex and the S3 sandbox store at their public URLs (in dev: the NodePorts through the host, at diracx.ipAlias)",
    };
}

function urlHostPort(url: string): { host: string; port: number } {
    const u = new URL(url);
    return { host: u.hostname, port: Number(u.port || (u.protocol === "http:" ? 80 : 443)) };
}
