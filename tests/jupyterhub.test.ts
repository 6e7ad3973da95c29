import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { parse } from "yaml";
import { loadConfig } from "../config";
import { JupyterHub, HUB_SECRET_KEYS } from "../components/apps/jupyterhub";
import type { HubOffload } from "../components/apps/hubOffload";
import { charts } from "../components/charts";
import { runPlan } from "../tools/plan-engine/runPlan";
import { PROJECT_DIR, Run, TestResource, configProblems, runProgram } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const SECRET = "kubernetes:core/v1:Secret";
const OAUTH_SECRET = "jupyterhubOauthClientSecret=oauth-client-s3cret-value";

const REFERENCE_DIR = process.env.CHART_REFERENCE_DIR ?? path.resolve(PROJECT_DIR, "..", "shared", "reference", "charts");

/** The z2jh values schema of a chart version, or undefined when the reference folder is absent. */
function chartSchema(version: string): object | undefined {
    const file = path.join(REFERENCE_DIR, `jupyterhub-${version}`, "values.schema.yaml");
    return fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as object) : undefined;
}

/** The chart's default values, when the reference folder has them (4.4.0's holds only the schema). */
function chartDefaults(version: string): Record<string, unknown> | undefined {
    const file = path.join(REFERENCE_DIR, `jupyterhub-${version}`, "values.yaml");
    return fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : undefined;
}

/** Helm's coalescing of user values over chart defaults: maps merge, anything else replaces. */
function helmMerge(defaults: unknown, user: unknown): unknown {
    const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(user)) return user;
    const out: Record<string, unknown> = { ...defaults };
    for (const [k, v] of Object.entries(user)) out[k] = helmMerge(defaults[k], v);
    return out;
}

/** The schema without `required` (for values checked without the chart defaults they complete). */
function withoutRequired(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(withoutRequired);
    if (typeof schema !== "object" || schema === null) return schema;
    return Object.fromEntries(Object.entries(schema).filter(([k]) => k !== "required").map(([k, v]) => [k, withoutRequired(v)]));
}

/**
 * Validate the release's values as Helm would: merged over the chart's `values.yaml` against the
 * full schema when the defaults are available, otherwise on their own against the schema without
 * `required` (every key must still exist in the chart and have the right type).
 */
function validateValues(values: unknown, version: string, ctx: Mocha.Context): void {
    const schema = chartSchema(version);
    if (!schema) {
        console.log(`      (skipped: no ${path.join(REFERENCE_DIR, `jupyterhub-${version}`)}; set CHART_REFERENCE_DIR to the folder holding the reference charts)`);
        ctx.skip();
        return;
    }
    const defaults = chartDefaults(version);
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile((defaults ? schema : withoutRequired(schema)) as object);
    const subject = defaults ? helmMerge(defaults, values) : values;
    assert.ok(validate(subject), `values do not validate against jupyterhub-${version}/values.schema.yaml:\n${ajv.errorsText(validate.errors, { separator: "\n" })}`);
}

function hubSecret(run: Run): TestResource {
    return run.one(SECRET, "jupyterhub-hub-secrets");
}

/** Every secret value the hub Secret holds (the generated ones and the YAML with the authenticator secret). */
function secretValues(run: Run): string[] {
    const s = hubSecret(run);
    const out = Object.values(s.inputs.stringData as Record<string, string>);
    const extra = parse(s.inputs.stringData[HUB_SECRET_KEYS.values]) as { hub: { config: Record<string, Record<string, string>> } };
    for (const cls of Object.values(extra.hub.config)) out.push(...Object.values(cls));
    return out;
}

