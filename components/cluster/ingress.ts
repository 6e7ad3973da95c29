import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { IngressConfig, traefikContainerPort } from "../../config/ingress";
import { chartAt } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { podSecurityNamespace } from "../k8s/namespace";
import { apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";
import { CERT_MANAGER_CONTROLLER_POD_LABELS } from "./certManager";
import { KRUISE_WEBHOOK_EXEMPT_LABELS } from "./kruise";

export interface IngressArgs {
    config: IngressConfig;
    provider: k8s.Provider;
    /** Wait on these before the release (the MetalLB pool, for a LoadBalancer Service: Helm waits for its address). */
    dependsOn: pulumi.Resource[];
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
    /** cert-manager's namespace when it solves ACME HTTP-01 challenges: its controller's self-checks reach Traefik's pods. */
    acmeSelfCheckFrom?: string;
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
        const namespace = podSecurityNamespace("traefik", { name: cfg.namespace, podSecurity: "restricted", labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS } }, childOpts);

        const ports: Record<string, unknown> = {};
        this.tcpEntryPoints = {};
        for (const p of cfg.tcpPorts) {
            ports[p.name] = { port: traefikContainerPort(p.port), exposedPort: p.port, expose: { default: true }, protocol: "TCP" };
            this.tcpEntryPoints[p.port] = p.name;
        }
        // The chart's `ports.websecure.nodePort` (traefik 41.3.0 values.yaml 1025, templates/_service.tpl 42-44); the rest of the entrypoint stays the chart's.
        if (cfg.websecureNodePort !== undefined) ports.websecure = { nodePort: cfg.websecureNodePort };

        this.release = helmRelease(
            "traefik",
            {
                name: "traefik",
                namespace: cfg.namespace,
                chart: chartAt("traefik", cfg.chartVersion),
                timeoutSeconds: cfg.timeoutSeconds,
                values: {
                    deployment: { replicas: cfg.replicas },
                    // Replicated (prod): a drain takes one pod at a time, and the pods prefer distinct nodes.
                    // The chart's rolling update (maxUnavailable 0, maxSurge 1) already keeps every replica serving.
                    ...(cfg.replicas > 1
                        ? {
                              podDisruptionBudget: { enabled: true, maxUnavailable: 1 },
                              topologySpreadConstraints: [
                                  {
                                      maxSkew: 1,
                                      topologyKey: "kubernetes.io/hostname",
                                      whenUnsatisfiable: "ScheduleAnyway",
                                      labelSelector: { matchLabels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": `traefik-${cfg.namespace}` } },
                                  },
                              ],
                          }
                        : {}),
                    ingressClass: { enabled: true, isDefaultClass: cfg.isDefaultClass, name: cfg.className },
                    providers: {
                        kubernetesIngress: { enabled: true, publishedService: { enabled: true } },
                        kubernetesCRD: { enabled: true },
                    },
                    service: { spec: { type: cfg.serviceType } },
                    ...(Object.keys(ports).length > 0 ? { ports } : {}),
                    resources: cfg.resources,
                },
            },
            { ...childOpts, dependsOn: [namespace, ...args.dependsOn] },
        );
        // Traefik's pods: clients from anywhere on the entrypoints (web 8000, websecure 8443, the TCP
        // entrypoints), egress to the backends in any namespace (each app's policy admits Traefik) and
        // to the API server (Ingress, IngressRoute and Endpoint watches).
        isolateNamespace(
            "traefik-netpol",
            {
                namespace: cfg.namespace,
                app: "traefik",
                network: args.network,
                allows: [
                    {
                        name: "entrypoints",
                        from: [{ anywhere: true }],
                        ports: [8000, 8443, ...cfg.tcpPorts.map((p) => traefikContainerPort(p.port))].map((port) => ({ port })),
                        reason: "clients reach the web, websecure and TCP entrypoints through the Traefik Service",
                    },
                    // A pod's connection to the LoadBalancer address arrives here with the pod's own address,
                    // which `anywhere` (an ipBlock) need not match: name cert-manager's controller explicitly.
                    ...(args.acmeSelfCheckFrom
                        ? [
                              {
                                  name: "acme-self-check",
                                  from: [{ pods: { ...CERT_MANAGER_CONTROLLER_POD_LABELS }, namespace: args.acmeSelfCheckFrom }],
                                  ports: [{ port: 8000 }, { port: 8443 }],
                                  reason: "cert-manager's controller checks an HTTP-01 challenge through the public address of the host, which resolves to Traefik",
                              },
                          ]
                        : []),
                    { name: "backends", to: [{ allNamespaces: true }], reason: "Traefik forwards to the Services its Ingresses and routes name, in any namespace" },
                    apiServerAllow(args.network, undefined, "Traefik's Kubernetes providers watch Ingresses, CRDs, Services and EndpointSlices"),
                ],
            },
            { ...childOpts, dependsOn: [namespace] },
        );
        this.ingressClassName = cfg.className;
        this.registerOutputs({ ingressClassName: this.ingressClassName, tcpEntryPoints: this.tcpEntryPoints });
    }
}
