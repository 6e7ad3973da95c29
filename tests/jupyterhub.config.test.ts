/** jupyterhub: hardening, the values against the chart schema, config errors, and the component with platform handles and offload (the objects and the rest are in jupyterhub.test.ts). */
import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { JupyterHub } from "../components/apps/jupyterhub";
import type { HubOffload } from "../components/apps/hubOffload";
import { runPlan } from "../tools/plan-engine/runPlan";
import { PROJECT_DIR, Run, configProblems, runProgram } from "./harness";
import { RELEASE, SECRET, OAUTH_SECRET, chartSchema, validateValues, hubSecret, ingressHub, INGRESS, GENERIC_OAUTH } from "./jupyterhubUtil";

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
        const run = await runProgram({ stack: "dev" });
        assert.equal(run.one(RELEASE, "jupyterhub-release").inputs.values.hub.config.JupyterHub.authenticator_class, "dummy");
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
        assert.equal(run.all("random:index/randomBytes:RandomBytes").length, 4, "cookie secret and crypt key per hub");
    });
});
