/** Isolation of both namespaces, and the alias Services that let the images' short names resolve everywhere. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KERNEL_NAMESPACE } from "../../../config/distributedNotebook";
import { Allow, Peer, PortSpec, apiServerAllow, isolateNamespace } from "../../k8s/networkPolicy";
import type { NotebookContext } from "./context";
import { NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { NamedPort, daemonServicePorts, ephemeralPorts, routerPorts } from "./ports";

/** The label key every kernel replica pod carries (`kernel: kernel-<id>`, gateway/daemon/kube_client.go:1090-1114); no value is common to all. */
const KERNEL_LABEL_KEY = "kernel";

/**
 * Isolation of both namespaces, from the flows the programs really make (contracts/distributedNotebook.ts):
 * the gateway, front end and driver talk among themselves; each local daemon dials the gateway's
 * provisioner port; the gateway dials the daemons' router sockets and their per-kernel IOPub
 * forwarders (ephemeral ports); kernels (pods with the label key `kernel` in `default`) dial their
 * daemon's registry and gRPC ports, and the daemon dials the kernels' sockets; the gateway and
 * daemons use the API server; a LoadBalancer Service opens the Jupyter port, and only it, to everyone.
 * Daemons do not talk to each other, and nothing in `default` but kernels reaches the daemons.
 */
export function isolation(ctx: NotebookContext, { ns, daemonNs }: Namespaces): void {
    const { name, c, h, child, selector } = ctx;
    const ports = (list: NamedPort[]): PortSpec[] => list.map((p) => ({ port: p.port }));
    const kernels: Peer = { podsWithLabel: KERNEL_LABEL_KEY, namespace: KERNEL_NAMESPACE };
    const gatewayPods: Peer = { pods: selector(NAMES.gateway), namespace: c.namespace };
    const daemonPods: Peer = { pods: selector(NAMES.localDaemon), namespace: c.daemonNamespace };
    const provisioner = ports([{ name: "provisioner", port: c.ports.provisioner }]);
    // The gateway dials each daemon's router sockets and its per-kernel IOPub forwarder, a PUB socket bound on port 0.
    const gatewayToDaemon = [...ports(routerPorts(c, "daemon")), ephemeralPorts];
    const gatewaySideAllows: Allow[] = [
        { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "gateway, scheduler, front end and workload driver call each other (the front end also dials the gateway's per-kernel sockets)" },
        { name: "gateway", pods: selector(NAMES.gateway), from: [daemonPods], ports: provisioner, reason: "each local daemon dials the gateway's provisioner port, and the gateway runs its calls to the daemon over that connection" },
        ...(c.serviceType === "LoadBalancer" || c.serviceType === "NodePort"
            ? [{ name: "notebook", pods: selector(NAMES.notebook), from: [{ anywhere: true } as Peer], ports: ports([{ name: "nb-server", port: c.ports.notebook }]), reason: `users reach the Jupyter server through its ${c.serviceType} Service` }]
            : []),
        { name: "to-daemons", pods: selector(NAMES.gateway), to: [daemonPods], ports: gatewayToDaemon, reason: "the gateway dials the local daemons' router sockets and their per-kernel IOPub forwarders (ephemeral ports)" },
        apiServerAllow(h.network, selector(NAMES.gateway), "the gateway creates kernels (CloneSets) and runs the second kube-scheduler"),
    ];
    isolateNamespace(`${name}-netpol`, { namespace: c.namespace, app: "distributed-notebook", network: h.network, allows: gatewaySideAllows }, child([ns]));
    const daemonAllows: Allow[] = [
        { name: "from-gateway", from: [gatewayPods], ports: gatewayToDaemon, reason: "the gateway dials the router sockets and per-kernel IOPub forwarders (ephemeral ports)" },
        { name: "from-kernels", from: [kernels], ports: ports(daemonServicePorts(c)), reason: "kernel replicas register with the daemon on their node and open a gRPC channel to it" },
        { name: "to-gateway", to: [gatewayPods], ports: provisioner, reason: "daemons register with the gateway on its provisioner port" },
        {
            name: "to-kernels",
            to: [kernels],
            ports: ports([c.ports.hb, c.ports.control, c.ports.shell, c.ports.stdin, c.ports.iopub1].map((port) => ({ name: String(port), port }))),
            reason: "daemons dial the kernel replicas' sockets (heartbeat, control, shell, stdin, IOPub)",
        },
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
