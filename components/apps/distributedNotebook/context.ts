/**
 * What every part of one DistributedNotebook shares: its config, the add-ons' handles, and how a
 * child resource is named, labelled and made to wait for the add-ons.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DistributedNotebookConfig } from "../../../config/distributedNotebook";
import type { ClusterHandles } from "../../cluster/handles";
import { appLabels } from "../../k8s/labels";

import Input = k8s.types.input.core.v1;

/** What the add-ons hand over: the OpenKruise release, the storage class, the MetalLB pools. */
export type NotebookHandles = Pick<ClusterHandles, "notebookPrerequisites" | "storageClassName" | "storageReady" | "loadBalancerReady" | "network">;

export interface NotebookContext {
    /** The component's name: every child's name starts with it. */
    name: string;
    /** `distributedNotebook` from the validated config. */
    c: DistributedNotebookConfig;
    h: NotebookHandles;
    /** `prod` protects the local daemons' StatefulSet, namespace and claims. */
    prod: boolean;
    /** The component itself, for children that take no provider. */
    parent: pulumi.ComponentResource;
    /** What every child waits on: the OpenKruise release (`handles.notebookPrerequisites`). */
    base: pulumi.Resource[];
    /** The MetalLB pools, when the Jupyter Service is a LoadBalancer (else nothing to wait for). */
    lbReady: pulumi.Resource[];
    /** Options of a child: the component as parent, the platform's provider, `dependsOn` the base and `dependsOn`. */
    child(dependsOn?: pulumi.Resource[], extra?: pulumi.CustomResourceOptions): pulumi.CustomResourceOptions;
    /** The labels of an object of `app` in the role `component`. */
    labels(app: string, component: string): Record<string, string>;
    /** The selector of the pods of `app`. */
    selector(app: string): Record<string, string>;
}

export function notebookContext(parent: pulumi.ComponentResource, name: string, args: { config: DistributedNotebookConfig; provider: k8s.Provider; environment: string; handles: NotebookHandles }): NotebookContext {
    const c = args.config;
    const h = args.handles;
    const base = [...h.notebookPrerequisites];
    return {
        name,
        c,
        h,
        prod: args.environment === "prod",
        parent,
        base,
        lbReady: c.serviceType === "LoadBalancer" ? h.loadBalancerReady : [],
        child: (dependsOn: pulumi.Resource[] = [], extra: pulumi.CustomResourceOptions = {}): pulumi.CustomResourceOptions => ({
            parent,
            provider: args.provider,
            ...extra,
            dependsOn: [...base, ...dependsOn],
        }),
        labels: (app: string, component: string) => ({ ...appLabels("distributed-notebook", { component, instance: name }), app }),
        selector: (app: string) => ({ app, "app.kubernetes.io/instance": name }),
    };
}

export const pullPolicy = (ref: string): string => (/:latest$/.test(ref) ? "Always" : "IfNotPresent");
export const fieldEnv = (name: string, fieldPath: string): Input.EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });
export const tmp = (mountPath = "/tmp"): Input.VolumeMount => ({ name: "tmp", mountPath });
