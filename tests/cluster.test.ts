import * as assert from "node:assert/strict";
import { secretSpecs } from "../config";
import { charts } from "../components/charts";
import { APPS_OFF, Run, TestResource, runProgram } from "./harness";

const RELEASE = "kubernetes:helm.sh/v3:Release";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const CERT_MANAGER = "kubernetes-cert-manager:index:CertManager";
const CLUSTER_ISSUER = "kubernetes:cert-manager.io/v1:ClusterIssuer";
const POOL = "kubernetes:metallb.io/v1beta1:IPAddressPool";
const L2 = "kubernetes:metallb.io/v1beta1:L2Advertisement";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

const prodSecrets = secretSpecs.map((s) => `${s.key}=placeholder`);
const runDev = (set: string[] = []) => runProgram({ stack: "dev", set });
const runProd = (set: string[] = []) => runProgram({ stack: "prod", set, secrets: prodSecrets });

/** Whether `r` waits on `dep`, directly or through other resources. */
function waitsOn(run: Run, r: TestResource, dep: TestResource, seen = new Set<string>()): boolean {
    for (const urn of r.dependsOn) {
        if (urn === dep.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        const next = run.resources.find((x) => x.urn === urn);
        if (next && waitsOn(run, next, dep, seen)) return true;
    }
    return false;
}

function assertPinned(r: TestResource, ref: { chart: string; repo: string; version: string }, namespace: string): void {
    assert.equal(r.inputs.chart, ref.chart);
    assert.equal(r.inputs.version, ref.version);
    assert.equal(r.inputs.repositoryOpts.repo, ref.repo);
    assert.equal(r.inputs.namespace, namespace);
    assert.equal(r.inputs.atomic, true, `${r.name} is atomic`);
    assert.equal(typeof r.inputs.timeout, "number", `${r.name} has an explicit timeout`);
    assert.ok(r.inputs.createNamespace !== true, `${r.name}: the program creates the namespace, not Helm`);
}

function podSecurity(run: Run, name: string): string {
    return run.one(NAMESPACE, name).inputs.metadata.labels["pod-security.kubernetes.io/enforce"];
}

describe("cluster add-ons: dev (kind)", () => {
    let run: Run;
    before(async () => (run = await runDev()));

    it("adds only the local-path StorageClass, served by kind's own provisioner", () => {
        const sc = run.one(STORAGE_CLASS, "local-path");
        assert.equal(sc.inputs.metadata.name, "local-path");
        assert.equal(sc.inputs.provisioner, "rancher.io/local-path");
        assert.equal(sc.inputs.volumeBindingMode, "WaitForFirstConsumer");
        assert.equal(run.allIn("research-platform:cluster:Storage", "kubernetes:apps/v1:Deployment").length, 0, "no provisioner Deployment that would fight kind's");
        assert.equal(run.find(NAMESPACE, "local-path-storage"), undefined);
        assert.equal(run.find("kubernetes:core/v1:ConfigMap", "local-path-config"), undefined);
    });

    it("installs MetalLB (pinned, L2 only) and the pool and L2Advertisement from metallb.addresses, after the release", () => {
        const release = run.one(RELEASE, "metallb");
        assertPinned(release, charts.metallb, "metallb-system");
        assert.deepEqual(release.inputs.values.frrk8s, { enabled: false });
        assert.equal(release.inputs.values.speaker.frr.enabled, false);
        const pool = run.one(POOL, "metallb-pool");
        assert.deepEqual(pool.inputs.spec.addresses, ["172.18.255.200-172.18.255.250"]);
        assert.equal(pool.inputs.metadata.namespace, "metallb-system");
        const l2 = run.one(L2, "metallb-l2");
        assert.deepEqual(l2.inputs.spec.ipAddressPools, [pool.inputs.metadata.name]);
        assert.ok(pool.dependsOn.includes(release.urn), "the pool waits for MetalLB's CRDs and webhook");
        assert.ok(l2.dependsOn.includes(release.urn));
        assert.equal(podSecurity(run, "metallb-system"), "privileged");
        assert.match(run.one(NAMESPACE, "metallb-system").inputs.metadata.annotations["research-platform.io/pod-security-reason"], /speaker.*hostNetwork/);
    });

    it("installs OpenKruise 1.5.2 into kruise-system with chart-managed CRDs, the namespace owned by the program", () => {
        const release = run.one(RELEASE, "kruise");
        assertPinned(release, charts.kruise, "kruise-system");
        assert.equal(charts.kruise.version, "1.5.2");
        assert.equal(charts.kruise.repo, "https://openkruise.github.io/charts/");
        assert.deepEqual(release.inputs.values.crds, { managed: true });
        assert.deepEqual(release.inputs.values.installation, { namespace: "kruise-system", createNamespace: false });
        assert.equal(podSecurity(run, "kruise-system"), "privileged");
        assert.match(run.one(NAMESPACE, "kruise-system").inputs.metadata.annotations["research-platform.io/pod-security-reason"], /kruise-daemon/);
    });

    it("installs metrics-server with --kubelet-insecure-tls on kind, beside the OpenKruise release", () => {
        const release = run.one(RELEASE, "metrics-server");
        assertPinned(release, charts.metricsServer, "metrics-server");
        assert.ok(release.inputs.values.args.includes("--kubelet-insecure-tls"));
        assert.ok(!release.dependsOn.includes(run.one(RELEASE, "kruise").urn), "no edge Kruise Release -> metrics-server Release: nothing needs it (docs/cluster.md#order)");
        assert.equal(release.inputs.values.tls.type, "metrics-server", "not the non-deterministic helm TLS mode");
        assert.equal(podSecurity(run, "metrics-server"), "restricted");
    });

    it("installs cert-manager (pinned, CRDs on) and a self-signed CA ClusterIssuer after it", () => {
        const cm = run.one(CERT_MANAGER, "cert-manager");
        assert.equal(cm.inputs.helmOptions.chart, charts.certManager.chart);
        assert.equal(cm.inputs.helmOptions.version, charts.certManager.version);
        assert.equal(cm.inputs.helmOptions.repositoryOpts.repo, charts.certManager.repo);
        assert.equal(cm.inputs.helmOptions.namespace, "cert-manager");
        assert.equal(cm.inputs.helmOptions.atomic, true);
        assert.equal(typeof cm.inputs.helmOptions.timeout, "number");
        assert.equal(cm.inputs.installCRDs, true);
        // Requests and limits for each of the chart's pods, not the controller alone (the chart sets none).
        assert.deepEqual(cm.inputs.resources, { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } });
        assert.deepEqual(cm.inputs.webhook, { resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } } });
        assert.deepEqual(cm.inputs.cainjector, { resources: { requests: { cpu: "10m", memory: "64Mi" }, limits: { cpu: "200m", memory: "256Mi" } } });
        assert.deepEqual(cm.inputs.startupapicheck, { resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "128Mi" } } });
        const issuers = run.all(CLUSTER_ISSUER);
        assert.deepEqual(issuers.map((i) => i.inputs.metadata.name).sort(), ["research-platform-ca", "selfsigned"]);
        const ca = run.one(CLUSTER_ISSUER, "platform-ca-issuer");
        assert.deepEqual(ca.inputs.spec, { ca: { secretName: "research-platform-ca" } });
        const cert = run.one("kubernetes:cert-manager.io/v1:Certificate", "platform-ca");
        assert.equal(cert.inputs.spec.isCA, true);
        assert.equal(cert.inputs.spec.secretName, "research-platform-ca");
        assert.equal(cert.inputs.metadata.namespace, "cert-manager", "the CA secret lives in cert-manager's cluster resource namespace");
        for (const i of issuers) assert.ok(waitsOn(run, i, cm), `${i.name} waits for cert-manager`);
        assert.equal(run.all(CLUSTER_ISSUER).filter((i) => i.inputs.spec.acme).length, 0, "no ACME issuer in dev");
    });

    it("installs Traefik as a LoadBalancer with IngressClass traefik, after the MetalLB pool", () => {
        const release = run.one(RELEASE, "traefik");
        assertPinned(release, charts.traefik, "traefik");
        assert.deepEqual(release.inputs.values.ingressClass, { enabled: true, isDefaultClass: false, name: "traefik" });
        assert.equal(release.inputs.values.service.spec.type, "LoadBalancer");
        assert.ok(release.dependsOn.includes(run.one(POOL, "metallb-pool").urn), "Helm waits for the Service's address");
        assert.ok(release.dependsOn.includes(run.one(L2, "metallb-l2").urn));
        // The dev stack fixes the websecure NodePort (ingress.websecureNodePort, mapped by kind/cluster.yaml); no TCP entrypoints unless asked.
        assert.deepEqual(release.inputs.values.ports, { websecure: { nodePort: 30443 } });
    });

    it("serialises nothing needlessly: storage, MetalLB, OpenKruise, metrics-server and cert-manager wait on nothing but their namespace", () => {
        const addons = [run.one(RELEASE, "kruise"), run.one(RELEASE, "metrics-server"), run.one(RELEASE, "metallb"), run.one(CERT_MANAGER, "cert-manager"), run.one(STORAGE_CLASS, "local-path")];
        for (const a of addons) {
            const waits = a.dependsOn.map((u) => run.byUrn(u)).filter((d) => d.type !== NAMESPACE);
            assert.deepEqual(waits.map((d) => d.urn), [], `${a.type} ${a.name} waits only on its namespace`);
        }
        const traefik = run.one(RELEASE, "traefik");
        for (const other of [run.one(RELEASE, "kruise"), run.one(RELEASE, "metrics-server"), run.one(CERT_MANAGER, "cert-manager")]) {
            assert.ok(!waitsOn(run, traefik, other), `Traefik does not wait for ${other.name}`);
        }
    });

    it("gives every add-on child the platform's provider and a Namespace with Pod Security labels", () => {
        const provider = run.one("pulumi:providers:kubernetes", "k8s");
        for (const ns of run.all(NAMESPACE)) {
            assert.equal(ns.provider, provider.urn);
            assert.ok(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], ns.name);
        }
    });

    it("protects nothing: the add-ons are stateless", () => {
        assert.deepEqual(run.resources.filter((r) => r.protect && r.urn.includes("research-platform:cluster:")).map((r) => r.urn), []);
    });
});

