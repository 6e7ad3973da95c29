/**
 * How the overseer and the servers are reached: a Service named after the participant, with named
 * ports, exposed as configured (LoadBalancer, Traefik TCP routes, NodePort or in-cluster only), and
 * the address a participant outside gives for it.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NvflareConfig, nvflareEntryPointName } from "../../../config/nvflare";
import { policyException } from "../../k8s/policyException";
import { Participant, participantLabels } from "./participants";

/** What a stack output shows for an address Kubernetes has not assigned (yet). */
export const PENDING = "<pending>";
/** Placeholder in `ingressTcp` outputs: the ingress controller's external address (its Service's EXTERNAL-IP). */
export const INGRESS_ADDRESS = "<ingress-address>";
/** Placeholder in `nodePort` outputs: the address of any node. */
export const NODE_ADDRESS = "<node-address>";

export interface ExposureArgs {
    namespace: pulumi.Output<string>;
    child: pulumi.CustomResourceOptions;
    loadBalancerReady: pulumi.Resource[];
    ingressTcp?: { entryPoints: Record<number, string> };
    ingressReady: pulumi.Resource[];
}

/** Expose participant `p`; returns its host and its `host:port` list. */
export function expose(name: string, cfg: NvflareConfig, p: Participant, args: ExposureArgs): pulumi.Output<[string, string[]]> {
    const { child } = args;
    const labels = participantLabels(cfg, p);
    const selector = { system: p.name };
    const type = cfg.exposure === "loadBalancer" ? "LoadBalancer" : cfg.exposure === "nodePort" ? "NodePort" : "ClusterIP";
    const svc = new k8s.core.v1.Service(
        `${name}-${p.name}`,
        {
            metadata: {
                name: p.name,
                namespace: args.namespace,
                labels,
                ...(type === "NodePort" ? { annotations: policyException("exposure", "nvflare.exposure is nodePort: participants outside the cluster reach this FL endpoint on the node port, which equals the port baked into the startup kits") } : {}),
            },
            spec: {
                type,
                selector,
                ports: p.ports.map((x) => ({ name: x.name, port: x.port, targetPort: x.port, protocol: "TCP", nodePort: type === "NodePort" ? x.port : undefined })),
            },
        },
        { ...child, dependsOn: type === "LoadBalancer" ? args.loadBalancerReady : [] },
    );

    if (cfg.exposure === "ingressTcp") {
        for (const x of p.ports) {
            const entryPoint = args.ingressTcp?.entryPoints[x.port];
            if (!entryPoint) throw new Error(`nvflare: no Traefik TCP entrypoint for port ${x.port} (${p.name}); the ingress add-on must provide ${nvflareEntryPointName(x.port)}`);
            new k8s.apiextensions.CustomResource(
                `${name}-${p.name}-${x.port}`,
                {
                    apiVersion: "traefik.io/v1alpha1",
                    kind: "IngressRouteTCP",
                    metadata: { name: `${p.name}-${x.role}`, namespace: args.namespace, labels },
                    spec: {
                        entryPoints: [entryPoint],
                        // One entrypoint per port, so nothing to route on: a catch-all non-TLS router forwards the
                        // bytes untouched (TLS ends in the pod) whether or not the client sends SNI.
                        routes: [{ match: "HostSNI(`*`)", services: [{ name: svc.metadata.name, port: x.port }] }],
                    },
                },
                { ...child, dependsOn: args.ingressReady },
            );
        }
    }

    const host: pulumi.Output<string> =
        cfg.exposure === "loadBalancer"
            ? svc.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip || s?.loadBalancer?.ingress?.[0]?.hostname || PENDING)
            : pulumi.output(cfg.exposure === "ingressTcp" ? INGRESS_ADDRESS : cfg.exposure === "nodePort" ? (cfg.nodeAddress ?? NODE_ADDRESS) : p.name);
    return host.apply((h) => [h, p.ports.map((x) => `${h}:${x.port}`)] as [string, string[]]);
}
