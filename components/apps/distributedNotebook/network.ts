/** Isolation of both namespaces, and the alias Services that let the images' short names resolve everywhere. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KERNEL_NAMESPACE } from "../../../config/distributedNotebook";
import { Allow, Peer, apiServerAllow, isolateNamespace } from "../../k8s/networkPolicy";
import type { NotebookContext } from "./context";
import { NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { NamedPort, daemonPorts, gatewayPorts, jupyterPorts } from "./ports";

/**
 * Isolation of both namespaces, from the wiring: the gateway, front end and driver talk freely
 * among themselves, the daemons among themselves; the gateway side reaches the daemons on the
 * daemon ports and the daemons reach the gateway on its ports; both reach the kernels (in
 * `default`, created by the gateway at run time) and take kernel traffic on those ports; the
 * gateway and daemons use the API server; LoadBalancer Services open the gateway's and front
 * end's ports to everyone.
 */
export function isolation(ctx: NotebookContext, { ns, daemonNs }: Namespaces): void {
    const { name, c, h, child, selector } = ctx;
    const ports = (list: NamedPort[]) => list.map((p) => ({ port: p.port }));
    const kernels: Peer = { namespace: KERNEL_NAMESPACE };
    const publicly = c.serviceType === "LoadBalancer";
    const gatewaySideAllows: Allow[] = [
        { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "gateway, scheduler, front end and workload driver call each other" },
        { name: "gateway", pods: selector(NAMES.gateway), from: [{ namespace: c.daemonNamespace }, kernels, ...(publicly ? [{ anywhere: true } as Peer] : [])], ports: ports(gatewayPorts(c)), reason: "daemons and kernels register with the gateway" + (publicly ? "; its LoadBalancer Service takes clients" : "") },
        ...(publicly ? [{ name: "notebook", pods: selector(NAMES.notebook), from: [{ anywhere: true } as Peer], ports: ports([{ name: "nb-server", port: c.ports.notebook }, ...jupyterPorts(c, "notebook")]), reason: "the Jupyter front end's LoadBalancer Service" }] : []),
        { name: "to-daemons", to: [{ namespace: c.daemonNamespace }], ports: ports(daemonPorts(c)), reason: "the gateway drives the local daemons" },
        { name: "to-kernels", to: [kernels], reason: "the gateway and front end talk to kernel replicas on their per-kernel ports" },
        apiServerAllow(h.network, selector(NAMES.gateway), "the gateway creates kernels (CloneSets) and runs the second kube-scheduler"),
    ];
    isolateNamespace(`${name}-netpol`, { namespace: c.namespace, app: "distributed-notebook", network: h.network, allows: gatewaySideAllows }, child([ns]));
    const daemonAllows: Allow[] = [
        { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "local daemons exchange replica state" },
        { name: "daemons", from: [{ namespace: c.namespace }, kernels], ports: ports(daemonPorts(c)), reason: "the gateway and kernels call the local daemon on the node" },
        { name: "to-gateway", to: [{ namespace: c.namespace }], ports: ports(gatewayPorts(c)), reason: "daemons register with the gateway" },
        { name: "to-kernels", to: [kernels], reason: "daemons drive the kernel replicas on their node" },
        apiServerAllow(h.network, undefined, "the local daemon reads its node's pods"),
    ];
    isolateNamespace(`${name}-daemon-netpol`, { namespace: c.daemonNamespace, app: "distributed-notebook", network: h.network, allows: daemonAllows }, child([daemonNs]));
}

/**
 * The images dial short names (`gateway:8081`, `local-daemon-network`), so each short name
 * resolves in every namespace that uses it, including the kernels' `default`.
 */
export function aliasServices(ctx: NotebookContext, { ns, daemonNs }: Namespaces): pulumi.Resource[] {
    const { name, c, child, labels } = ctx;
    const alias = (service: string, targetNs: string, inNs: string, dependsOn: pulumi.Resource[]) =>
        new k8s.core.v1.Service(
            `${name}-alias-${inNs}-${service}`,
            {
                metadata: { name: service, namespace: inNs, labels: labels(service, "alias") },
                spec: { type: "ExternalName", externalName: `${service}.${targetNs}.svc.cluster.local` },
            },
            child(dependsOn),
        );
    return [
        alias(NAMES.gateway, c.namespace, c.daemonNamespace, [daemonNs]),
        alias(NAMES.gateway, c.namespace, KERNEL_NAMESPACE, []),
        alias(NAMES.localDaemonService, c.daemonNamespace, c.namespace, [ns]),
        alias(NAMES.localDaemonService, c.daemonNamespace, KERNEL_NAMESPACE, []),
        alias(NAMES.daemonService, c.daemonNamespace, c.namespace, [ns]),
        alias(NAMES.daemonService, c.daemonNamespace, KERNEL_NAMESPACE, []),
    ];
}
