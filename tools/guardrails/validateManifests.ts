/**
 * Offline schema validation of every raw Kubernetes object the program creates: built-in kinds
 * against the Kubernetes OpenAPI schema (`kubernetes-models`), custom resources against their
 * CRD's `openAPIV3Schema` when the CRD is in the reference folder. Unknown fields in a custom
 * resource are errors (the API server would prune them silently).
 */
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { isManifest, manifestPath } from "../plan-engine/manifests";
import { fromWire, splitApiVersion } from "../plan-engine/mockRuntime";
import type { Finding, Plan, PlanCheck } from "../plan-engine/types";
import { chartObjects } from "../plan-engine/helmRender";
import { applyChartExceptions } from "./chartExceptions";
import { chartGuardResources, chartOfObject } from "./chartRender";
import { CrdSchema, ReferenceDirs, referenceCrd, referenceDirs, skipMessage } from "./reference";
import { cachedResult, cachedValidator } from "./referenceCache";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const MODELS_VERSION: string = require("kubernetes-models/package.json").version;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AJV_VERSION: string = require("ajv/package.json").version;

/* eslint-disable @typescript-eslint/no-explicit-any */

export type ManifestResult = { status: "valid" } | { status: "invalid"; errors: string[] } | { status: "no-schema"; reason: string };

function builtinModel(group: string, version: string, kind: string): (new (data: unknown) => { validate(): void }) | undefined {
    if (!/^[a-z0-9.]*$/.test(group) || !/^v[0-9a-z]+$/.test(version) || !/^[A-Za-z]+$/.test(kind)) return undefined;
    try {
        // The kind's own module, not the group version's index: that would load every model of the group.
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(`kubernetes-models/${group ? `${group}/` : ""}${version}/${kind}`);
        return mod[kind];
    } catch {
        return undefined;
    }
}

function formatErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
    return [...new Set((errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.keyword === "additionalProperties" ? `: ${String((e.params as any).additionalProperty)}` : ""}${e.keyword === "enum" ? ` (${(e.params as any).allowedValues?.join(", ")})` : ""}`))];
}

/** Forbid unknown fields wherever the structural schema lists its properties and does not preserve unknown fields. */
function strict(schema: any): any {
    if (Array.isArray(schema)) return schema.map(strict);
    if (!schema || typeof schema !== "object") return schema;
    const out: any = {};
    for (const [k, v] of Object.entries(schema)) out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, strict(s)])) : strict(v);
    if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) out.additionalProperties = false;
    return out;
}

const crdValidators = new Map<string, ValidateFunction>();

function crdValidator(key: string, schema: Record<string, unknown>): ValidateFunction {
    let v = crdValidators.get(key);
    if (!v) {
        // `optimize: false`: each validator runs once per plan, and ajv's optimising pass was a third of compiling it.
        v = cachedValidator(strict(schema), "crd draft-07 no-formats unoptimized", () => {
            const ajv = new Ajv({ strict: false, allErrors: true, logger: false, validateFormats: false, code: { source: true, optimize: false } });
            addFormats(ajv);
            return ajv;
        });
        crdValidators.set(key, v);
    }
    return v;
}

/** Validate one Kubernetes object (plain values, secrets revealed). `crds` adds CRD schemas to the reference folder's (the plan's rendered CRDs). */
export function validateManifest(obj: any, dirs: ReferenceDirs = referenceDirs(), crds?: ReadonlyMap<string, CrdSchema>): ManifestResult {
    const apiVersion = obj?.apiVersion;
    const kind = obj?.kind;
    if (typeof apiVersion !== "string" || typeof kind !== "string") return { status: "invalid", errors: ["apiVersion and kind are required"] };
    const { group, version } = splitApiVersion(apiVersion);
    const Model = builtinModel(group, version, kind);
    if (Model) {
        try {
            new Model(obj).validate();
            return { status: "valid" };
        } catch (e) {
            const errors = (e as { errors?: ErrorObject[] }).errors;
            return { status: "invalid", errors: errors ? formatErrors(errors) : [(e as Error).message] };
        }
    }
    const rendered = crds?.get(`${group}/${version}/${kind}`);
    if (!rendered && !dirs.exists) return { status: "no-schema", reason: skipMessage(dirs, `schema of ${apiVersion} ${kind}`) };
    const crd = rendered ?? referenceCrd(dirs, group, version, kind);
    if (!crd) return { status: "no-schema", reason: `no schema for ${apiVersion} ${kind}: not a kind known to kubernetes-models, no CRD for it among the charts' rendered objects or under ${dirs.root}` };
    const validate = crdValidator(`${rendered ? "rendered" : dirs.root}|${group}/${version}/${kind}|${crd.file}`, crd.schema);
    return validate(obj) ? { status: "valid" } : { status: "invalid", errors: formatErrors(validate.errors).map((e) => `${e} (CRD ${crd.file})`) };
}

/** Revealed inputs by URN (validation needs real types; messages never print values). */
const revealedOf = new WeakMap<Plan, Map<string, unknown>>();

/** Every resource's inputs with secrets revealed, by URN (computed once per plan; the checks share it). */
export function revealedInputs(plan: Plan): Map<string, unknown> {
    let m = revealedOf.get(plan);
    if (!m) {
        m = new Map(plan.registrations.map((r) => [r.urn, fromWire(r.wireInputs, true)]));
        revealedOf.set(plan, m);
    }
    return m;
}

/** The schemas of the CRDs the plan's charts render (`<group>/<version>/<Kind>`): what the cluster will validate its custom resources against. */
export function renderedCrds(plan: Plan): Map<string, CrdSchema> {
    const out = new Map<string, CrdSchema>();
    for (const o of chartObjects(plan)) {
        const crd = o.object as any;
        if (crd.kind !== "CustomResourceDefinition") continue;
        for (const v of crd.spec?.versions ?? []) {
            const schema = v?.schema?.openAPIV3Schema;
            if (schema) out.set(`${crd.spec.group}/${v.name}/${crd.spec.names?.kind}`, { file: o.path, schema });
        }
    }
    return out;
}

export function manifestFindings(plan: Plan, dirs: ReferenceDirs = referenceDirs()): Finding[] {
    const revealed = revealedInputs(plan);
    const crds = renderedCrds(plan);
    const out: Finding[] = [];
    const add = (subject: string, res: ManifestResult) => {
        if (res.status === "invalid") out.push({ level: "mandatory", rule: "manifest-schema", subject, message: res.errors.join("; ") });
        else if (res.status === "no-schema") out.push({ level: "advisory", rule: "manifest-schema", subject, message: res.reason });
    };
    for (const r of plan.resources) if (isManifest(r)) add(manifestPath(r), validateManifest(revealed.get(r.urn) ?? r.inputs, dirs, crds));
    // The objects the charts render, as the cluster would get them (secrets the program passed are
    // placeholders there). Their results are cached by the render's key: a warm re-plan loads no
    // kubernetes-models module for the kinds only charts use.
    const releases = plan.charts?.releases ?? [];
    const allRenders = releases.map((r) => r.cacheKey ?? "").sort().join(",");
    for (const r of releases) {
        const validate = () => Object.fromEntries(r.objects.map((o) => [o.path, validateManifest(o.object, dirs, crds)]));
        const results = r.cacheKey ? cachedResult("helm-checks", [r.cacheKey, MODELS_VERSION, AJV_VERSION, allRenders, dirs.root], validate) : validate();
        for (const o of r.objects) add(o.path, results[o.path] ?? validateManifest(o.object, dirs, crds));
    }
    return applyChartExceptions(out, chartGuardResources(plan).byUrn, chartOfObject(plan));
}

export const manifestSchemaCheck: PlanCheck = { name: "manifest-schema", run: (plan) => manifestFindings(plan) };
