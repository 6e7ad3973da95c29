import { z } from "zod";
import { loadBalancerAvailable } from "./facts";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsName, namespace, port, resources } from "./types";

/** Entrypoint names the Traefik chart already uses. */
export const TRAEFIK_RESERVED_ENTRYPOINTS = ["traefik", "web", "websecure", "metrics"];

/** Ports Traefik's own entrypoints listen on inside the pod (traefik, web, websecure, metrics). */
export const TRAEFIK_RESERVED_CONTAINER_PORTS = [8080, 8000, 8443, 9100];

const tcpPort = z.strictObject({
    /** Traefik entrypoint name (also the container port name: at most 15 characters). */
    name: z
        .string()
        .regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, { message: msg("is not a valid entrypoint name", "use lower-case letters, digits and '-', starting with a letter, e.g. \"flare\"") })
        .max(15, { message: msg("is longer than 15 characters (it is also a container port name)", "shorten it") })
        .refine((n) => !TRAEFIK_RESERVED_ENTRYPOINTS.includes(n), { message: msg("is an entrypoint the Traefik chart already defines", `choose another name than ${TRAEFIK_RESERVED_ENTRYPOINTS.join(", ")}`) }),
    /** Port the Service exposes (and, from 1024 up, the port Traefik listens on). */
    port,
});

/** The ingress controller (Traefik by default) or an existing one named by its IngressClass. */
export const ingressSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** Install Traefik; false means an existing controller serves `className`. */
        install: z.boolean().default(true),
        /** The IngressClass apps use: Traefik's (created by the chart) or the existing controller's. */
        className: dnsName.default("traefik"),
        /** Make Traefik's IngressClass the cluster default. */
        isDefaultClass: z.boolean().default(false),
        namespace: namespace.default("traefik"),
        /** Chart version; the pinned one from components/charts.ts when unset. */
        chartVersion: z.string().min(1).optional(),
        timeoutSeconds: z.number().int().positive().default(600),
        /** Type of Traefik's Service: LoadBalancer needs MetalLB on kind. */
        serviceType: z.enum(["LoadBalancer", "NodePort", "ClusterIP"], { error: msg("must be LoadBalancer, NodePort or ClusterIP", "set ingress.serviceType to one of them") }).default("LoadBalancer"),
        /** A fixed NodePort for the websecure (HTTPS) entrypoint (LoadBalancer and NodePort Services have one), e.g. for a kind port mapping; random when unset. */
        websecureNodePort: z.number().int().min(30000, { message: msg("is outside the default NodePort range", "use a port from 30000 to 32767") }).max(32767, { message: msg("is outside the default NodePort range", "use a port from 30000 to 32767") }).optional(),
        replicas: z.number().int().min(1).default(1),
        resources: resources.default({ requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } }),
        /** Raw TCP entrypoints (e.g. NVIDIA FLARE), routed with IngressRouteTCP. */
        tcpPorts: z.array(tcpPort).default([]),
    })
    .superRefine((c, ctx) => {
        if (c.websecureNodePort !== undefined && c.serviceType === "ClusterIP") {
            ctx.addIssue({ code: "custom", path: ["websecureNodePort"], message: msg("needs a NodePort or LoadBalancer Service, but ingress.serviceType is ClusterIP", "set ingress.serviceType to LoadBalancer or NodePort, or remove ingress.websecureNodePort") });
        }
        if (!c.install && c.tcpPorts.length > 0) {
            ctx.addIssue({ code: "custom", path: ["tcpPorts"], message: msg("needs the Traefik installed by the platform, but ingress.install is false", "set ingress.install to true, or remove ingress.tcpPorts") });
        }
        const seenNames = new Set<string>();
        const seenPorts = new Set<number>([80, 443]);
        c.tcpPorts.forEach((p, i) => {
            if (seenNames.has(p.name)) ctx.addIssue({ code: "custom", path: ["tcpPorts", i, "name"], message: msg(`repeats entrypoint "${p.name}"`, "give each TCP port its own name") });
            if (seenPorts.has(p.port)) ctx.addIssue({ code: "custom", path: ["tcpPorts", i, "port"], message: msg(`port ${p.port} is already taken (80 and 443 are Traefik's web entrypoints)`, "choose another port") });
            else if (TRAEFIK_RESERVED_CONTAINER_PORTS.includes(traefikContainerPort(p.port))) {
                ctx.addIssue({ code: "custom", path: ["tcpPorts", i, "port"], message: msg(`port ${p.port} would make Traefik listen on ${traefikContainerPort(p.port)}, which its own entrypoints use`, `choose a port other than ${TRAEFIK_RESERVED_CONTAINER_PORTS.join(", ")}`) });
            }
            seenNames.add(p.name);
            seenPorts.add(p.port);
        });
    });
export type IngressConfig = z.output<typeof ingressSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { ingress: IngressConfig; metallb: Enabled; kubernetes: ClusterFacts };

export const ingressSecrets: SecretSpec<Reads>[] = [];

/** The port Traefik listens on inside the pod for an exposed TCP port: itself from 1024 up (non-root), else 10000 + port. */
export function traefikContainerPort(exposed: number): number {
    return exposed >= 1024 ? exposed : 10000 + exposed;
}

/** Checks against other components' settings (run after every schema passes). */
export const ingressCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        if (cfg.ingress.enabled && cfg.ingress.install && cfg.ingress.serviceType === "LoadBalancer" && !loadBalancerAvailable(cfg)) {
            report(
                ["ingress", "serviceType"],
                "is LoadBalancer, but on kind nothing gives LoadBalancer addresses while metallb.enabled is false",
                "enable MetalLB (metallb.enabled: true with metallb.addresses), or set ingress.serviceType to NodePort",
            );
        }
    },
];
