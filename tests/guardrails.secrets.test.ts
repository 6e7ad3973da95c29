import { EVERY_COMPONENT_ON } from "../tools/plan-engine/everything";
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { lintSource } from "@secretlint/core";
import { secretSpecs } from "../config";
import { fakeState, fromWire } from "../tools/plan-engine/mockRuntime";
import type { Plan, PlanResource } from "../tools/plan-engine/types";
import { renderPlan } from "../tools/plan-engine/render";
import { findLeaks, secretLeakFindings, secretValues } from "../tools/guardrails/secretScan";
import { secretlintConfig as config } from "../tools/lintSecrets";
import { PROJECT_DIR, Run, runProgram } from "./harness";

/** secretlint with the project's config (preset + the Pulumi stack-file rule), messages masked as in CI. */
async function lint(filePath: string, content: string): Promise<string[]> {
    const result = await lintSource({ source: { filePath, content, contentType: "text" }, options: { config, maskSecrets: true } });
    return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

/** User-supplied secrets: distinctive sentinels to look for. */
const sentinels = Object.fromEntries(secretSpecs.map((s) => [s.key, `sentinel-${s.key}-7f3a9c`]));
const everyComponent = [...EVERY_COMPONENT_ON];

const runs: Record<string, Promise<Run>> = {};
function run(stack: "dev" | "prod"): Promise<Run> {
    runs[stack] ??= runProgram({ stack, set: everyComponent, secrets: Object.entries(sentinels).map(([k, v]) => `${k}=${v}`) });
    return runs[stack];
}

describe("secret hygiene: secretlint", () => {
    it("finds no secret in the committed stack files", async () => {
        const files = fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f));
        assert.ok(files.length >= 2, "expected Pulumi.dev.yaml and Pulumi.prod.yaml");
        for (const f of files) assert.deepEqual(await lint(path.join(PROJECT_DIR, f), fs.readFileSync(path.join(PROJECT_DIR, f), "utf8")), [], f);
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`finds no secret in the ${stack} plan artifacts`, async () => {
            const files = renderPlan((await run(stack)).plan);
            for (const [file, content] of files) assert.deepEqual(await lint(`plan/${stack}/${file}`, content), [], file);
        });
    }

    it("flags a plaintext secret-looking key in a stack file, nested or not", async () => {
        const stackFile = [
            "config:",
            "  research-platform:jupyterhubOauthClientSecret: hunter2-plain",
            "  research-platform:diracx:",
            "    enabled: true",
            "    adminPassword: also-plain",
            "    credentialsSecretName: diracx-creds",
            "  research-platform:nvflareToken:",
            "    secure: v1:AAABAHpL0c7Lk5CdWjJMQhwJ",
        ].join("\n");
        const messages = await lint("/x/Pulumi.prod.yaml", stackFile);
        assert.equal(messages.length, 2, messages.join("\n"));
        assert.match(messages[0], /secretlint-rule-pulumi-stack: config\.research-platform:jupyterhubOauthClientSecret looks like a secret but is in plaintext/);
        assert.match(messages[1], /config.research-platform:diracx.adminPassword/);
        assert.ok(!/hunter2-plain|also-plain/.test(messages.join("\n")), "messages never show the value");
        assert.deepEqual(await lint("/x/values.yaml", stackFile), [], "the rule applies to Pulumi stack files only");
    });

    it("flags a credential planted in a plan artifact (the recommended preset)", async () => {
        const messages = await lint("plan/dev/manifests/apps/ConfigMap-x.yaml", `data:\n  github: ghp_${"a1B2c3D4e5".repeat(3)}a1B2c3\n`);
        assert.equal(messages.length, 1, messages.join("\n"));
        assert.match(messages[0], /github/i);
    });
});