describe("cluster add-ons: prod", () => {
    let run: Run;
    before(async () => (run = await runProd()));

    it("leaves MetalLB out (cloud load balancer) and still runs Traefik as a LoadBalancer", () => {
        assert.equal(run.all(RELEASE).find((r) => r.name === "metallb"), undefined);
        assert.equal(run.all(POOL).length, 0);
        assert.equal(run.one(RELEASE, "traefik").inputs.values.service.spec.type, "LoadBalancer");
    });

    it("runs metrics-server without --kubelet-insecure-tls, beside OpenKruise", () => {
        const release = run.one(RELEASE, "metrics-server");
        assert.deepEqual(release.inputs.values.args, []);
        assert.ok(!release.dependsOn.includes(run.one(RELEASE, "kruise").urn));
    });

    it("creates Let's Encrypt staging and production ClusterIssuers with the configured e-mail and HTTP-01 through Traefik", () => {
        const staging = run.one(CLUSTER_ISSUER, "letsencrypt-staging");
        const production = run.one(CLUSTER_ISSUER, "letsencrypt-production");
        assert.equal(staging.inputs.spec.acme.server, "https://acme-staging-v02.api.letsencrypt.org/directory");
        assert.equal(production.inputs.spec.acme.server, "https://acme-v02.api.letsencrypt.org/directory");
        for (const i of [staging, production]) {
            assert.equal(i.inputs.spec.acme.email, "platform-ops@example.org");
            assert.deepEqual(i.inputs.spec.acme.solvers, [{ http01: { ingress: { ingressClassName: "traefik" } } }]);
            assert.ok(i.dependsOn.includes(run.one(CERT_MANAGER, "cert-manager").urn));
        }
        assert.equal(run.all(CLUSTER_ISSUER).length, 2, "no self-signed issuer in prod");
    });

    it("installs the local-path provisioner as upstream v0.0.26, with seed 003's /mnt/k8s-shared/ path", () => {
        const deploy = run.one("kubernetes:apps/v1:Deployment", "local-path-provisioner");
        assert.equal(deploy.inputs.metadata.namespace, "local-path-storage");
        const c = deploy.inputs.spec.template.spec.containers[0];
        assert.equal(c.image, "rancher/local-path-provisioner:v0.0.26");
        assert.deepEqual(c.command, ["local-path-provisioner", "--debug", "start", "--config", "/etc/config/config.json"]);
        assert.ok(c.resources.requests && c.resources.limits);
        assert.ok(c.readinessProbe && c.livenessProbe);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        const cm = run.one("kubernetes:core/v1:ConfigMap", "local-path-config");
        assert.equal(cm.inputs.metadata.name, "local-path-config");
        assert.deepEqual(JSON.parse(cm.inputs.data["config.json"]), { nodePathMap: [{ node: "DEFAULT_PATH_FOR_NON_LISTED_NODES", paths: ["/mnt/k8s-shared/"] }] });
        assert.match(cm.inputs.data["helperPod.yaml"], /image: busybox:1\.36\.1/);
        assert.equal(run.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "local-path-provisioner").inputs.metadata.name, "local-path-provisioner-role");
        assert.equal(podSecurity(run, "local-path-storage"), "privileged");
        const sc = run.one(STORAGE_CLASS, "local-path");
        assert.ok(!waitsOn(run, sc, deploy), "the class itself need not wait for the provisioner");
    });

    it("pins every release's chart, version, repo and namespace", () => {
        assertPinned(run.one(RELEASE, "kruise"), charts.kruise, "kruise-system");
        assertPinned(run.one(RELEASE, "metrics-server"), charts.metricsServer, "metrics-server");
        assertPinned(run.one(RELEASE, "traefik"), charts.traefik, "traefik");
        assert.equal(run.one(CERT_MANAGER, "cert-manager").inputs.helmOptions.version, charts.certManager.version);
    });

    it("protects nothing: the add-ons are stateless", () => {
        assert.deepEqual(run.resources.filter((r) => r.protect && r.urn.includes("research-platform:cluster:")).map((r) => r.urn), []);
    });
});

