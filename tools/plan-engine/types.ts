/**
 * The shapes the plan engine and the guardrails share: what the program registered, the plan made
 * of it, the artifacts' records, and the checks' findings. Types only: this module imports nothing.
 */

/** One resource as the program registered it. */
export interface Registration {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    /** URNs the SDK sent to the engine as this resource's dependencies, sorted. */
    dependsOn: string[];
    provider: string | null;
    custom: boolean;
    protect: boolean;
    retainOnDelete: boolean;
    /** Inputs in the SDK's wire form: secrets are `{ <sigkey>: SECRET_SIG, value }` markers. */
    wireInputs: unknown;
}

/** One resource in `resources.json`: a registration with its inputs redacted (secrets as "[secret]"). */
export type PlanResource = Omit<Registration, "wireInputs"> & { inputs: unknown };

export interface Plan {
    project: string;
    stack: string;
    /** Sorted by URN, inputs redacted: exactly what `resources.json` holds. */
    resources: PlanResource[];
    /** Stack outputs, secrets redacted. */
    outputs: Record<string, unknown>;
    /** The raw registrations (wire form, secrets marked, not redacted): for tests only. */
    registrations: Registration[];
    /** Stack outputs unredacted, with their secretness: for tests only. */
    rawOutputs: Record<string, { value: unknown; secret: boolean }>;
}

/** A raw Kubernetes object's inputs, as far as the artifacts and checks read them. */
export interface Manifest {
    apiVersion?: string;
    kind?: string;
    metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    [key: string]: unknown;
}

/** A Helm release as `helm/<namespace>-<release>.yaml` records it. */
export interface HelmRecord {
    name: string;
    namespace: string;
    chart: string;
    version: string;
    repository: string;
    values: Record<string, unknown>;
}

/** A policy or validation finding shown in summary.md. */
export interface Finding {
    /** `mandatory` findings fail `plan --strict`. */
    level: "mandatory" | "advisory";
    rule: string;
    /** URN or file the finding is about. */
    subject: string;
    message: string;
}

/** A check over a plan (the guardrails): a plain function of the plan, reported in summary.md. */
export interface PlanCheck {
    name: string;
    run(plan: Plan): Finding[];
    /** The check reads the rendered artifacts (so it runs once their YAML is ready). */
    readsArtifacts?: boolean;
}
