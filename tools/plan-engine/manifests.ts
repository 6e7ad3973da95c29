/**
 * What the plan's artifacts are made of: which resources are raw Kubernetes objects and where
 * each is written (`manifests/...`), which are Helm releases and what `helm/...` records of them,
 * and the one YAML style every artifact is written in (`artifactYaml`).
 */
import { DEFAULT_SCHEMA, Type, dump } from "js-yaml";
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

/**
 * Numbers with underscores (`1_000`, `0x_0A`, `685.230_15e+03`), which YAML 1.1 readers take for
 * numbers and js-yaml's schema does not: any such string is quoted (quoting more than needed is
 * harmless).
 */
const YAML_1_1_NUMBER = new Type("tag:research-platform.io,2026:yaml-1.1-number", {
    kind: "scalar",
    resolve: (s: unknown) => typeof s === "string" && s.includes("_") && /[0-9]/.test(s) && /^[-+]?[0-9._][0-9a-fA-FxXoObB_.:eE+-]*$/.test(s),
    construct: (s: string) => s,
});
const ARTIFACT_SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [YAML_1_1_NUMBER] });

/**
 * How every artifact is written as YAML (also by the plan's worker, which must produce the same
 * bytes): by js-yaml, which at a thousand manifests is about four times faster than the `yaml`
 * library; that one writes the program's own config files (components/k8s/yaml.ts), whose bytes
 * are deployed and so stay as they are. Like that writer, it quotes every string a YAML 1.1
 * reader (kubectl, Helm, PyYAML) would take for something else: what js-yaml's schema resolves
 * (dates, `<<`, octal and hexadecimal numbers), the YAML 1.1 booleans (`yes`, `no`, `on`, `y`...)
 * and sexagesimal numbers (its compatibility mode), and numbers with underscores. No line
 * folding, no anchors; undefined is treated as JSON treats it (a key left out, null in a list).
 */
export function artifactYaml(doc: unknown): string {
    return dump(doc, { schema: ARTIFACT_SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', skipInvalid: true });
}