describe("cluster add-ons: switches", () => {
    it("leaves out every disabled add-on", async () => {
        const run = await runDev([
            "storage.enabled=false",
            "metallb.enabled=false",
            "kruise.enabled=false",
            "metricsServer.enabled=false",
            "certManager.enabled=false",
            "ingress.enabled=false",
            ...APPS_OFF,
        ]);
        const addOn = (r: { urn: string }) => r.urn.includes("research-platform:cluster:");
        assert.deepEqual(run.all(RELEASE).filter(addOn).map((r) => r.name), []);
        assert.equal(run.all(CERT_MANAGER).length, 0);
        assert.equal(run.all(STORAGE_CLASS).length, 0);
        assert.equal(run.all(NAMESPACE).filter(addOn).length, 0);
        assert.deepEqual(run.resources.filter((r) => r.type.startsWith("research-platform:cluster:")).map((r) => r.type), []);
    });

    it("takes each cert-manager pod's requests and limits from config", async () => {
        const run = await runDev(['certManager.webhookResources={"requests":{"cpu":"20m","memory":"48Mi"},"limits":{"cpu":"300m","memory":"96Mi"}}']);
        assert.deepEqual(run.one(CERT_MANAGER, "cert-manager").inputs.webhook.resources, { requests: { cpu: "20m", memory: "48Mi" }, limits: { cpu: "300m", memory: "96Mi" } });
    });

    it("uses an existing ingress controller's class without installing Traefik", async () => {
        const run = await runDev(["ingress.install=false", "ingress.className=nginx"]);
        assert.equal(run.find(RELEASE, "traefik"), undefined);
        assert.equal(run.find(NAMESPACE, "traefik"), undefined);
    });

    it("runs metrics-server alone when OpenKruise is off", async () => {
        const run = await runDev(["kruise.enabled=false", ...APPS_OFF]);
        const release = run.one(RELEASE, "metrics-server");
        assert.deepEqual(release.dependsOn.map((u) => run.byUrn(u).type), [NAMESPACE]);
    });

    it("turns ingress.tcpPorts into exposed Traefik TCP entrypoints", async () => {
        const run = await runDev(['ingress.tcpPorts=[{"name":"flare","port":8002},{"name":"flare-admin","port":8003}]']);
        const ports = run.one(RELEASE, "traefik").inputs.values.ports;
        assert.deepEqual(ports.flare, { port: 8002, exposedPort: 8002, expose: { default: true }, protocol: "TCP" });
        assert.deepEqual(ports["flare-admin"], { port: 8003, exposedPort: 8003, expose: { default: true }, protocol: "TCP" });
    });

    it("listens on an unprivileged container port for a TCP port below 1024", async () => {
        const run = await runDev(['ingress.tcpPorts=[{"name":"legacy","port":563}]']);
        assert.deepEqual(run.one(RELEASE, "traefik").inputs.values.ports.legacy, { port: 10563, exposedPort: 563, expose: { default: true }, protocol: "TCP" });
    });

    it("installs the provisioner on a generic cluster with the configured node paths", async () => {
        const run = await runDev([
            "kubernetes.distribution=generic",
            "kubernetes.apiServerCidrs=[\"10.0.0.0/28\"]",
            "kubernetes.nodeCidrs=[\"10.0.0.0/16\"]",
            "storage.provisioner.install=true",
            'storage.provisioner.nodePathMap=[{"node":"DEFAULT_PATH_FOR_NON_LISTED_NODES","paths":["/data/a","/data/b"]},{"node":"gpu-1","paths":["/nvme"]}]',
        ]);
        const cm = run.one("kubernetes:core/v1:ConfigMap", "local-path-config");
        assert.deepEqual(JSON.parse(cm.inputs.data["config.json"]).nodePathMap[1], { node: "gpu-1", paths: ["/nvme"] });
    });

    it("kruise without its daemon needs only a baseline namespace", async () => {
        const run = await runDev(["kruise.daemon=false"]);
        assert.equal(podSecurity(run, "kruise-system"), "baseline");
        assert.equal(run.one(RELEASE, "kruise").inputs.values.featureGates, "KruiseDaemon=false");
    });
});