/** A dev hub exposed by Ingress with TLS, naming its IngressClass and ClusterIssuer (no ingress/cert-manager add-on in this run). */
function ingressHub(extra: Record<string, unknown> = {}): string {
    return `jupyterhub=${JSON.stringify({ enabled: true, host: "hub.127.0.0.1.nip.io", ingress: { className: "traefik", clusterIssuer: "selfsigned" }, ...extra })}`;
}
const INGRESS = [ingressHub()];
const GENERIC_OAUTH = {
    type: "generic-oauth",
    genericOauth: { clientId: "hub", authorizeUrl: "https://iam.example.org/authorize", tokenUrl: "https://iam.example.org/token", userdataUrl: "https://iam.example.org/userinfo", allowedGroups: ["users"] },
};

describe("jupyterhub: release", () => {
    it("installs the pinned z2jh chart into its own namespace, created by the program", async () => {
        const run = await runProgram({ stack: "dev" });
        const hub = run.one("research-platform:apps:JupyterHub", "jupyterhub");
        const release = run.one(RELEASE, "jupyterhub-release");
        assert.equal(release.parent, hub.urn);
        assert.equal(release.inputs.chart, "jupyterhub");
        assert.equal(release.inputs.version, "3.1.0");
        assert.equal(release.inputs.repositoryOpts.repo, "https://hub.jupyter.org/helm-chart/");
        assert.equal(release.inputs.name, "jupyterhub");
        assert.equal(release.inputs.namespace, "jupyterhub");
        assert.equal(release.inputs.atomic, true);
        assert.equal(release.inputs.createNamespace, false);
        const ns = run.one("kubernetes:core/v1:Namespace", "jupyterhub-namespace");
        assert.equal(ns.inputs.metadata.name, "jupyterhub");
        assert.ok(release.dependsOn.includes(ns.urn), "the release waits for its namespace");
        assert.ok(release.dependsOn.includes(hubSecret(run).urn), "the release waits for the hub Secret");
    });

    it("selects a 4.x chart version from config and takes namespace and release name from config", async () => {
        const run = await runProgram({ stack: "dev", set: ["jupyterhub.chartVersion=4.4.0", "jupyterhub.namespace=hub-two", "jupyterhub.releaseName=hub2"] });
        const release = run.one(RELEASE, "jupyterhub-release");
        assert.equal(release.inputs.version, "4.4.0");
        assert.equal(release.inputs.namespace, "hub-two");
        assert.equal(release.inputs.name, "hub2");
        assert.equal(release.inputs.values.hub.existingSecret, "hub2-hub-secrets");
        assert.equal(charts.jupyterhub.version, "3.1.0", "3.1.0 stays the pinned default (seed 003)");
    });

    it("exports the hub URL", async () => {
        const run = await runProgram({ stack: "dev" });
        assert.deepEqual(run.output("jupyterhubUrl"), { value: "http://hub.127.0.0.1.nip.io:30080/", secret: false });
        const prod = await runProgram({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true });
        assert.equal(prod.output("jupyterhubUrl").value, "https://notebook.example.org/");
    });
});

