/** The ports of the gateway, the local daemons and the front end, with upstream's names. */
import * as k8s from "@pulumi/kubernetes";
import { DistributedNotebookConfig, resourcePortCount } from "../../../config/distributedNotebook";

import Input = k8s.types.input.core.v1;

export interface NamedPort {
    name: string;
    port: number;
}

/** The Jupyter ports with upstream's names: `tcp` (kernel registry), the kernel sockets and the ACK port. */
export function jupyterPorts(c: DistributedNotebookConfig, style: "gateway" | "daemon" | "notebook"): NamedPort[] {
    const p = c.ports;
    const suffix = style === "gateway" ? "-port" : "";
    return [
        { name: "tcp", port: p.kernelRegistry },
        { name: `hb${suffix}`, port: p.hb },
        { name: `control${suffix}`, port: p.control },
        { name: `shell${suffix}`, port: p.shell },
        { name: `stdin${suffix}`, port: p.stdin },
        { name: style === "gateway" ? "iopub-port1" : "iopub1", port: p.iopub1 },
        { name: style === "gateway" ? "iopub-port2" : "iopub2", port: p.iopub2 },
        { name: style === "gateway" ? "ack-port" : "ack", port: p.ack },
    ];
}

export function resourcePorts(c: DistributedNotebookConfig): NamedPort[] {
    return Array.from({ length: resourcePortCount(c.gpusPerNode) }, (_, i) => ({ name: `res-port-${i}`, port: c.ports.startingResource + i }));
}

/** Ports of the gateway container and the `gateway` Service (upstream's list). */
export function gatewayPorts(c: DistributedNotebookConfig): NamedPort[] {
    return [
        { name: "dst-clstr-srvc", port: c.ports.distributedClusterService },
        { name: "jupyter", port: c.ports.gateway },
        { name: "provisioner", port: c.ports.provisioner },
        ...jupyterPorts(c, "gateway"),
        ...resourcePorts(c),
    ];
}

/** Ports of a local daemon and of both daemon Services (upstream left ACK out of `daemon-network`; it is added here). */
export function daemonPorts(c: DistributedNotebookConfig): NamedPort[] {
    return [...jupyterPorts(c, "daemon"), ...resourcePorts(c)];
}

export const containerPorts = (ports: NamedPort[]): Input.ContainerPort[] => ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: "TCP" }));
export const servicePorts = (ports: NamedPort[]): Input.ServicePort[] => ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port, protocol: "TCP" }));
