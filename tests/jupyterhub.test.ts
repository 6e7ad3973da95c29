import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { HUB_SECRET_KEYS } from "../components/apps/jupyterhub";
import { charts } from "../components/charts";
import { Run, runProgram } from "./harness";
import { RELEASE, OAUTH_SECRET, hubSecret, secretValues, INGRESS } from "./jupyterhubUtil";

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
            userdata_token_method: "header",
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

    it("hands Helm, which reads values with YAML 1.1 rules, a client secret of digits and underscores as that string, not a number", async () => {
        const run = await runProgram({ stack: "prod", secrets: ["jupyterhubOauthClientSecret=2024_1201_0930"], placeholderSecrets: true });
        const fromSecret = parse(hubSecret(run).inputs.stringData[HUB_SECRET_KEYS.values], { version: "1.1" });
        assert.equal(fromSecret.hub.config.GenericOAuthenticator.client_secret, "2024_1201_0930");
    });
});

describe("jupyterhub: secrets", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: generates cookie secret and crypt key (32 bytes, hex) as Pulumi secrets in a Secret the chart gets by name`, async () => {
            const run = await runProgram({ stack, secrets: [OAUTH_SECRET], placeholderSecrets: true });
            for (const n of ["cookie-secret", "crypt-key"]) {
                assert.equal(run.one("random:index/randomBytes:RandomBytes", `jupyterhub-${n}`).inputs.length, 32);
            }
            const secret = hubSecret(run);
            assert.deepEqual(secret.secretPaths, ["stringData"], "every key of the hub Secret is a Pulumi secret");
            for (const key of [HUB_SECRET_KEYS.cookieSecret, HUB_SECRET_KEYS.cryptKeys]) {
                assert.match(secret.inputs.stringData[key], /^[0-9a-f]{64}$/, key);
            }
            const values = run.one(RELEASE, "jupyterhub-release").inputs.values;
            assert.equal(values.hub.existingSecret, secret.inputs.metadata.name);
            assert.equal(values.proxy.secretToken, undefined);
            assert.equal(values.hub.cookieSecret, undefined);
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