describe("jupyterhub: authentication", () => {
    it("dev: local login (dummy authenticator) for the allowed users, password generated and exported as a secret", async () => {
        const run = await runProgram({ stack: "dev", set: ['jupyterhub.auth.local.users=["alice"]'] });
        const values = run.one(RELEASE, "jupyterhub-release").inputs.values;
        assert.equal(values.hub.config.JupyterHub.authenticator_class, "dummy");
        assert.deepEqual(values.hub.config.Authenticator.allowed_users, ["admin", "alice"]);
        assert.deepEqual(values.hub.config.Authenticator.admin_users, ["admin"]);
        const password = run.output("jupyterhubAdminPassword");
        assert.equal(password.secret, true);
        assert.equal(typeof password.value, "string");
        assert.ok((password.value as string).length >= 20);
        const fromSecret = parse(hubSecret(run).inputs.stringData[HUB_SECRET_KEYS.values]);
        assert.equal(fromSecret.hub.config.DummyAuthenticator.password, password.value, "the hub reads the password from its Secret");
        assert.equal(values.hub.config.DummyAuthenticator, undefined);
    });

    it("prod: GenericOAuthenticator with the seed's settings, callback URL derived from the host", async () => {
        const run = await runProgram({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true });
        const c = run.one(RELEASE, "jupyterhub-release").inputs.values.hub.config;
        assert.equal(c.JupyterHub.authenticator_class, "generic-oauth");
        assert.equal(c.Authenticator.enable_auth_state, true);
        assert.deepEqual(c.GenericOAuthenticator, {
            client_id: "jupyterhub-notebook",
            oauth_callback_url: "https://notebook.example.org/hub/oauth_callback",
            authorize_url: "https://iam.example.org/authorize",
            token_url: "https://iam.example.org/token",
            userdata_url: "https://iam.example.org/userinfo",
            scope: ["openid", "profile", "email", "offline_access"],
            username_claim: "preferred_username",
            login_service: "Site IAM",
            userdata_token_method: "GET",
            claim_groups_key: "groups",
            allowed_groups: ["notebook-users"],
        });
        assert.equal(c.Authenticator.allow_all, undefined, "group membership limits who logs in");
        assert.equal(run.find("random:index/randomPassword:RandomPassword", "jupyterhub-admin-password"), undefined);
    });

    it("lets everyone the identity provider accepts in when no group is set, and honours an explicit callback URL", async () => {
        const run = await runProgram({
            stack: "prod",
            secrets: [OAUTH_SECRET], placeholderSecrets: true,
            set: ["jupyterhub.auth.genericOauth.allowedGroups=[]", "jupyterhub.auth.genericOauth.callbackUrl=https://login.example.org/hub/oauth_callback"],
        });
        const c = run.one(RELEASE, "jupyterhub-release").inputs.values.hub.config;
        assert.equal(c.Authenticator.allow_all, true);
        assert.equal(c.GenericOAuthenticator.allowed_groups, undefined);
        assert.equal(c.GenericOAuthenticator.oauth_callback_url, "https://login.example.org/hub/oauth_callback");
    });

    it("gives the hub the client secret through its Secret only", async () => {
        const run = await runProgram({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true });
        const secret = hubSecret(run);
        assert.deepEqual(secret.secretPaths, ["stringData"], "the whole stringData (with values.yaml) is a Pulumi secret");
        const fromSecret = parse(secret.inputs.stringData[HUB_SECRET_KEYS.values]);
        assert.equal(fromSecret.hub.config.GenericOAuthenticator.client_secret, "oauth-client-s3cret-value");
        const values = JSON.stringify(run.one(RELEASE, "jupyterhub-release").inputs.values);
        assert.ok(!values.includes("oauth-client-s3cret-value"));
        assert.ok(!values.includes("client_secret"));
    });
});

