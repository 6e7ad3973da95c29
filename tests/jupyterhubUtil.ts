/** What tests/jupyterhub.test.ts and tests/jupyterhub.config.test.ts share: constants and helpers. */
import * as assert from "node:assert/strict";
import { HUB_SECRET_KEYS } from "../components/apps/jupyterhub";
import { Run, TestResource } from "./harness";
import { parse } from "yaml";
import { chartData, mergeValues, valuesValidator } from "./chartValues";

export const RELEASE = "kubernetes:helm.sh/v3:Release";
export const SECRET = "kubernetes:core/v1:Secret";
export const OAUTH_SECRET = "jupyterhubOauthClientSecret=oauth-client-s3cret-value";


/** The z2jh values schema of a chart version, or undefined when the reference folder is absent. */
export function chartSchema(version: string): object | undefined {
    return chartData(`jupyterhub-${version}`, "values.schema.yaml") as object | undefined;
}

/**
 * Validate the release's values as Helm would: merged over the chart's `values.yaml` against the
 * full schema when the defaults are available, otherwise on their own against the schema without
 * `required` (every key must still exist in the chart and have the right type).
 */
export function validateValues(values: unknown, version: string, ctx: Mocha.Context): void {
    const folder = `jupyterhub-${version}`;
    if (!chartSchema(version)) {
        ctx.skip(); // no reference data: the global setup said so once
        return;
    }
    // 4.4.0's reference folder holds only the schema.
    const defaults = chartData(folder, "values.yaml");
    const v = valuesValidator(folder, { withoutRequired: defaults === undefined })!;
    const subject = defaults === undefined ? values : mergeValues(defaults, values);
    assert.ok(v.validate(subject), `values do not validate against ${folder}/values.schema.yaml:\n${v.errors()}`);
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
