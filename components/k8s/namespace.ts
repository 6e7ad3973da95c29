import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels } from "./labels";

export type PodSecurityLevel = "restricted" | "baseline" | "privileged";

/** Annotation that records why a namespace needs a level weaker than "restricted". */
export const POD_SECURITY_REASON_ANNOTATION = "research-platform.io/pod-security-reason";

export interface NamespaceArgs {
    /** Namespace name. */
    name: string;
    /** The Pod Security level enforced (and warned and audited) on the namespace. */
    podSecurity: PodSecurityLevel;
    /** Required for `baseline` and `privileged`: which workload needs it and why. */
    reason?: string;
    /** Extra labels (e.g. for NetworkPolicy namespace selectors). */
    labels?: Record<string, string>;
    /** Extra annotations (e.g. a documented policy exception). */
    annotations?: Record<string, string>;
}

/**
 * A Namespace labelled with the Pod Security level it needs (`enforce`, `warn` and `audit`, all
 * at `latest`). A level weaker than "restricted" must say why: the reason is kept on the object.
 */
export function podSecurityNamespace(resourceName: string, args: NamespaceArgs, opts: pulumi.CustomResourceOptions): k8s.core.v1.Namespace {
    if (args.podSecurity !== "restricted" && !args.reason) {
        throw new Error(`namespace ${args.name}: Pod Security level "${args.podSecurity}" needs a reason`);
    }
    return new k8s.core.v1.Namespace(
        resourceName,
        {
            metadata: {
                name: args.name,
                labels: {
                    ...appLabels(args.name),
                    ...args.labels,
                    "kubernetes.io/metadata.name": args.name,
                    "pod-security.kubernetes.io/enforce": args.podSecurity,
                    "pod-security.kubernetes.io/enforce-version": "latest",
                    "pod-security.kubernetes.io/warn": args.podSecurity,
                    "pod-security.kubernetes.io/warn-version": "latest",
                    "pod-security.kubernetes.io/audit": args.podSecurity,
                    "pod-security.kubernetes.io/audit-version": "latest",
                },
                annotations: args.reason || args.annotations ? { ...args.annotations, ...(args.reason ? { [POD_SECURITY_REASON_ANNOTATION]: args.reason } : {}) } : undefined,
            },
        },
        opts,
    );
}