describe("jupyterhub: secrets", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: generates proxy token, cookie secret and crypt key (32 bytes, hex) as Pulumi secrets in a Secret the chart gets by name`, async () => {
            const run = await runProgram({ stack, secrets: [OAUTH_SECRET], placeholderSecrets: true });
            for (const n of ["cookie-secret", "crypt-key", "proxy-token"]) {
                assert.equal(run.one("random:index/randomBytes:RandomBytes", `jupyterhub-${n}`).inputs.length, 32);
            }
            const secret = hubSecret(run);
            assert.deepEqual(secret.secretPaths, ["stringData"], "every key of the hub Secret is a Pulumi secret");
            for (const key of [HUB_SECRET_KEYS.cookieSecret, HUB_SECRET_KEYS.cryptKeys, HUB_SECRET_KEYS.proxyToken]) {
                assert.match(secret.inputs.stringData[key], /^[0-9a-f]{64}$/, key);
            }
            const values = run.one(RELEASE, "jupyterhub-release").inputs.values;
            assert.equal(values.hub.existingSecret, secret.inputs.metadata.name);
            assert.equal(values.proxy.secretToken, undefined);
            assert.equal(values.hub.cookieSecret, undefined);
            // The chart reads the proxy token from its own Secret; hub and proxy are pointed at ours.
            const ref = { valueFrom: { secretKeyRef: { name: secret.inputs.metadata.name, key: HUB_SECRET_KEYS.proxyToken } } };
            assert.deepEqual(values.hub.extraEnv.CONFIGPROXY_AUTH_TOKEN, ref);
            assert.deepEqual(values.proxy.chp.extraEnv.CONFIGPROXY_AUTH_TOKEN, ref);
            // No secret value anywhere in the Helm values or in any ConfigMap.
            const plain = [JSON.stringify(values), ...run.all("kubernetes:core/v1:ConfigMap").map((c) => JSON.stringify(c.inputs))];
            for (const v of secretValues(run)) for (const text of plain) assert.ok(!text.includes(v), "a secret value reached the chart values or a ConfigMap");
        });
    }

    it("keeps the generated secrets stable across runs (same resource names, no keepers)", async () => {
        const a = await runProgram({ stack: "dev" });
        const b = await runProgram({ stack: "dev", set: ["jupyterhub.singleuser.storage.capacity=5Gi"] });
        const names = (r: Run) => r.all("random:index/randomBytes:RandomBytes").map((x) => `${x.name}:${JSON.stringify(x.inputs)}`);
        assert.deepEqual(names(a), names(b));
    });
});

describe("jupyterhub: single-user servers", () => {
    it("sets limits, guarantees, default URL, image, storage class and capacity", async () => {
        const run = await runProgram({
            stack: "dev",
            set: ['jupyterhub.singleuser.cpu={"limit":"2","guarantee":"500m"}', "jupyterhub.singleuser.storage.storageClass=cephfs", "jupyterhub.hubDb.storageClass=fast"],
        });
        const v = run.one(RELEASE, "jupyterhub-release").inputs.values;
        assert.deepEqual(v.singleuser.cpu, { limit: 2, guarantee: 0.5 });
        assert.deepEqual(v.singleuser.memory, { limit: "1G", guarantee: "512M" });
        assert.equal(v.singleuser.defaultUrl, "/lab");
        assert.deepEqual(v.singleuser.image, { name: "quay.io/jupyter/minimal-notebook", tag: "2024-12-23" });
        assert.deepEqual(v.singleuser.storage, { type: "dynamic", capacity: "1Gi", dynamic: { storageClass: "cephfs" } });
        assert.equal(v.hub.db.pvc.storageClassName, "fast");
    });

    it("turns the typed profiles into KubeSpawner profiles with image and resource overrides", async () => {
        // Without InterLink, whose offload profiles the hub would append (tested in interlink.test.ts).
        const run = await runProgram({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true, set: ["interlink.enabled=false"] });
        const profiles = run.one(RELEASE, "jupyterhub-release").inputs.values.singleuser.profileList;
        assert.deepEqual(profiles, [
            { display_name: "Minimal environment", description: "A Python environment.", default: true },
            {
                display_name: "Datascience environment",
                description: "Python, R and Julia environments.",
                kubespawner_override: { image: "quay.io/jupyter/datascience-notebook:2024-12-23", mem_limit: "8G", mem_guarantee: "4G" },
            },
        ]);
    });
});

describe("jupyterhub: exposure", () => {
    it("NodePort for an external proxy (seed 003's HAProxy), no Ingress", async () => {
        const run = await runProgram({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true });
        const v = run.one(RELEASE, "jupyterhub-release").inputs.values;
        assert.deepEqual(v.proxy.service, { type: "NodePort", nodePorts: { http: 31090 } });
        assert.deepEqual(v.ingress, { enabled: false });
        assert.equal(run.all("kubernetes:cert-manager.io/v1:Certificate").filter((c) => c.urn.includes("research-platform:apps:JupyterHub")).length, 0);
    });

    it("Ingress with the named IngressClass and a cert-manager Certificate from the named issuer", async () => {
        const run = await runProgram({ stack: "dev", set: INGRESS });
        const v = run.one(RELEASE, "jupyterhub-release").inputs.values;
        assert.deepEqual(v.proxy.service, { type: "ClusterIP" });
        assert.deepEqual(v.ingress, {
            enabled: true,
            ingressClassName: "traefik",
            hosts: ["hub.127.0.0.1.nip.io"],
            pathType: "Prefix",
            tls: [{ hosts: ["hub.127.0.0.1.nip.io"], secretName: "jupyterhub-tls" }],
        });
        const cert = run.one("kubernetes:cert-manager.io/v1:Certificate", "jupyterhub-certificate");
        assert.equal(cert.inputs.metadata.namespace, "jupyterhub");
        assert.deepEqual(cert.inputs.spec, { secretName: "jupyterhub-tls", dnsNames: ["hub.127.0.0.1.nip.io"], issuerRef: { kind: "ClusterIssuer", name: "selfsigned", group: "cert-manager.io" } });
        assert.equal(run.output("jupyterhubUrl").value, "https://hub.127.0.0.1.nip.io/");
    });

    it("Ingress without TLS when asked: no Certificate, http URL", async () => {
        const run = await runProgram({ stack: "dev", set: [...INGRESS, "jupyterhub.ingress.tls=false"] });
        assert.deepEqual(run.one(RELEASE, "jupyterhub-release").inputs.values.ingress.tls, []);
        assert.equal(run.all("kubernetes:cert-manager.io/v1:Certificate").filter((c) => c.urn.includes("research-platform:apps:JupyterHub")).length, 0);
        assert.equal(run.output("jupyterhubUrl").value, "http://hub.127.0.0.1.nip.io/");
    });
});

describe("jupyterhub: hardening", () => {
    it("keeps network policies on, blocks cloud metadata by NetworkPolicy (no privileged init container), restricts user pods", async () => {
        const run = await runProgram({ stack: "dev" });
        const v = run.one(RELEASE, "jupyterhub-release").inputs.values;
        assert.equal(v.singleuser.cloudMetadata.blockWithIptables, false);
        for (const np of [v.singleuser.networkPolicy, v.hub.networkPolicy, v.proxy.chp.networkPolicy]) {
            assert.equal(np.enabled, true);
            assert.equal(np.egressAllowRules.cloudMetadataServer, false);
        }
        assert.deepEqual(v.hub.config.KubeSpawner.container_security_context, {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
        assert.equal(v.hub.config.KubeSpawner.pod_security_context.seccompProfile.type, "RuntimeDefault");
        assert.equal(v.singleuser.allowPrivilegeEscalation, false);
        assert.deepEqual(v.hub.containerSecurityContext.capabilities, { drop: ["ALL"] });
        const ns = run.one("kubernetes:core/v1:Namespace", "jupyterhub-namespace");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "baseline");
        assert.ok(ns.inputs.metadata.annotations["research-platform.io/pod-security-reason"]);
    });

    it("prod: protects the namespace, release and hub Secret, and keeps the hub database volume", async () => {
        const run = await runProgram({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true });
        const release = run.one(RELEASE, "jupyterhub-release");
        assert.equal(release.protect, true);
        assert.equal(hubSecret(run).protect, true);
        const ns = run.one("kubernetes:core/v1:Namespace", "jupyterhub-namespace");
        assert.equal(ns.protect, true);
        assert.equal(ns.retainOnDelete, true);
        assert.deepEqual(release.inputs.values.hub.db.pvc.annotations, { "helm.sh/resource-policy": "keep" });
        const dev = await runProgram({ stack: "dev" });
        assert.equal(dev.one(RELEASE, "jupyterhub-release").protect, false);
        assert.equal(dev.one(RELEASE, "jupyterhub-release").inputs.values.hub.db.pvc.annotations, undefined);
    });

    it("merges site-specific hub.config and extraConfig from config", async () => {
        const run = await runProgram({
            stack: "dev",
            set: ['jupyterhub.hubConfig={"JupyterHub":{"logo_file":"/srv/jupyterhub/logo.png"},"KubeSpawner":{"start_timeout":600}}', 'jupyterhub.extraConfig={"logo":"c.JupyterHub.template_vars = {}"}'],
        });
        const hub = run.one(RELEASE, "jupyterhub-release").inputs.values.hub;
        assert.equal(hub.config.JupyterHub.logo_file, "/srv/jupyterhub/logo.png");
        assert.equal(hub.config.JupyterHub.authenticator_class, "dummy", "site config merges, it does not replace");
        assert.equal(hub.config.KubeSpawner.start_timeout, 600);
        assert.ok(hub.config.KubeSpawner.container_security_context);
        assert.deepEqual(hub.extraConfig, { logo: "c.JupyterHub.template_vars = {}" });
    });
});

describe("jupyterhub: values validate against the chart schema", () => {
    const cases: { title: string; stack: string; set?: string[]; version: string }[] = [
        { title: "dev (3.1.0)", stack: "dev", version: "3.1.0" },
        { title: "prod (3.1.0)", stack: "prod", version: "3.1.0" },
        { title: "dev with Ingress + TLS and site config (3.1.0)", stack: "dev", set: [...INGRESS, 'jupyterhub.hubConfig={"KubeSpawner":{"start_timeout":600}}'], version: "3.1.0" },
        { title: "dev (4.4.0)", stack: "dev", set: ["jupyterhub.chartVersion=4.4.0"], version: "4.4.0" },
        { title: "generic-oauth with Ingress (4.4.0)", stack: "dev", set: [ingressHub({ chartVersion: "4.4.0", auth: GENERIC_OAUTH })], version: "4.4.0" },
    ];
    for (const c of cases) {
        it(c.title, async function () {
            const run = await runProgram({ stack: c.stack, set: c.set, secrets: [OAUTH_SECRET], placeholderSecrets: true });
            validateValues(run.one(RELEASE, "jupyterhub-release").inputs.values, c.version, this);
        });
    }

    it("rejects a key the chart does not have (the check can fail)", function () {
        if (!chartSchema("3.1.0")) this.skip();
        assert.throws(() => validateValues({ hub: { notAKey: true } }, "3.1.0", this), /additional properties/);
    });
});

describe("jupyterhub: config errors", () => {
    it("requires the client secret when generic-oauth is on", async () => {
        const problems = await configProblems({ stack: "prod" });
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhubOauthClientSecret: is required") && p.includes("pulumi config set --secret jupyterhubOauthClientSecret")), problems.join("\n"));
    });

    it("needs no user secret in dev (local login)", async () => {
        await runProgram({ stack: "dev" });
    });

    it("rejects malformed URLs", async () => {
        const problems = await configProblems({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true, set: ["jupyterhub.auth.genericOauth.tokenUrl=iam.example.org/token", "jupyterhub.url=ftp://x"] });
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.auth.genericOauth.tokenUrl: is not an http(s) URL")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.url: is not an http(s) URL")), problems.join("\n"));
    });

    it("rejects bad resource quantities", async () => {
        const problems = await configProblems({
            stack: "dev",
            set: ['jupyterhub.singleuser.cpu={"limit":"two"}', 'jupyterhub.singleuser.memory={"limit":"2Gi"}', "jupyterhub.singleuser.storage.capacity=lots", 'jupyterhub.singleuser.profiles=[{"displayName":"x","memory":{"guarantee":"1 G"}}]'],
        });
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.singleuser.cpu.limit: is not a CPU quantity")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.singleuser.memory.limit: is not a memory size")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.singleuser.storage.capacity: is not a Kubernetes quantity")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.singleuser.profiles[0].memory.guarantee: is not a memory size")), problems.join("\n"));
    });

    it("needs an IngressClass and an issuer for Ingress exposure with TLS", async () => {
        const problems = await configProblems({ stack: "dev", set: ['jupyterhub={"enabled":true,"host":"hub.example.org"}', "ingress.enabled=false", "certManager.enabled=false"] });
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.ingress.className: is needed")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.ingress.clusterIssuer: is needed")), problems.join("\n"));
    });

    it("requires a host, the genericOauth block for generic-oauth, and one default profile at most", async () => {
        const problems = await configProblems({
            empty: true,
            set: ['jupyterhub={"enabled":true,"exposure":"nodePort","auth":{"type":"generic-oauth"},"singleuser":{"profiles":[{"displayName":"a","default":true},{"displayName":"b","default":true}]}}'],
            secrets: [OAUTH_SECRET], placeholderSecrets: true,
        });
        const keys = problems.map((p) => p.split(": ")[0]).sort();
        assert.deepEqual(keys, ["research-platform:jupyterhub.auth.genericOauth", "research-platform:jupyterhub.host", "research-platform:jupyterhub.singleuser.profiles"]);
    });

    it("refuses secrets in hubConfig and a local login in prod", async () => {
        const problems = await configProblems({
            stack: "prod",
            secrets: [OAUTH_SECRET], placeholderSecrets: true,
            set: ['jupyterhub.hubConfig={"GenericOAuthenticator":{"client_secret":"x"}}', "jupyterhub.auth.type=local"],
        });
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.hubConfig.GenericOAuthenticator.client_secret: is a secret")), problems.join("\n"));
        const local = await configProblems({ stack: "prod", set: ["jupyterhub.auth.type=local"] });
        assert.ok(local.some((p) => p.startsWith("research-platform:jupyterhub.auth.type: is \"local\"")), local.join("\n"));
    });

    it("rejects an unsupported chart version and a NodePort outside the range", async () => {
        const problems = await configProblems({ stack: "dev", set: ["jupyterhub.chartVersion=2.0.0", "jupyterhub.nodePort=8080"] });
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.chartVersion: is not a supported chart version")), problems.join("\n"));
        assert.ok(problems.some((p) => p.startsWith("research-platform:jupyterhub.nodePort: is outside the NodePort range")), problems.join("\n"));
    });
});

describe("jupyterhub: component with platform handles, offload and several instances", () => {
    /** Build hubs directly (as Platform would), with cluster handles the add-ons would give. */
    async function runComponents(build: (deps: { provider: k8s.Provider; ready: (n: string) => pulumi.Resource }) => void): Promise<Run> {
        const plan = await runPlan({
            projectDir: PROJECT_DIR,
            stack: "dev",
            program: () => {
                const provider = new k8s.Provider("k8s", {});
                const ready = (n: string) => new k8s.core.v1.ConfigMap(n, { metadata: { name: n } }, { provider });
                build({ provider, ready });
                return {};
            },
        });
        return new Run(plan);
    }

    it("takes IngressClass, ClusterIssuer and StorageClass from the handles and waits on their readiness", async () => {
        const run = await runComponents(({ provider, ready }) => {
            const config = { ...loadConfig().jupyterhub, exposure: "ingress" as const, nodePort: undefined, url: undefined };
            const ingressReady = [ready("traefik")];
            const issuerReady = [ready("issuer")];
            const storageReady = [ready("local-path")];
            new JupyterHub("hub", { config, environment: "dev", provider, namespace: "hub", releaseName: "hub", ingressClassName: "traefik", ingressReady, clusterIssuerName: "platform-selfsigned", issuerReady, storageClassName: "local-path", storageReady });
        });
        const release = run.one(RELEASE, "hub-release");
        const v = release.inputs.values;
        assert.equal(v.ingress.ingressClassName, "traefik");
        assert.equal(v.singleuser.storage.dynamic.storageClass, "local-path");
        assert.equal(v.hub.db.pvc.storageClassName, "local-path");
        const urn = (n: string) => run.one("kubernetes:core/v1:ConfigMap", n).urn;
        assert.ok(release.dependsOn.includes(urn("traefik")));
        assert.ok(release.dependsOn.includes(urn("local-path")));
        assert.ok(!release.dependsOn.includes(urn("issuer")), "the release itself does not wait for the issuer");
        const cert = run.one("kubernetes:cert-manager.io/v1:Certificate", "hub-certificate");
        assert.equal(cert.inputs.spec.issuerRef.name, "platform-selfsigned");
        assert.ok(cert.dependsOn.includes(urn("issuer")));
    });

    it("NodePort exposure does not wait on the ingress controller", async () => {
        const run = await runComponents(({ provider, ready }) => {
            new JupyterHub("hub", { config: loadConfig().jupyterhub, environment: "dev", provider, namespace: "hub", releaseName: "hub", ingressClassName: "traefik", ingressReady: [ready("traefik")] });
        });
        assert.ok(!run.one(RELEASE, "hub-release").dependsOn.includes(run.one("kubernetes:core/v1:ConfigMap", "traefik").urn));
    });

    it("appends offload profiles, merges offload hub values and waits on the offload target", async () => {
        const run = await runComponents(({ provider, ready }) => {
            const offload: HubOffload = {
                profiles: [pulumi.output({ display_name: "GPU (InterLink)", description: "Remote GPU", kubespawner_override: { node_selector: { "kubernetes.io/role": "agent" } } })],
                hubValues: { hub: { networkPolicy: { ingress: [{ ports: [{ port: 8081 }] }] }, extraConfig: { offload: "c.KubeSpawner.ip = '0.0.0.0'" } } },
                dependsOn: [ready("virtual-kubelet")],
            };
            new JupyterHub("hub", { config: loadConfig().jupyterhub, environment: "dev", provider, namespace: "hub", releaseName: "hub", offload });
        });
        const release = run.one(RELEASE, "hub-release");
        const v = release.inputs.values;
        assert.deepEqual(
            v.singleuser.profileList.map((p: { display_name: string }) => p.display_name),
            ["Minimal environment", "Datascience environment", "GPU (InterLink)"],
        );
        assert.deepEqual(v.hub.networkPolicy.ingress, [{ ports: [{ port: 8081 }] }]);
        assert.equal(v.hub.networkPolicy.egressAllowRules.cloudMetadataServer, false, "merged, not replaced");
        assert.equal(v.hub.extraConfig.offload, "c.KubeSpawner.ip = '0.0.0.0'");
        assert.ok(release.dependsOn.includes(run.one("kubernetes:core/v1:ConfigMap", "virtual-kubelet").urn));
    });

    it("builds two independent hubs, each with its own namespace, release and secrets", async () => {
        const run = await runComponents(({ provider }) => {
            const config = loadConfig().jupyterhub;
            new JupyterHub("hub-a", { config, environment: "dev", provider, namespace: "hub-a", releaseName: "alpha" });
            new JupyterHub("hub-b", { config, environment: "dev", provider, namespace: "hub-b", releaseName: "beta" });
        });
        const a = run.one(RELEASE, "hub-a-release").inputs;
        const b = run.one(RELEASE, "hub-b-release").inputs;
        assert.deepEqual([a.namespace, a.name, a.values.hub.existingSecret], ["hub-a", "alpha", "alpha-hub-secrets"]);
        assert.deepEqual([b.namespace, b.name, b.values.hub.existingSecret], ["hub-b", "beta", "beta-hub-secrets"]);
        assert.equal(run.one(SECRET, "hub-a-hub-secrets").inputs.metadata.namespace, "hub-a");
        assert.equal(run.one(SECRET, "hub-b-hub-secrets").inputs.metadata.namespace, "hub-b");
        assert.equal(run.all("random:index/randomBytes:RandomBytes").length, 6);
    });
});
