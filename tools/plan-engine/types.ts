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
    /** The Helm releases rendered by Helm (`renderCharts`), once the plan has rendered them. */
    charts?: ChartRendering;
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

/** One object a chart renders, as `helm/<release>/...` records it. */
export interface ChartObject {
    /** The release's key, `<namespace>/<name>`. */
    release: string;
    /** Artifact path, e.g. `helm/jupyterhub-jupyterhub/jupyterhub/Deployment-hub.yaml` (hooks under `.../hooks/`). */
    path: string;
    /** The template it came from (Helm's `# Source:`), e.g. `jupyterhub/templates/hub/deployment.yaml`. */
    source: string;
    /** The `helm.sh/hook` annotation of a hook object (Helm runs it around install/upgrade). */
    hook?: string;
    /**
     * The object as the cluster would get it, for the checks: `metadata.namespace` filled in as
     * Helm does, a secret value the program passed shown by a placeholder, generated random parts
     * replaced (see `chartNormalize.ts`). Never holds a real secret.
     */
    object: Manifest;
    /** The artifact's text: Secret data and every secret the program passed shown as "[secret]". */
    text: string;
}

/** How one Helm release was rendered, or why it was not. */
export interface ReleaseRendering {
    /** `<namespace>/<name>`. */
    key: string;
    /** URN of the release resource (a `helm.v3.Release`, or the cert-manager component). */
    urn: string;
    record: HelmRecord;
    /** `rendered`; `failed` (Helm refused: a `fail`/`required`, a template or schema error); `unrendered` (no Helm or no chart). */
    status: "rendered" | "failed" | "unrendered";
    /** Why it failed (Helm's message) or was not rendered. */
    reason?: string;
    /** Helm's warnings about values it dropped while rendering, e.g. `cannot overwrite table with non table for kruise.manager.resources (...)`. */
    warnings: string[];
    /** String values the program sets that reach no rendered object: values the chart may ignore (path, value). */
    unreached: [string, string][];
    /** The render's cache key (what the output depends on); results derived from the objects may be cached under it. */
    cacheKey?: string;
    /** Where the chart came from. */
    chartDir?: string;
    objects: ChartObject[];
    /** Answered from the render cache. */
    cached: boolean;
    /** Values paths the program passed as secrets (rendered with placeholders). */
    secretPaths: string[];
}

export interface ChartRendering {
    /** The Helm used, e.g. `v3.20.2 (cache: ~/.cache/...)`; undefined when there is none. */
    helm?: string;
    kubeVersion: string;
    /** Where the Kubernetes version came from (config key, kind/cluster.yaml, default). */
    kubeVersionFrom: string;
    /** `--api-versions` given to Helm: the API versions of the CRDs the platform's charts install. */
    apiVersions: string[];
    /**
     * Whether rendering was expected here (a Helm or chart sources were found): then an
     * unrendered release is a mandatory finding; otherwise (a clone with neither) an advisory note.
     */
    expected: boolean;
    releases: ReleaseRendering[];
    /** Seconds the rendering took (wall clock). */
    seconds: number;
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

/** Runs `fn`, an export of the compiled module `file` (an absolute `.js` path), with `args` on the plan's worker thread (`planWorker.ts`); the result is plain data. */
export type OffThreadCall = <T>(file: string, fn: string, args: readonly unknown[]) => Promise<T>;

/** A check over a plan (the guardrails): a plain function of the plan, reported in summary.md. */
export interface PlanCheck {
    name: string;
    run(plan: Plan): Finding[];
    /** The check reads the rendered artifacts (so it runs once their YAML is ready). */
    readsArtifacts?: boolean;
    /**
     * The same findings as `run(plan)`, with the check's heavy part done on the plan's worker
     * thread (`planWorker.ts`) while the main thread runs the other checks; used by the offline
     * plan. It falls back to doing the work itself when the worker cannot.
     */
    runOffThread?(plan: Plan, call: OffThreadCall): Promise<Finding[]>;
}