describe("secret hygiene: secret values never in plaintext", () => {
    for (const stack of ["dev", "prod"] as const) {
        it(`keeps every user-supplied and generated secret out of the ${stack} artifacts and unmarked inputs`, async () => {
            const { plan } = await run(stack);
            const secrets = secretValues(plan, Object.values(sentinels));
            for (const s of Object.values(sentinels)) assert.ok(secrets.has(s));
            assert.deepEqual(findLeaks(plan, renderPlan(plan), secrets), []);
        });

        it(`delivers every required user secret and every generated secret to a resource as a Pulumi secret (${stack})`, async () => {
            const r = await run(stack);
            const settings = r.one("research-platform:index:Platform", "platform").inputs.config;
            const marked = new Set<string>();
            for (const reg of r.plan.registrations) collectMarked(reg.wireInputs, marked);
            const reaches = (v: string) => [...marked].some((m) => m.includes(v) || m.includes(Buffer.from(v).toString("base64")));
            for (const spec of secretSpecs) {
                if (spec.requiredWhen(settings)) assert.ok(reaches(sentinels[spec.key]), `user secret ${spec.key} is required but reaches no resource as a Pulumi secret`);
            }
            for (const reg of r.plan.registrations.filter((x) => x.type === "random:index/randomPassword:RandomPassword" || x.type === "random:index/randomBytes:RandomBytes")) {
                const state = fakeState(reg.type, reg.name, fromWire(reg.wireInputs, true) as Record<string, unknown>);
                const values = ["result", "bcryptHash", "base64", "hex"].map((k) => state[k]).filter((v): v is string => typeof v === "string");
                // Or it is for the world outside the cluster (e.g. the InterLink host's oauth2-proxy cookie), as a secret stack output.
                const inSecretOutput = (v: string) => Object.values(r.plan.rawOutputs).some((o) => o.secret && JSON.stringify(o.value).includes(v));
                assert.ok(values.some((v) => reaches(v) || inSecretOutput(v)), `generated secret ${reg.urn} reaches no resource and no stack output as a Pulumi secret`);
            }
        });
    }

    it("catches a secret copied into a ConfigMap, raw or base64-encoded, without printing it", () => {
        const secret = "s3cr3t-Value-42";
        const marker = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });
        const resource = (name: string, kind: string, wire: Record<string, unknown>): PlanResource & { wireInputs: unknown } => ({
            urn: `urn:pulumi:dev::research-platform::kubernetes:core/v1:${kind}::${name}`,
            type: `kubernetes:core/v1:${kind}`,
            name,
            parent: null,
            dependsOn: [],
            provider: null,
            custom: true,
            protect: false,
            retainOnDelete: false,
            inputs: fromWire(wire),
            wireInputs: wire,
        });
        const regs = [
            resource("db", "Secret", { apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: "apps" }, stringData: { password: marker(secret) } }),
            resource("cfg", "ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: "apps" }, data: { url: `mysql://u:${secret}@db` } }),
            resource("b64", "ConfigMap", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "b64", namespace: "apps" }, data: { blob: Buffer.from(secret).toString("base64") } }),
        ];
        const plan: Plan = { project: "research-platform", stack: "dev", resources: regs.map(({ wireInputs: _w, ...r }) => r), outputs: {}, registrations: regs, rawOutputs: {} };
        const leaks = findLeaks(plan, renderPlan(plan), secretValues(plan));
        const where = leaks.map((l) => `${l.where} ${l.form}`);
        assert.ok(where.includes("manifests/apps/ConfigMap-cfg.yaml raw"), where.join("\n"));
        assert.ok(where.includes("manifests/apps/ConfigMap-b64.yaml base64"), where.join("\n"));
        assert.ok(!where.some((w) => w.includes("Secret-db")), "the Secret itself is redacted");
        const findings = secretLeakFindings(plan);
        assert.ok(findings.length >= 2 && findings.every((f) => f.level === "mandatory" && f.rule === "secret-leak"));
        assert.ok(findings.every((f) => !f.message.includes(secret)), "a finding must not print the secret");
    });
});

function collectMarked(wire: unknown, out: Set<string>, inside = false): void {
    if (wire && typeof wire === "object" && (wire as Record<string, unknown>)[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) {
        collectMarked((wire as { value: unknown }).value, out, true);
    } else if (typeof wire === "string") {
        if (inside) out.add(wire);
    } else if (Array.isArray(wire)) for (const x of wire) collectMarked(x, out, inside);
    else if (wire && typeof wire === "object") for (const x of Object.values(wire)) collectMarked(x, out, inside);
}
