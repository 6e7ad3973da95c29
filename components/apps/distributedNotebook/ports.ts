/**
 * The ports the gateway, the local daemons and the front end really listen on (read at ds2-lab/NotebookOS
 * 8862fac; see contracts/distributedNotebook.ts), with upstream's names.
 */
import * as k8s from "@pulumi/kubernetes";
import { DistributedNotebookConfig, EPHEMERAL_PORTS } from "../../../config/distributedNotebook";
import type { PortSpec } from "../../k8s/networkPolicy";

import Input = k8s.types.input.core.v1;

export interface NamedPort {
    name: string;
    port: number;
}

/**
 * The router sockets (heartbeat, control, shell, stdin) the gateway and every local daemon bind on
 * the configured ports (common/jupyter/router/router.go:77-80). The IOPub and ACK ports of daemon.yml
 * are bound by neither: they are the kernels' own ports.
 */
export function routerPorts(c: DistributedNotebookConfig, style: "gateway" | "daemon"): NamedPort[] {
    const p = c.ports;
    const suffix = style === "gateway" ? "-port" : "";
    return [
        { name: `hb${suffix}`, port: p.hb },
        { name: `control${suffix}`, port: p.control },
        { name: `shell${suffix}`, port: p.shell },
        { name: `stdin${suffix}`, port: p.stdin },
    ];
}

/** The gateway's Jupyter gRPC port and its provisioner port: what clients dial through the `gateway` Service. */
export function gatewayServicePorts(c: DistributedNotebookConfig): NamedPort[] {
    return [
        { name: "jupyter", port: c.ports.gateway },
        { name: "provisioner", port: c.ports.provisioner },
    ];
}

/**
 * Ports of the gateway container: the Jupyter gRPC, provisioner and distributed-cluster listeners
 * (gateway/daemon/driver_utiliy.go:114,135,142) and the router sockets. Its per-kernel sockets are
 * ephemeral, and its scheduler HTTP and Prometheus ports serve only the pod itself.
 */
export function gatewayPorts(c: DistributedNotebookConfig): NamedPort[] {
    return [{ name: "dst-clstr-srvc", port: c.ports.distributedClusterService }, ...gatewayServicePorts(c), ...routerPorts(c, "gateway")];
}

/**
 * The local daemon's kernel registry (local_daemon.go:2816-2830) and gRPC port (`port`, local_daemon.go:992-1006,
 * the kernels' KernelErrorReporter channel): what kernels dial through `local-daemon-network`.
 */
export function daemonServicePorts(c: DistributedNotebookConfig): NamedPort[] {
    return [
        { name: "tcp", port: c.ports.kernelRegistry },
        { name: "grpc", port: c.ports.localDaemon },
    ];
}

/** Ports of a local daemon container: its Service ports and its router sockets. */
export function daemonPorts(c: DistributedNotebookConfig): NamedPort[] {
    return [...daemonServicePorts(c), ...routerPorts(c, "daemon")];
}

/** The range of ports bound on port 0 (per-kernel ZeroMQ sockets), as a NetworkPolicy port. */
export const ephemeralPorts: PortSpec = { port: EPHEMERAL_PORTS.from, endPort: EPHEMERAL_PORTS.to };

export const containerPorts = (ports: NamedPort[]): Input.ContainerPort[] => ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" }));
export const servicePorts = (ports: NamedPort[]): Input.ServicePort[] => ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" }));
