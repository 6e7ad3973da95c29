import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NvflareConfig } from "../../../config/nvflare";
import type { ClusterNetwork } from "../../k8s/networkPolicy";
import { expose } from "./exposure";
import { isolation, nvflareNamespace } from "./namespace";
import { participants } from "./participants";
import { provisioning } from "./provision";
import { ProvisionedKit, participantDeployment } from "./workload";

export { INGRESS_ADDRESS, NODE_ADDRESS, PENDING } from "./exposure";
export { participants } from "./participants";

export interface NvflareArgs {
    /** The validated `nvflare` config slice. */
    config: NvflareConfig;
    provider: k8s.Provider;
    /** Protect the namespace (it holds the participants' Deployments and, in secret mode, their startup kits). */
    protect: boolean;
    /** Whether LoadBalancer Services get an address on this cluster (exposure `loadBalancer`). */
    loadBalancerAvailable: boolean;
    /** Wait on these before creating LoadBalancer Services (exposure `loadBalancer`). */
    loadBalancerReady: pulumi.Resource[];
    /** Traefik TCP entrypoints by port (exposure `ingressTcp`); every NVFlare port must have one. */
    ingressTcp?: { entryPoints: Record<number, string> };
    /** Wait on these before creating IngressRouteTCPs (the Traefik release with its CRDs). */
    ingressReady: pulumi.Resource[];
    /** The cluster's addresses and the ingress namespace, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
    /** The storage class for the provisioning claim (`workspace.type: provision`); undefined: the cluster's default. */
    storageClassName?: string;
    /** Wait on these before creating that claim. */
    storageReady: pulumi.Resource[];
}

/**
 * NVIDIA FLARE as HelmChartBuilder (seed 002) generates it, from typed config: per participant a
 * Deployment (strategy Recreate) and, for the overseer and servers, a Service named after the
 * participant with named ports, exposed as configured (LoadBalancer, Traefik TCP routes, NodePort or
 * in-cluster only). The clients' Deployments go through one ConfigGroup. Each pod mounts only its own
 * participant folder, its startup kit read-only; TLS ends inside the pods. With `workspace.type:
 * provision` a Job provisions the federation in the cluster first, onto a claim every participant mounts.
 */
export class Nvflare extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    /** Participant -> `host:port` list (overseer and servers; clients take no inbound traffic). */
    readonly endpoints: pulumi.Output<Record<string, string[]>>;
    /** `/etc/hosts` lines that let clients and admins outside the cluster dial the participant names. */
    readonly hostsLines: pulumi.Output<string[]>;

    constructor(name: string, args: NvflareArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:Nvflare", name, args, opts);
        const cfg = args.config;
        const child = { parent: this, provider: args.provider };
        const everyone = participants(cfg);
        if (cfg.exposure === "loadBalancer" && !args.loadBalancerAvailable) {
            pulumi.log.warn("nvflare.exposure is loadBalancer but the cluster reports no load balancer: the Services will wait for an address that never comes. Enable MetalLB or choose exposure ingressTcp, nodePort or none.", this);
        }

        const ns = nvflareNamespace(name, cfg, { ...child, protect: args.protect });
        this.namespace = ns.metadata.name;
        isolation(name, cfg, everyone, args.network, { ...child, dependsOn: [ns] });

        // Provisioned in the cluster: the participants wait for the Job (Pulumi waits until it has completed).
        let kit: ProvisionedKit | undefined;
        const workloadDeps: pulumi.Resource[] = [];
        if (cfg.workspace?.type === "provision") {
            const p = provisioning(name, cfg, cfg.workspace, { namespace: this.namespace, storageClassName: args.storageClassName, storageReady: args.storageReady, protect: args.protect, child, dependsOn: [ns] });
            kit = { sha256: p.sha256 };
            workloadDeps.push(p.job);
        }

        // The overseer and the servers: a Deployment each, and a Service exposed as configured.
        const exposure = { namespace: this.namespace, child, loadBalancerReady: args.loadBalancerReady, ingressTcp: args.ingressTcp, ingressReady: args.ingressReady };
        const addresses: pulumi.Output<[string, string[]]>[] = [];
        for (const p of everyone.filter((x) => x.role !== "client")) {
            new k8s.apps.v1.Deployment(`${name}-${p.name}`, participantDeployment(cfg, p, this.namespace, kit), { ...child, dependsOn: workloadDeps });
            if (p.ports.length > 0) addresses.push(expose(name, cfg, p, exposure));
        }

        // Clients take no traffic and nothing reads their outputs, and a federation can have
        // thousands: they are one ConfigGroup, whose Deployments the provider creates (children
        // `<name>-clients:<namespace>/<client>`), rather than one program resource each, which
        // costs the program about 1.5 ms per client in the SDK alone. JSON is YAML.
        const clientDeployments = everyone.filter((p) => p.role === "client").map((p) => ({ apiVersion: "apps/v1", kind: "Deployment", ...participantDeployment(cfg, p, cfg.namespace, kit) }));
        if (clientDeployments.length > 0) {
            new k8s.yaml.v2.ConfigGroup(`${name}-clients`, { yaml: clientDeployments.map((d) => JSON.stringify(d)).join("\n---\n") }, { ...child, dependsOn: [ns, ...workloadDeps] });
        }

        const resolved = pulumi.all(addresses);
        const names = everyone.filter((p) => p.ports.length > 0).map((p) => p.name);
        this.endpoints = resolved.apply((rs) => Object.fromEntries(rs.map(([, eps], i) => [names[i], eps])));
        this.hostsLines = resolved.apply((rs) => (cfg.exposure === "none" ? [] : rs.map(([h], i) => `${h} ${names[i]}`)));

        this.registerOutputs({ namespace: this.namespace, endpoints: this.endpoints, hostsLines: this.hostsLines });
    }
}
