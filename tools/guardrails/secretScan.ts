/**
 * Secret-value scan of the plan: every value the program handles as a secret (Pulumi secret
 * markers in the registrations, and the secret outputs of the `@pulumi/random` resources it
 * creates) must appear in no plan artifact, neither raw nor base64-encoded, and nowhere in a
 * resource's inputs outside a secret marker.
 */
import { createHash } from "node:crypto";
import { fakeState, fromWire, isSecretMarker } from "../plan-engine/mockRuntime";
import { renderPlan } from "../plan-engine/render";
import type { Finding, Plan, PlanCheck } from "../plan-engine/types";

/** Values shorter than this are not scanned for (too likely to occur by chance, e.g. "true"). */
export const MIN_SECRET_LENGTH = 8;

/** Secret outputs of the random resources (the engine marks them secret). */
const RANDOM_SECRET_OUTPUTS: Record<string, string[]> = {
    "random:index/randomPassword:RandomPassword": ["result", "bcryptHash"],
    "random:index/randomBytes:RandomBytes": ["base64", "hex"],
};

/**
 * Whether a value marked secret is worth scanning for: long enough and not a plain word (a
 * component may mark a whole object secret, user names included).
 */
function distinctive(v: string): boolean {
    return v.length >= 20 || (/[A-Za-z]/.test(v) && /[^A-Za-z]/.test(v));
}

function collect(v: unknown, out: Set<string>, all = true): void {
    if (typeof v === "string") {
        if (v.length >= MIN_SECRET_LENGTH && (all || distinctive(v))) out.add(v);
    } else if (Array.isArray(v)) for (const x of v) collect(x, out, all);
    else if (v && typeof v === "object") for (const x of Object.values(v)) collect(x, out, all);
}

function markedValues(wire: unknown, out: Set<string>): void {
    if (isSecretMarker(wire)) collect(fromWire(wire.value, true), out, false);
    else if (Array.isArray(wire)) for (const x of wire) markedValues(x, out);
    else if (wire && typeof wire === "object") for (const x of Object.values(wire)) markedValues(x, out);
}

/** Every secret value of a plan (plus `extra`, e.g. the user-supplied secrets given to the run). */
export function secretValues(plan: Plan, extra: readonly string[] = []): Set<string> {
    const out = new Set<string>();
    for (const r of plan.registrations) {
        markedValues(r.wireInputs, out);
        const fields = RANDOM_SECRET_OUTPUTS[r.type];
        if (fields) {
            const state = fakeState(r.type, r.name, fromWire(r.wireInputs, true) as Record<string, unknown>);
            for (const f of fields) collect(state[f], out);
        }
    }
    for (const o of Object.values(plan.rawOutputs)) if (o.secret) collect(o.value, out);
    for (const e of extra) collect(e, out);
    return out;
}

export interface Leak {
    /** Artifact path, or the URN whose inputs hold the value outside a secret marker. */
    where: string;
    /** How the value appears: "raw" or "base64". */
    form: "raw" | "base64";
    /** The value's length and a short hash, never the value. */
    hint: string;
}

function hint(v: string): string {
    return `${v.length} chars, sha256 ${createHash("sha256").update(v).digest("hex").slice(0, 8)}`;
}

/** Where secret values appear in plaintext: in the artifacts, or unmarked in inputs. */
export function findLeaks(plan: Plan, files: ReadonlyMap<string, string>, secrets: ReadonlySet<string>): Leak[] {
    const leaks: Leak[] = [];
    const forms = [...secrets].map((v) => ({ v, b64: Buffer.from(v).toString("base64"), json: JSON.stringify(v).slice(1, -1) }));
    if (forms.length === 0) return leaks;
    // One `includes` per form and text (V8's string search) rather than one regular expression of every
    // form, an alternation tried at each position: 0.21 s of CPU against 0.26 s over the artifacts of
    // 1000 NVIDIA FLARE participants.
    for (const [file, text] of files) {
        for (const { v, b64 } of forms) {
            if (text.includes(v)) leaks.push({ where: file, form: "raw", hint: hint(v) });
            else if (text.includes(b64)) leaks.push({ where: file, form: "base64", hint: hint(v) });
        }
    }
    for (const r of plan.registrations) {
        // The inputs as the engine would store them in plaintext: secret markers redacted.
        const text = JSON.stringify(fromWire(r.wireInputs, false));
        for (const { v, b64, json } of forms) {
            if (text.includes(json)) leaks.push({ where: r.urn, form: "raw", hint: hint(v) });
            else if (text.includes(b64)) leaks.push({ where: r.urn, form: "base64", hint: hint(v) });
        }
    }
    return leaks;
}

export function secretLeakFindings(plan: Plan): Finding[] {
    const files = renderPlan(plan);
    return findLeaks(plan, files, secretValues(plan)).map((l) => ({
        level: "mandatory" as const,
        rule: "secret-leak",
        subject: l.where,
        message: `a secret value (${l.hint}) appears ${l.form === "base64" ? "base64-encoded " : ""}in plaintext; pass it as a Pulumi secret (a Secret created with opaqueSecret, referenced by name)`,
    }));
}

export const secretLeakCheck: PlanCheck = { name: "secret-leak", run: secretLeakFindings, readsArtifacts: true };
