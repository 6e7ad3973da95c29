/** Finding the pod templates inside workload objects, typed or custom (OpenKruise CloneSet). */
import { GuardResource, isKubernetesObject, kindOf } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Kinds whose `spec.template` is a pod template. */
const TEMPLATE_KINDS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job", "CloneSet", "Rollout"]);

export interface PodTemplate {
    /** Labels of the pods (for Service selectors). */
    labels: Record<string, string>;
    annotations: Record<string, string>;
    /** The PodSpec. */
    spec: any;
}

/** The pod template a workload writes, or `undefined` if the object is not a workload. */
export function podTemplate(r: GuardResource): PodTemplate | undefined {
    if (!isKubernetesObject(r)) return undefined;
    const kind = kindOf(r);
    const p = r.props ?? {};
    let t: any;
    if (kind === "Pod") t = { metadata: p.metadata, spec: p.spec };
    else if (kind === "CronJob") t = p.spec?.jobTemplate?.spec?.template;
    else if (TEMPLATE_KINDS.has(kind)) t = p.spec?.template;
    if (!t || typeof t !== "object") return undefined;
    return { labels: t.metadata?.labels ?? {}, annotations: t.metadata?.annotations ?? {}, spec: t.spec ?? {} };
}

export interface Container {
    /** `containers`, `initContainers` or `ephemeralContainers`. */
    group: string;
    c: any;
}

export function allContainers(spec: any): Container[] {
    const out: Container[] = [];
    for (const group of ["initContainers", "containers", "ephemeralContainers"]) {
        for (const c of Array.isArray(spec?.[group]) ? spec[group] : []) out.push({ group, c: c ?? {} });
    }
    return out;
}

export function containerLabel(x: Container): string {
    return `${x.group === "containers" ? "container" : x.group.replace(/s$/, "")} "${x.c.name ?? "?"}"`;
}

/** Whether a sidecar-style init container (restartPolicy Always) runs for the pod's lifetime. */
export function isSidecar(x: Container): boolean {
    return x.group === "initContainers" && x.c.restartPolicy === "Always";
}
