/** The two namespaces: the gateway and front end meet Pod Security "restricted"; the local daemons cannot. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podSecurityNamespace } from "../../k8s/namespace";
import type { NotebookContext } from "./context";

export interface Namespaces {
    ns: k8s.core.v1.Namespace;
    daemonNs: k8s.core.v1.Namespace;
    /** The gateway side's namespace name, once the Namespace exists. */
    namespace: pulumi.Output<string>;
    /** The local daemons' namespace name, once the Namespace exists. */
    daemonNamespace: pulumi.Output<string>;
}

export function namespaces(ctx: NotebookContext): Namespaces {
    const { name, c, prod, child } = ctx;
    const ns = podSecurityNamespace(`${name}-ns`, { name: c.namespace, podSecurity: "restricted" }, child());
    const daemonNs = podSecurityNamespace(
        `${name}-daemon-ns`,
        {
            name: c.daemonNamespace,
            podSecurity: "privileged",
            reason:
                "the distributed-notebook local daemon is a kubelet device plugin: it mounts the host path /var/lib/kubelet/device-plugins/ (to register its socket next to kubelet.sock), which only the privileged level allows; nothing else runs here",
        },
        child([], { protect: prod, retainOnDelete: prod }),
    );
    const namespace = ns.metadata.name;
    const daemonNamespace = daemonNs.metadata.name;
    return { ns, daemonNs, namespace, daemonNamespace };
}
