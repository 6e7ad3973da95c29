/** What tests/jupyterhub.test.ts and tests/jupyterhub.config.test.ts share: constants and helpers. */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { HUB_SECRET_KEYS } from "../components/apps/jupyterhub";
import { Run, TestResource } from "./harness";
import { chartFile } from "./referenceData";

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const SECRET = "kubernetes:core/v1:Secret";
export const OAUTH_SECRET = "jupyterhubOauthClientSecret=oauth-client-s3cret-value";


/** The z2jh values schema of a chart version, or undefined when the reference folder is absent. */
export function chartSchema(version: string): object | undefined {
    const file = chartFile(`jupyterhub-${version}`, "values.schema.yaml");
    return fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as object) : undefined;
}

/** The chart's default values, when the reference folder has them (4.4.0's holds only the schema). */
export function chartDefaults(version: string): Record<string, unknown> | undefined {
    const file = chartFile(`jupyterhub-${version}`, "values.yaml");
    return fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : undefined;
}

/** Helm's coalescing of user values over chart defaults: maps merge, anything else replaces. */
export function helmMerge(defaults: unknown, user: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(user)) return user;
    const out: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(user)) out[k] = helmMerge(defaults[k], v);
    return out;
}

/** The schema without `required` (for values checked without the chart defaults they complete). */
export function withoutRequired(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(withoutRequired);
    if (typeof schema !== "object" || schema === null) return schema;
    return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "required").map(([k, v]) => [k, withoutRequired(v)]));
}

/**
 * Validate the release's values as Helm would: merged over the chart's `values.yaml` against the
 * full schema when the defaults are available, otherwise on their own against the schema without
 * `required` (every key must still exist in the chart and have the right type).
 */
export function validateValues(values: unknown, version: string, ctx: Mocha.Context): void {
    const schema = chartSchema(version);
    if (!schema) {
        ctx.skip(); // no reference data: the global setup said so once
        return;
    }
    const defaults = chartDefaults(version);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile((defaults ? schema : withoutRequired(schema)) as object);
    const subject = defaults ? helmMerge(defaults, values) : values;
    assert.ok(validate(subject), `values do not validate against jupyterhub-${version}/values.schema.yaml:\n${ajv.errorsText(validate.errors, { separator: "\n" })}`);
}

export function hubSecret(run: Run): TestResource {
    return run.one(SECRET, "jupyterhub-hub-secrets");
}

/** Every secret value the hub Secret holds (the generated ones and the YAML with the authenticator secret). */
export function secretValues(run: Run): string[] {
    const s = hubSecret(run);
    const out = Object.values(s.inputs.stringData as Record<string, string>);
    const extra = parse(s.inputs.stringData[HUB_SECRET_KEYS.values]) as { hub: { config: Record<string, Record<string, string>> } };
    for (const cls of Object.values(extra.hub.config)) out.push(...Object.values(cls));
    return out;
}

/** A dev hub exposed by Ingress with TLS, naming its IngressClass and ClusterIssuer (no ingress/cert-manager add-on in this run). */
export function ingressHub(extra: Record<string, unknown> = {}): string {
    return `jupyterhub=${JSON.stringify({ enabled: true, host: "hub.127.0.0.1.nip.io", ingress: { className: "traefik", clusterIssuer: "selfsigned" }, ...extra })}`;
}
export const INGRESS = [ingressHub()];
export const GENERIC_OAUTH = {
    type: "generic-oauth",
    genericOauth: { clientId: "hub", authorizeUrl: "https://iam.example.org/authorize", tokenUrl: "https://iam.example.org/token", userdataUrl: "https://iam.example.org/userinfo", allowedGroups: ["users"] },
};
