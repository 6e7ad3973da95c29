import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { interlinkSchema } from "../config/interlink";
import type { InterlinkTunnel } from "../components/apps/interlink";
import { buildHubOffload } from "../components/apps/interlink";
import { loadConfig } from "../config";
import { Platform } from "../components/platform";
import { runPlan } from "../tools/plan-engine/runPlan";
import { PROJECT_DIR, Run, configProblems, runProgram } from "./harness";
import { chartData, mergeValues, valuesValidator } from "./chartValues";
import { chartFile, needsReference } from "./referenceData";

const SECRET = "il-s3cret-value";
const REFRESH_TOKEN = "il-refresh-t0ken";
const ENABLE = { stack: "dev", set: ["interlink.enabled=true"], secrets: [`interlinkIamClientSecret=${SECRET}`, `interlinkIamRefreshToken=${REFRESH_TOKEN}`] };

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

/** The dev stack's interlink settings, enabled, as the program sees them. */
function devConfig() {
    const stack = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    return interlinkSchema.parse({ ...(stack.config["research-platform:interlink"] as object), enabled: true });
}

describe("interlink", () => {
    let run: Run;
    before(async () => {
        run = await runProgram(ENABLE);
    });

    it("is off in the dev stack file, so dev needs no user secret", async () => {
        const plain = await runProgram({ stack: "dev" });
        assert.equal(plain.find(DEPLOYMENT, "interlink-deployment"), undefined);
    });

    it("creates the VK namespace (restricted), service account and configmap under the VirtualKubelet component", () => {
        const vk = run.one("research-platform:apps:VirtualKubelet", "interlink");
        const ns = run.one("kubernetes:core/v1:Namespace", "interlink-ns");
        assert.equal(ns.inputs.metadata.name, "interlink");
        assert.equal(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        const names = run.descendants(vk).filter((r) => r.type !== "kubernetes:networking.k8s.io/v1:NetworkPolicy").map((r) => r.name).sort();
        assert.deepEqual(names, ["interlink-binding", "interlink-config", "interlink-deployment", "interlink-iam", "interlink-node-label", "interlink-ns", "interlink-role", "interlink-sa"]);
    });

    it("renders InterLinkConfig.yaml and the node resources JSON from config, with string quantities keyed by the node name", () => {
        const cm = run.one(CONFIGMAP, "interlink-config");
        const il = parse(cm.inputs.data["InterLinkConfig.yaml"]);
        assert.equal(il.InterlinkURL, "https://gpu-host.dev.example.org");
        assert.equal(il.InterlinkPort, "443");
        const res = JSON.parse(cm.inputs.data["vk-cfg.json"]);
        assert.deepEqual(Object.keys(res), ["interlink-vk"]);
        assert.deepEqual(res["interlink-vk"], { cpu: "4", memory: "8Gi", pods: "1", "nvidia.com/gpu": "1" });
        for (const v of Object.values(res["interlink-vk"])) assert.equal(typeof v, "string");
    });

    it("grants the VK exactly upstream's rules, nothing more (no wildcards, no secret writes)", () => {
        const role = run.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "interlink-role");
        const rules = (role.inputs.rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[]).flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups.join(",")}/${res}:${v}`))).sort();
        assert.deepEqual(rules, [
            "/configmaps:get", "/configmaps:list", "/configmaps:watch",
            "/events:create", "/events:patch",
            "/nodes/status:patch", "/nodes/status:update",
            "/nodes:create", "/nodes:get",
            "/pods/status:patch", "/pods/status:update",
            "/pods:delete", "/pods:get", "/pods:list", "/pods:patch", "/pods:watch",
            "/secrets:get", "/secrets:list", "/secrets:watch",
            "/serviceaccounts:get", "/serviceaccounts:list", "/serviceaccounts:watch",
            "/services:get", "/services:list", "/services:watch",
        ].sort());
        const binding = run.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "interlink-binding");
        assert.deepEqual(binding.inputs.subjects, [{ kind: "ServiceAccount", name: "interlink", namespace: "interlink" }]);
        assert.equal(binding.inputs.roleRef.name, role.inputs.metadata.name);
    });

    it("keeps the IAM client secret and refresh token in a Secret read through secretKeyRef, never in env values or ConfigMaps", () => {
        const secret = run.one("kubernetes:core/v1:Secret", "interlink-iam");
        assert.ok(run.isSecret(secret, "stringData"));
        assert.equal(secret.inputs.stringData["client-secret"], SECRET);
        const dep = run.one(DEPLOYMENT, "interlink-deployment");
        const refresher = dep.inputs.spec.template.spec.containers.find((c: { name: string }) => c.name === "token-refresher");
        const env = refresher.env.find((e: { name: string }) => e.name === "IAM_CLIENT_SECRET");
        assert.deepEqual(env.valueFrom.secretKeyRef, { name: "interlink-iam", key: "client-secret" });
        assert.equal(env.value, undefined);
        for (const r of run.resources.filter((x) => x.type !== "kubernetes:core/v1:Secret" && x.custom)) {
            assert.ok(!JSON.stringify(r.inputs).includes(SECRET), `${r.urn} must not contain the IAM secret`);
            assert.ok(!JSON.stringify(r.inputs).includes(REFRESH_TOKEN), `${r.urn} must not contain the refresh token`);
        }
    });

    it("runs the VK with the node name, its token file and config, pinned images, probes and restricted security", () => {
        const dep = run.one(DEPLOYMENT, "interlink-deployment");
        const spec = dep.inputs.spec.template.spec;
        assert.equal(spec.serviceAccountName, "interlink");
        assert.equal(spec.securityContext.runAsNonRoot, true);
        const vk = spec.containers.find((c: { name: string }) => c.name === "virtual-kubelet");
        const env = Object.fromEntries(vk.env.filter((e: { value?: string }) => e.value).map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.equal(env.NODENAME, "interlink-vk");
        assert.equal(env.VKTOKENFILE, "/opt/interlink/token");
        assert.deepEqual(spec.containers.map((c: { name: string }) => c.name), ["virtual-kubelet", "token-refresher"]);
        for (const c of [...spec.containers, ...spec.initContainers]) {
            assert.ok(!/:latest$/.test(c.image), `${c.name} image must be pinned`);
            assert.ok(c.resources.requests && c.resources.limits, `${c.name} needs requests and limits`);
            assert.equal(c.securityContext.allowPrivilegeEscalation, false);
            if (spec.containers.includes(c)) assert.ok(c.livenessProbe, `${c.name} needs a liveness probe`);
        }
        assert.ok(vk.readinessProbe, "the VK is ready when its kubelet API listens");
        const withTracing = spec.volumes.map((v: { name: string }) => v.name);
        assert.ok(withTracing.includes("token"));
    });

    it("labels the virtual node accelerator=<type> declaratively, after the VK runs", () => {
        const patch = run.one("kubernetes:core/v1:NodePatch", "interlink-node-label");
        assert.equal(patch.inputs.metadata.name, "interlink-vk");
        assert.deepEqual(patch.inputs.metadata.labels, { accelerator: "none" });
        assert.ok(patch.dependsOn.includes(run.one(DEPLOYMENT, "interlink-deployment").urn));
    });

    it("publishes the tunnel forwarder on a LoadBalancer by default, and on a NodePort only when asked", async () => {
        const lb = run.one("kubernetes:core/v1:Service", "interlink-tunnel-public");
        assert.equal(lb.inputs.spec.type, "LoadBalancer");
        assert.equal(run.output("interlinkTunnelEndpoint").value, "hub.localtest.me:8022");
        const np = await runProgram({ ...ENABLE, set: [...ENABLE.set, "interlink.tunnel.exposure=NodePort", "interlink.tunnel.nodePort=31022"] });
        const svc = np.one("kubernetes:core/v1:Service", "interlink-tunnel-public");
        assert.equal(svc.inputs.spec.type, "NodePort");
        assert.equal(svc.inputs.spec.ports[0].nodePort, 31022);
        const fwd = np.one(DEPLOYMENT, "interlink-tunnel-deployment").inputs.spec.template.spec;
        assert.equal(fwd.automountServiceAccountToken, false);
        for (const c of [...fwd.containers, ...fwd.initContainers]) assert.equal(c.securityContext.privileged, undefined);
    });

    it("exposes Platform.hubOffload (waiting on nothing) when enabled, and leaves it undefined when disabled", async () => {
        const platforms: Platform[] = [];
        const program = () => {
            const p = new Platform("platform", { config: loadConfig() });
            platforms.push(p);
            return p.stackOutputs;
        };
        await runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "stackFile", sets: ENABLE.set, secrets: ENABLE.secrets, program });
        await runPlan({ projectDir: PROJECT_DIR, stack: "dev", base: "stackFile", program });
        const [on, off] = platforms;
        assert.ok(on.hubOffload, "hubOffload must be set when interlink is enabled");
        assert.deepEqual(on.hubOffload.dependsOn, []);
        assert.equal(on.hubOffload.profiles.length, 1);
        assert.equal(off.hubOffload, undefined);
    });

    it("gives the hub profiles that select the node, tolerate its taint, and request GPUs", () => {
        const dev = devConfig();
        const cfg = interlinkSchema.parse({ ...dev, hub: { ...dev.hub, oidcLogin: true, oidcClientId: "jupyterhub-dev" }, profiles: [{ displayName: "Remote GPU", gpus: 2 }], node: { gpus: "2", accelerator: "T4" } });
        const offload = buildHubOffload(cfg, { connectHost: "ssh-forwarder.interlink.svc.cluster.local", publicPort: 8022 } as InterlinkTunnel);
        assert.deepEqual(offload.dependsOn, []);
        assert.equal(offload.profiles.length, 1);
        const profile = offload.profiles[0] as { display_name: string; kubespawner_override: Record<string, unknown> };
        assert.equal(profile.display_name, "Remote GPU");
        const o = profile.kubespawner_override;
        assert.deepEqual(o.node_selector, { "kubernetes.io/hostname": "interlink-vk", accelerator: "T4" });
        assert.deepEqual(o.tolerations, [{ key: "virtual-node.interlink/no-schedule", operator: "Exists", effect: "NoSchedule" }]);
        assert.deepEqual(o.extra_resource_limits, { "nvidia.com/gpu": "2" });
        assert.deepEqual(o.extra_resource_guarantees, { "nvidia.com/gpu": "2" });
        assert.equal(o.pod_connect_ip, "ssh-forwarder.interlink.svc.cluster.local");
        assert.equal(o.hub_connect_url, "https://hub.localtest.me");
        const hub = offload.hubValues.hub as { config: Record<string, Record<string, unknown>>; extraConfig: Record<string, string> };
        assert.equal(hub.config.GenericOAuthenticator.authorize_url, "https://iam.cloud.infn.it/authorize");
        assert.match(hub.extraConfig["zz-interlink-offload"], /FWD_PORT/);
        const netpol = (offload.hubValues.hub as { networkPolicy: { ingress: { from: unknown[] }[] } }).networkPolicy.ingress[0];
        assert.deepEqual(netpol.from, [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "interlink" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "interlink-ssh-forwarder" } } }]);
        assert.ok(!JSON.stringify(offload).includes(SECRET));
    });

    it("omits GPU requests from a CPU-only profile", () => {
        const offload = buildHubOffload(devConfig(), { connectHost: "x", publicPort: 1 } as InterlinkTunnel);
        const o = (offload.profiles[0] as { kubespawner_override: Record<string, unknown> }).kubespawner_override;
        assert.equal(o.extra_resource_limits, undefined);
        assert.equal(o.cpu_limit, 1);
    });

    it("uses only hub values and profile keys that exist in the z2jh 3.1.0 schema", function () {
        needsReference(this, chartFile("jupyterhub-3.1.0", "values.schema.yaml"));
        const v = valuesValidator("jupyterhub-3.1.0")!;
        const offload = buildHubOffload(devConfig(), { connectHost: "x", publicPort: 8022 } as InterlinkTunnel);
        // The schema requires the chart's defaults: validate our values merged into them, as Helm does.
        const defaults = chartData("jupyterhub-3.1.0", "values.yaml");
        assert.ok(v.validate(mergeValues(defaults, { ...offload.hubValues, singleuser: { profileList: offload.profiles } })), v.errors());
        assert.ok(!v.validate(mergeValues(defaults, { hub: { notAKey: 1 } })), "the schema check must reject unknown hub keys");
    });

    it("generates the target host's files as stack outputs, with the oauth2-proxy env file secret", () => {
        const files = run.output("interlinkHostFiles");
        assert.equal(files.secret, false);
        const f = files.value as Record<string, string>;
        const hostCfg = parse(f["/etc/interlink/InterLinkConfig.yaml"]);
        assert.equal(hostCfg.InterlinkPort, "3000");
        assert.equal(hostCfg.SidecarPort, "4000");
        assert.match(f["/etc/systemd/system/oauth2-proxy.service"], /EnvironmentFile=\/etc\/interlink\/oauth2-proxy.env/);
        assert.match(f["/etc/systemd/system/docker-sidecar.service"], /ExecStart=\/etc\/interlink\/bin\/docker-sd/);
        assert.doesNotMatch(f["/etc/systemd/system/interlink.service"], /User=root/);
        assert.ok(!JSON.stringify(f).includes(SECRET));
        const env = run.output("interlinkHostOauth2ProxyEnv");
        assert.equal(env.secret, true);
        const text = env.value as string;
        assert.match(text, new RegExp(`^OAUTH2_PROXY_CLIENT_SECRET=${SECRET}$`, "m"));
        assert.match(text, /^OAUTH2_PROXY_CLIENT_ID=interlink-vk-dev$/m);
        assert.match(text, /^OAUTH2_PROXY_OIDC_EXTRA_AUDIENCES=users$/m);
        assert.match(text, /^OAUTH2_PROXY_UPSTREAMS=http:\/\/127.0.0.1:3000$/m);
        assert.match(text, /^OAUTH2_PROXY_COOKIE_SECRET=\S{32}$/m);
        assert.doesNotMatch(text, /SKIP_AUTH_ROUTE/);
    });

    it("plans the prod stack with placeholder secrets", async () => {
        const prod = await runProgram({ stack: "prod", placeholderSecrets: true });
        assert.equal(prod.one("kubernetes:core/v1:NodePatch", "interlink-node-label").inputs.metadata.labels.accelerator, "T4");
    });

    it("hands the platform's JupyterHub the offload profiles", async () => {
        const prod = await runProgram({ stack: "prod", placeholderSecrets: true });
        const release = prod.one("kubernetes:helm.sh/v3:Release", "jupyterhub-release");
        const names = (release.inputs.values.singleuser.profileList as { display_name: string }[]).map((p) => p.display_name);
        assert.ok(names.includes("Remote T4 GPU notebook (InterLink)"), names.join(", "));
    });

    describe("config errors", () => {
        it("requires the hub namespace to be the platform's JupyterHub namespace, and a hub login that has a client secret", async () => {
            const problems = await configProblems({ stack: "dev", secrets: ["interlinkIamClientSecret=x"], set: ["interlink.enabled=true", "interlink.hub.namespace=elsewhere", "interlink.hub.oidcLogin=true", "interlink.hub.oidcClientId=jh"] });
            assert.ok(problems.some((p) => /^research-platform:interlink\.hub\.namespace: is "elsewhere" but the platform's JupyterHub runs in "jupyterhub"/.test(p)), problems.join("\n"));
            assert.ok(problems.some((p) => /^research-platform:interlink\.hub\.oidcLogin: needs the hub's client secret/.test(p)), problems.join("\n"));
        });

        it("requires the IAM client secret when enabled", async () => {
            const problems = await configProblems({ stack: "dev", set: ["interlink.enabled=true"] });
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlinkIamClientSecret: is required")), problems.join("\n"));
        });

        it("refuses a non-https InterLink URL in prod", async () => {
            const problems = await configProblems({ stack: "prod", set: ["interlink.interlinkUrl=http://gpu.example.org"], secrets: ["interlinkIamClientSecret=x"] });
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlink.interlinkUrl: is not an https URL in prod")), problems.join("\n"));
        });

        it("accepts an http InterLink URL in dev", async () => {
            const dev = await runProgram({ ...ENABLE, set: [...ENABLE.set, "interlink.interlinkUrl=http://gpu.local"] });
            assert.equal(parse(dev.one(CONFIGMAP, "interlink-config").inputs.data["InterLinkConfig.yaml"]).InterlinkURL, "http://gpu.local");
        });

        it("refuses numeric quantities and a node name that is not a DNS label", async () => {
            const problems = await configProblems({ ...ENABLE, set: [...ENABLE.set, "interlink.node.cpu=24", "interlink.nodeName=Bad_Node"] });
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlink.node.cpu: must be a quantity string")), problems.join("\n"));
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlink.nodeName: is not a valid DNS label")), problems.join("\n"));
        });

        it("needs a nodePort only with NodePort exposure, and a profile's GPUs on the node", async () => {
            const problems = await configProblems({ ...ENABLE, set: [...ENABLE.set, "interlink.tunnel.exposure=NodePort", 'interlink.profiles=[{"displayName":"x","gpus":2}]'] });
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlink.tunnel.nodePort: is required")), problems.join("\n"));
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlink.profiles[0].gpus: asks for 2 GPUs but the node advertises 1")), problems.join("\n"));
        });

        it("names every missing setting when enabled from an empty stack", async () => {
            const problems = await configProblems({ empty: true, set: ["interlink.enabled=true"], secrets: ["interlinkIamClientSecret=x"] });
            for (const key of ["interlinkUrl", "iam.clientId", "images.virtualKubelet", "images.tokenRefresher", "hub.publicUrl", "tunnel.publicHost", "hub.oidcClientId"]) {
                assert.ok(problems.some((p) => p.startsWith(`research-platform:interlink.${key}: is required`)), `${key}:\n${problems.join("\n")}`);
            }
        });
    });
});
