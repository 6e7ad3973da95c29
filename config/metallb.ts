import { isIP } from "node:net";
import { z } from "zod";
import { msg } from "./problems";
import type { CrossCheck, SecretSpec } from "./spec";
import { dnsName, namespace, resources } from "./types";

/** An IPv4/IPv6 address as a big integer, for range comparisons. */
function ipValue(ip: string): bigint {
    if (isIP(ip) === 4) return ip.split(".").reduce((acc, part) => (acc << 8n) + BigInt(part), 0n);
    const [head, tail = ""] = ip.includes("::") ? ip.split("::") : [ip, ""];
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = ip.includes("::") ? [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t] : h;
    return groups.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g || "0", 16)), 0n);
}

/**
 * Why a MetalLB address entry is invalid, or undefined when it is a valid CIDR (`172.18.255.0/24`)
 * or range (`172.18.255.200-172.18.255.250`, both ends of the same family, start <= end).
 */
export function addressProblem(entry: string): string | undefined {
    const cidr = /^([^/\s]+)\/(\d{1,3})$/.exec(entry);
    if (cidr) {
        const family = isIP(cidr[1]);
        if (family === 0) return `"${cidr[1]}" is not an IP address`;
        const bits = Number(cidr[2]);
        if (bits > (family === 4 ? 32 : 128)) return `prefix length /${bits} is too long for IPv${family}`;
        return undefined;
    }
    const range = /^([^\s-]+)\s*-\s*([^\s-]+)$/.exec(entry);
    if (range) {
        const [a, b] = [range[1], range[2]];
        if (isIP(a) === 0 || isIP(b) === 0) return `"${isIP(a) === 0 ? a : b}" is not an IP address`;
        if (isIP(a) !== isIP(b)) return "mixes IPv4 and IPv6";
        if (ipValue(a) > ipValue(b)) return "starts after it ends";
        return undefined;
    }
    return "is neither a CIDR nor a first-last range";
}

const address = z.string().superRefine((s, ctx) => {
    const problem = addressProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: msg(`${problem} ("${s}")`, "use a CIDR such as \"172.18.255.0/24\" or a range such as \"172.18.255.200-172.18.255.250\" inside the node network") });
});

/** MetalLB and its address pool (LoadBalancer Services on kind and bare metal). */
export const metallbSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        namespace: namespace.default("metallb-system"),
        /** Chart version; the pinned one from components/charts.ts when unset. */
        chartVersion: z.string().min(1).optional(),
        /** Seconds Helm waits for the controller, the speaker and the webhook. */
        timeoutSeconds: z.number().int().positive().default(600),
        /** Addresses MetalLB hands to LoadBalancer Services: CIDRs or first-last ranges. */
        addresses: z.array(address).default([]),
        /** Name of the IPAddressPool (and of its L2Advertisement). */
        poolName: dnsName.default("default"),
        /** Whether Services get an address from the pool without asking for it. */
        autoAssign: z.boolean().default(true),
        controllerResources: resources.default({ requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } }),
        speakerResources: resources.default({ requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } }),
    })
    .superRefine((m, ctx) => {
        if (m.enabled && m.addresses.length === 0) {
            ctx.addIssue({
                code: "custom",
                path: ["addresses"],
                message: msg(
                    "is empty while MetalLB is enabled",
                    "list a free range of the node network; on kind run `docker network inspect -f '{{.IPAM.Config}}' kind` and pick e.g. \"172.18.255.200-172.18.255.250\" from its subnet",
                ),
            });
        }
    });
export type MetallbConfig = z.output<typeof metallbSchema>;

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { metallb: MetallbConfig };

export const metallbSecrets: SecretSpec<Reads>[] = [];

/** Checks against other components' settings (run after every schema passes). */
export const metallbCrossChecks: CrossCheck<Reads>[] = [];
