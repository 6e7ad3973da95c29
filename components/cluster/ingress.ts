import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IngressConfig, traefikContainerPort } from "../../config/ingress";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { podSecurityNamespace } from "../k8s/namespace";

export interface IngressArgs {
    config: IngressConfig;
    provider: k8s.Provider;
    /** Wait on these before the release (the MetalLB pool, for a LoadBalancer Service: Helm waits for its address). */
    dependsOn: pulumi.Resource[];
}

/**
 * Traefik (chart `traefik`) with its IngressClass named `ingress.className`, the Kubernetes
 * Ingress and CRD providers (IngressRoute, IngressRouteTCP), and one TCP entrypoint per
 * `ingress.tcpPorts` entry, exposed on its Service.
 */
export class Traefik extends pulumi.ComponentResource {
    readonly release: k8s.helm.v3.Release;
    readonly ingressClassName: string;
    /** TCP entrypoint names keyed by exposed port. */
    readonly tcpEntryPoints: Record<number, string>;

    constructor(name: string, args: IngressArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:cluster:Traefik", name, args, opts);
        const cfg = args.config;
        const childOpts = { parent: this, provider: args.provider };

        // The chart's default pod (non-root, read-only root, no capabilities, RuntimeDefault seccomp) meets restricted.
        const namespace = podSecurityNamespace("traefik", { name: cfg.namespace, podSecurity: "restricted" }, childOpts);

        const ports: Record<string, unknown> = {};
        this.tcpEntryPoints = {};
        for (const p of cfg.tcpPorts) {
            ports[p.name] = { port: traefikContainerPort(p.port), exposedPort: p.port, expose: { default: true }, protocol: "TCP" };
            this.tcpEntryPoints[p.port] = p.name;
        }

        this.release = helmRelease(
            "traefik",
            {
                name: "traefik",
                namespace: cfg.namespace,
                chart: chartAt("traefik", cfg.chartVersion),
                timeoutSeconds: cfg.timeoutSeconds,
                values: {
                    deployment: { replicas: cfg.replicas },
                    ingressClass: { enabled: true, isDefaultClass: cfg.isDefaultClass, name: cfg.className },
                    providers: {
                        kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
                        kubernetesCRD: { enabled: true },
                    },
                    service: { spec: { type: cfg.serviceType } },
                    ...(cfg.tcpPorts.length > 0 ? { ports } : {}),
                    resources: cfg.resources,
                },
            },
            { ...childOpts, dependsOn: [namespace, ...args.dependsOn] },
        );
        this.ingressClassName = cfg.className;
        this.registerOutputs({ ingressClassName: this.ingressClassName, tcpEntryPoints: this.tcpEntryPoints });
    }
}
