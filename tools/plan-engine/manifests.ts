/**
 * What the plan's artifacts are made of: which resources are raw Kubernetes objects and where
 * each is written (`manifests/...`), which are Helm releases and what `helm/...` records of them.
 * Every artifact is written by `toYaml` (components/k8s/yaml.ts).
 */
import { shortType } from "./graph";
import type { HelmRecord, Manifest, PlanResource } from "./types";

const CLUSTER_SCOPED = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "IngressClass",
    "RuntimeClass",
    "PriorityClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "APIService",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "MutatingAdmissionPolicy",
    "MutatingAdmissionPolicyBinding",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "VolumeAttachment",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterIssuer",
]);

/** Whether a built-in kind (or cert-manager's ClusterIssuer) is cluster-scoped. Custom kinds: see their CRD's `spec.scope`. */
export function isClusterScoped(kind: string): boolean {
    return CLUSTER_SCOPED.has(kind);
}

/** A raw Kubernetes object the program creates (not a Helm release, not a provider). */
export function isManifest(r: PlanResource): boolean {
    return r.custom && r.type.startsWith("kubernetes:") && !r.type.startsWith("kubernetes:helm.sh/") && !r.type.startsWith("kubernetes:yaml");
}

export function manifestPath(r: PlanResource): string {
    const m = r.inputs as Manifest;
    const kind = m.kind ?? shortType(r.type);
    const ns = m.metadata?.namespace ?? (CLUSTER_SCOPED.has(kind) ? "_cluster" : "default");
    return `manifests/${ns}/${kind}-${m.metadata?.name ?? r.name}.yaml`;
}

/** Helm releases, including those wrapped by a remote component (cert-manager). */
export function helmRecord(r: PlanResource): HelmRecord | undefined {
    const i = (r.inputs ?? {}) as Record<string, unknown>;
    if (r.type === "kubernetes:helm.sh/v3:Release") {
        const repo = (i.repositoryOpts ?? {}) as Record<string, unknown>;
        return {
            name: String(i.name ?? r.name),
            namespace: String(i.namespace ?? "default"),
            chart: String(i.chart),
            version: String(i.version ?? ""),
            repository: String(repo.repo ?? ""),
            values: (i.values ?? {}) as Record<string, unknown>,
        };
    }
    if (r.type === "kubernetes-cert-manager:index:CertManager") {
        const { helmOptions, ...values } = i as { helmOptions?: Record<string, unknown> };
        const h = helmOptions ?? {};
        const repo = (h.repositoryOpts ?? {}) as Record<string, unknown>;
        return {
            name: String(h.name ?? r.name),
            namespace: String(h.namespace ?? "default"),
            chart: String(h.chart ?? "cert-manager"),
            version: String(h.version ?? ""),
            repository: String(repo.repo ?? "https://charts.jetstack.io"),
            values,
        };
    }
    return undefined;
}

export function helmPath(h: HelmRecord): string {
    return `helm/${h.namespace}-${h.name}.yaml`;
}

