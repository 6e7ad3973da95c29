import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Environment } from "../../../config";
import type { DistributedNotebookConfig } from "../../../config/distributedNotebook";
import { configFiles } from "./configFiles";
import { NotebookHandles, notebookContext } from "./context";
import { localDaemons } from "./daemons";
import { frontEnd } from "./frontEnd";
import { gateway } from "./gateway";
import { namespaces } from "./namespaces";
import { aliasServices, isolation } from "./network";
import { rbac } from "./rbac";
import { scheduler } from "./scheduler";
import { workloadDriver } from "./workloadDriver";

export { NAMES, VIRTUAL_GPU_RESOURCE } from "./names";

export interface DistributedNotebookArgs {
    /** `distributedNotebook` from the validated config. */
    config: DistributedNotebookConfig;
    /** The platform's Kubernetes provider. */
    provider: k8s.Provider;
    /** `prod` protects the local daemons' StatefulSet, namespace and claims. */
    environment: Environment;
    /** What the add-ons hand over: the OpenKruise release, the storage class, the MetalLB pools. */
    handles: NotebookHandles;
}

/**
 * Everything the distributed-notebook (NotebookOS) Helm chart deploys, as typed objects: RBAC with
 * least privilege, the four ConfigMaps, the gateway (gateway, second kube-scheduler, scheduler
 * extender), the local daemons, the Jupyter front end and the optional workload driver. Every
 * child waits on the OpenKruise release (`handles.notebookPrerequisites`): the gateway creates a
 * CloneSet per kernel. Each part is built in its own module of this folder.
 */
export class DistributedNotebook extends pulumi.ComponentResource {
    /** Jupyter front-end URL. */
    readonly notebookUrl: pulumi.Output<string>;
    /** The gateway's Jupyter gRPC address (`host:port`): its in-cluster name (the Service is ClusterIP). */
    readonly gatewayAddress: pulumi.Output<string>;
    /** The Jupyter token (secret). */
    readonly notebookToken: pulumi.Output<string>;

    constructor(name: string, args: DistributedNotebookArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:DistributedNotebook", name, args, opts);
        const ctx = notebookContext(this, name, args);
        const c = args.config;

        // Namespaces, default-deny with the wiring's allows, and aliases for the images' short names.
        const ns = namespaces(ctx);
        isolation(ctx, ns);
        const aliases = aliasServices(ctx, ns);

        // RBAC (replaces upstream's cluster-admin binding), then the config files.
        const access = rbac(ctx, ns);
        const files = configFiles(ctx, ns);

        // The gateway's pod: the gateway, the second kube-scheduler and the scheduler extender.
        const sched = scheduler(ctx, ns);
        const gatewayService = gateway(ctx, ns, files, sched, access);

        // The local daemons on every worker, then the Jupyter front end and the optional workload driver.
        localDaemons(ctx, ns, files, access, aliases);
        const front = frontEnd(ctx, ns, gatewayService, aliases);
        if (c.workloadDriver.enabled) workloadDriver(ctx, ns, gatewayService);

        // With NodePort the Service has no address of its own: the configured URL, or localhost through kind's port mapping.
        this.notebookUrl = c.url
            ? pulumi.output(c.url)
            : c.serviceType === "NodePort"
              ? pulumi.output(`http://localhost:${c.nodePort}/`)
              : address(front.notebookService, c.ports.notebook).apply((a) => `http://${a}/`);
        this.gatewayAddress = address(gatewayService, c.ports.gateway);
        this.notebookToken = pulumi.secret(front.token);

        this.registerOutputs({ notebookUrl: this.notebookUrl, gatewayAddress: this.gatewayAddress, notebookToken: this.notebookToken });
    }
}

/** `host:port` of a Service: its load-balancer address once assigned, else its cluster DNS name. */
function address(svc: k8s.core.v1.Service, port: number): pulumi.Output<string> {
    return pulumi.all([svc.status, svc.metadata]).apply(([status, meta]) => {
        const ingress = status?.loadBalancer?.ingress?.[0];
        const host = ingress?.ip || ingress?.hostname || `${meta.name}.${meta.namespace}.svc.cluster.local`;
        return `${host}:${port}`;
    });
}
