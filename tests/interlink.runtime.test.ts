/**
 * InterLink against what its programs really do at run time (issue 16, contracts/interlink.ts):
 * the flows the NetworkPolicies must allow and deny, the refresher's inputs, the VK's listener,
 * the target host's units, and the values the upstream programs refuse.
 */
import * as assert from "node:assert/strict";
import { parse } from "yaml";
import { contract } from "../contracts/interlink";
import type { ContractConfig } from "../contracts/types";
import { Cluster, Endpoint, Pod, clusterFromResources, mayConnect } from "../tools/guardrails/networkPolicyEval";
import { Run, configProblems, runProgram } from "./harness";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RELEASE = "kubernetes:helm.sh/v3:Release";
/** Interlink on in dev; placeholder secrets, so the same options also run against older code. */
const DEV = { stack: "dev", set: ["interlink.enabled=true"], placeholderSecrets: true };
const PROD = { stack: "prod", placeholderSecrets: true };
const INTERNET: Endpoint = { name: "internet", ip: "203.0.113.7" };

type Container = { name: string; image: string; command?: string[]; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[]; ports?: { containerPort: number }[]; readinessProbe?: { tcpSocket?: { port: number } }; livenessProbe?: { tcpSocket?: { port: number }; initialDelaySeconds?: number } };

/** z2jh 3.1.0's pods of a hub release, labelled as the chart labels them (templates/_helpers.tpl:88-144). */
function chartPods(ns: string, release: string): Record<"hub" | "proxy" | "singleuser", Pod> {
    const common = { app: "jupyterhub", release };
    return {
        hub: { name: "hub", namespace: ns, labels: { ...common, component: "hub", "hub.jupyter.org/network-access-proxy-api": "true", "hub.jupyter.org/network-access-singleuser": "true" }, ports: [{ name: "http", containerPort: 8081 }] },
        proxy: { name: "proxy", namespace: ns, labels: { ...common, component: "proxy", "hub.jupyter.org/network-access-hub": "true", "hub.jupyter.org/network-access-singleuser": "true" }, ports: [{ containerPort: 8000 }, { containerPort: 8001 }] },
        singleuser: { name: "jupyter-alice", namespace: ns, labels: { ...common, component: "singleuser-server", "hub.jupyter.org/network-access-hub": "true" }, ports: [{ containerPort: 8888 }] },
    };
}

/** The plan's NetworkPolicies and pods, with the hub's chart pods and another app's pod. */
function model(run: Run, hubNs: string, release: string) {
    const { cluster, pods } = clusterFromResources(run.resources);
    const pod = (ns: string, name: string) => {
        const p = pods.find((x) => x.namespace === ns && x.name === name);
        assert.ok(p, `no pod ${ns}/${name}`);
        return p;
    };
    return { cluster, pod, chart: chartPods(hubNs, release), other: { name: "diracx", namespace: "diracx", labels: { "app.kubernetes.io/name": "diracx" } } as Pod };
}

function may(c: Cluster, src: Endpoint, dst: Endpoint, port: number): boolean {
    return mayConnect(c, src, dst, port).allowed;
}

function containers(run: Run, name = "interlink-deployment"): Container[] {
    return run.one(DEPLOYMENT, name).inputs.spec.template.spec.containers;
}

function hostFiles(run: Run): Record<string, string> {
    return run.output("interlinkHostFiles").value as Record<string, string>;
}

describe("interlink at run time", () => {
    let dev: Run;
    let prod: Run;
    before(async () => {
        // One at a time: the mocks record one program run at a time.
        dev = await runProgram(DEV);
        prod = await runProgram(PROD);
    });

    describe("flows (NetworkPolicies)", () => {
        it("lets the SSH forwarder check tunnel logins on the hub API (8081), in dev and in prod", () => {
            for (const [run, ns, release] of [[dev, "jupyterhub", "jupyterhub"], [prod, "jhub-srcnet", "jhub"]] as const) {
                const m = model(run, ns, release);
                const verdict = mayConnect(m.cluster, m.pod("interlink", "ssh-forwarder"), m.chart.hub, 8081);
                assert.ok(verdict.allowed, `${ns}: ${verdict.reason}`);
            }
        });

        it("admits the hub (which waits for the server) and the proxy to the tunnel ports, as z2jh 3.1.0 labels them", () => {
            for (const [run, ns, release] of [[dev, "jupyterhub", "jupyterhub"], [prod, "jhub-srcnet", "jhub"]] as const) {
                const m = model(run, ns, release);
                const fwd = m.pod("interlink", "ssh-forwarder");
                for (const port of [40000, 40500, 40999]) {
                    assert.ok(may(m.cluster, m.chart.hub, fwd, port), `${ns}: hub -> forwarder:${port}`);
                    assert.ok(may(m.cluster, m.chart.proxy, fwd, port), `${ns}: proxy -> forwarder:${port}`);
                }
                const otherRelease = { ...m.chart.hub, labels: { ...m.chart.hub.labels, release: "another-hub" } };
                assert.ok(!may(m.cluster, otherRelease, fwd, 40000), "the hub of another release is not admitted");
            }
        });

        it("opens the VK's kubelet API to the API server on 10250, where the VK listens", () => {
            const m = model(dev, "jupyterhub", "jupyterhub");
            const vk = m.pod("interlink", "interlink-vk");
            assert.ok(may(m.cluster, { name: "api-server", ip: "172.18.0.2" }, vk, 10250));
        });

        it("opens the VK's egress on interlinkPort, not on the URL's port", async () => {
            const run = await runProgram({ ...DEV, set: [...DEV.set, "interlink.interlinkPort=8443"] });
            const m = model(run, "jupyterhub", "jupyterhub");
            const vk = m.pod("interlink", "interlink-vk");
            assert.ok(may(m.cluster, vk, INTERNET, 8443), "VK -> target host:8443");
            assert.ok(may(m.cluster, vk, INTERNET, 443), "VK -> IAM token endpoint:443");
            assert.ok(!may(m.cluster, vk, INTERNET, 8081));
        });

        it("denies what no program needs: forwarder -> VK, notebooks and other apps -> VK or tunnels, VK -> hub, anything -> Redis", () => {
            for (const [run, ns, release] of [[dev, "jupyterhub", "jupyterhub"], [prod, "jhub-srcnet", "jhub"]] as const) {
                const m = model(run, ns, release);
                const fwd = m.pod("interlink", "ssh-forwarder");
                const vk = m.pod("interlink", run === dev ? "interlink-vk" : "interlink-gpu-t4");
                const denied: [string, Endpoint, Endpoint, number][] = [
                    ["forwarder -> VK kubelet API (unauthenticated logs)", fwd, vk, 10250],
                    ["single-user server -> tunnel port", m.chart.singleuser, fwd, 40000],
                    ["single-user server -> VK", m.chart.singleuser, vk, 10250],
                    ["another app -> VK", m.other, vk, 10250],
                    ["another app -> tunnel port", m.other, fwd, 40000],
                    ["VK -> hub API", vk, m.chart.hub, 8081],
                    ["forwarder -> internet", fwd, INTERNET, 443],
                    ["hub -> forwarder's Redis", m.chart.hub, fwd, 6379],
                    ["VK -> forwarder's Redis", vk, fwd, 6379],
                ];
                for (const [what, src, dst, port] of denied) assert.ok(!may(m.cluster, src, dst, port), `${ns}: ${what} must be denied`);
            }
            assert.deepEqual(dev.allIn("research-platform:apps:VirtualKubelet", NETPOL).filter((p) => p.inputs.metadata.name === "allow-in-namespace"), []);
        });
    });

    describe("virtual kubelet and token refresher", () => {
        it("runs the VK's kubelet API on 10250: the advertised port, the container port and both probes", () => {
            const vk = containers(dev).find((c) => c.name === "virtual-kubelet")!;
            assert.equal(vk.env!.find((e) => e.name === "KUBELET_PORT")!.value, "10250");
            assert.deepEqual(vk.ports!.map((p) => p.containerPort), [10250]);
            assert.equal(vk.readinessProbe!.tcpSocket!.port, 10250);
            assert.equal(vk.livenessProbe!.tcpSocket!.port, 10250);
        });

        it("gives the refresher exactly what refresh.py reads, its refresh token from the program's Secret", async () => {
            const run = await runProgram({ stack: "dev", set: ["interlink.enabled=true"], secrets: ["interlinkIamClientSecret=client-s3cret", "interlinkIamRefreshToken=refresh-t0ken"] });
            const refresher = containers(run).find((c) => c.name === "token-refresher")!;
            const env = Object.fromEntries(refresher.env!.map((e) => [e.name, e]));
            assert.deepEqual(Object.keys(env).sort(), ["IAM_CLIENT_ID", "IAM_CLIENT_SECRET", "IAM_REFRESH_TOKEN", "IAM_TOKEN_ENDPOINT", "IAM_VK_AUD", "TOKEN_PATH"]);
            assert.deepEqual(env.IAM_REFRESH_TOKEN.valueFrom!.secretKeyRef, { name: "interlink-iam", key: "refresh-token" });
            assert.equal(env.IAM_TOKEN_ENDPOINT.value, "https://iam.cloud.infn.it/token");
            const secret = run.one("kubernetes:core/v1:Secret", "interlink-iam");
            assert.equal(secret.inputs.stringData["refresh-token"], "refresh-t0ken");
            assert.ok(run.isSecret(secret, "stringData"), `secret paths: ${secret.secretPaths.join(", ")}`);
            for (const r of run.resources.filter((x) => x.custom && x.type !== "kubernetes:core/v1:Secret")) assert.ok(!JSON.stringify(r.inputs).includes("refresh-t0ken"), r.urn);
        });

        it("requires interlinkIamRefreshToken when interlink is enabled", async () => {
            const problems = await configProblems({ stack: "dev", set: ["interlink.enabled=true"], secrets: ["interlinkIamClientSecret=x"] });
            assert.ok(problems.some((p) => p.startsWith("research-platform:interlinkIamRefreshToken: is required")), problems.join("\n"));
        });

        it("does not hold the pod's readiness on the token, and restarts a refresher that got none after two attempts", () => {
            const refresher = containers(dev).find((c) => c.name === "token-refresher")!;
            assert.equal(refresher.readinessProbe, undefined);
            assert.ok(refresher.livenessProbe!.initialDelaySeconds! > 1000, "after refresh.py's 1000 s sleep");
        });

        it("keeps the refresher's stdout (refresh token, IAM responses, client secret) out of the pod log", () => {
            const refresher = containers(dev).find((c) => c.name === "token-refresher")!;
            assert.ok(refresher.command, "the image's entrypoint prints secrets");
            assert.match(refresher.command.join(" "), /python3 \/opt\/refresh\.py >\/dev\/null$/);
        });

        it("creates the forwarder's Deployment and NetworkPolicies once the namespace exists, without waiting for the VK", () => {
            const ns = prod.one("kubernetes:core/v1:Namespace", "interlink-ns").urn;
            const vk = prod.allIn("research-platform:apps:VirtualKubelet", DEPLOYMENT)[0].urn;
            const objects = [prod.one(DEPLOYMENT, "interlink-tunnel-deployment"), ...prod.allIn("research-platform:apps:InterlinkTunnel", NETPOL)];
            assert.equal(objects.length, 3);
            for (const r of objects) {
                assert.ok(r.dependsOn.includes(ns), `${r.name} must wait for the interlink Namespace`);
                assert.ok(!r.dependsOn.includes(vk), `${r.name} need not wait for the virtual kubelet`);
            }
        });

        it("does not make the hub's release wait for the virtual kubelet or its node label", () => {
            const release = prod.one(RELEASE, "jupyterhub-release");
            const vk = prod.allIn("research-platform:apps:VirtualKubelet", DEPLOYMENT).concat(prod.all("kubernetes:core/v1:NodePatch"));
            assert.ok(vk.length >= 2);
            for (const r of vk) assert.ok(!release.dependsOn.includes(r.urn), `the hub release must not depend on ${r.urn}`);
            const patch = prod.one("kubernetes:core/v1:NodePatch", "interlink-node-label");
            assert.ok(patch.dependsOn.includes(prod.allIn("research-platform:apps:VirtualKubelet", DEPLOYMENT)[0].urn), "the label still waits for the VK");
        });

        it("gives KubeSpawner memory it accepts (K/M/G/T, not Gi), the same bytes", () => {
            const profiles = prod.one(RELEASE, "jupyterhub-release").inputs.values.singleuser.profileList as { display_name: string; kubespawner_override?: Record<string, unknown> }[];
            const remote = profiles.find((p) => p.display_name === "Remote T4 GPU notebook (InterLink)")!;
            assert.equal(remote.kubespawner_override!.mem_limit, "16G");
            assert.equal(remote.kubespawner_override!.mem_guarantee, "16G");
        });
    });

    describe("target host files", () => {
        it("keeps the Docker sidecar's pod data in a directory its unit may write (not /etc under ProtectSystem=full)", () => {
            const files = hostFiles(dev);
            const unit = files["/etc/systemd/system/docker-sidecar.service"];
            const dataRoot = parse(files["/etc/interlink/InterLinkConfig.yaml"]).DataRootFolder as string;
            const cwd = /^WorkingDirectory=(.+)$/m.exec(unit)![1];
            const resolved = dataRoot.startsWith("/") ? dataRoot : `${cwd}/${dataRoot}`;
            assert.match(unit, /^ProtectSystem=full$/m);
            assert.ok(!resolved.startsWith("/etc/") && !resolved.startsWith("/usr/") && !resolved.startsWith("/boot/"), `${resolved} is read-only under ProtectSystem=full`);
            const state = /^StateDirectory=(.+)$/m.exec(unit);
            assert.ok(state && resolved.startsWith(`/var/lib/${state[1]}/`), `${resolved} must be under the unit's StateDirectory`);
            const config = dev.one("research-platform:index:Platform", "platform").inputs.config as ContractConfig;
            const fact = contract(config)!.hostFacts.find((f) => f.id === "docker-sidecar-data-root");
            assert.ok(fact && fact.kind === "unitWritablePath");
            assert.equal(fact.path, resolved, "the contract names the path the program makes writable");
        });

        it("restricts the InterLink API (3000) and the sidecar (4000) to localhost; oauth2-proxy stays reachable", () => {
            const files = hostFiles(prod);
            for (const u of ["interlink", "docker-sidecar"]) {
                const text = files[`/etc/systemd/system/${u}.service`];
                assert.match(text, /^IPAddressDeny=any$/m, u);
                assert.match(text, /^IPAddressAllow=localhost$/m, u);
            }
            assert.doesNotMatch(files["/etc/systemd/system/oauth2-proxy.service"], /IPAddressDeny/);
        });

        it("logs only errors on the host: at info level docker-sd writes the notebook's API token to the journal", () => {
            assert.equal(parse(hostFiles(dev)["/etc/interlink/InterLinkConfig.yaml"]).ErrorsOnlyLogging, true);
        });
    });

    describe("values the upstream programs refuse", () => {
        const problemsFor = (set: string[]) => configProblems({ ...DEV, set: [...DEV.set, ...set] });
        const expect = (problems: string[], key: string, text: RegExp) =>
            assert.ok(problems.some((p) => p.startsWith(`research-platform:interlink.${key}: `) && text.test(p)), `${key}:\n${problems.join("\n")}`);

        it("refuses more than one pod on the virtual node (the sidecar names every container \"notebook\")", async () => {
            expect(await problemsFor(['interlink.node.pods="2"']), "node.pods", /one container named "notebook".*Fix: set interlink\.node\.pods: "1"/);
        });

        it("refuses a node with no GPU (the sidecar exits without the NVIDIA driver)", async () => {
            expect(await problemsFor(['interlink.node.gpus="0"', 'interlink.profiles=[{"displayName":"CPU","gpus":0}]']), "node.gpus", /NVIDIA driver/);
        });

        it("refuses an interlinkUrl with a port, a path or a trailing slash", async () => {
            for (const url of ["https://gpu.example.org:8443", "https://gpu.example.org/", "https://gpu.example.org/api"]) {
                expect(await problemsFor([`interlink.interlinkUrl=${url}`]), "interlinkUrl", /scheme:\/\/host only.*Fix: .*interlink\.interlinkPort/);
            }
        });

        it("refuses a hub.internalUrl with a path or a trailing slash, and takes a bare origin", async () => {
            for (const url of ["http://hub.jupyterhub.svc.cluster.local:8081/", "http://hub.jupyterhub.svc.cluster.local:8081/hub"]) {
                expect(await problemsFor([`interlink.hub.internalUrl=${url}`]), "hub.internalUrl", /origin.*no path or trailing slash/);
            }
            const ok = await runProgram({ ...DEV, set: [...DEV.set, "interlink.hub.internalUrl=http://hub.jupyterhub.svc:8081"] });
            const env = ok.one(DEPLOYMENT, "interlink-tunnel-deployment").inputs.spec.template.spec.containers[0].env as { name: string; value: string }[];
            assert.equal(env.find((e) => e.name === "JHUB_URL")!.value, "http://hub.jupyterhub.svc:8081");
        });

        it("refuses tunnel ports the forwarder cannot bind: below 1024, Redis' 6379", async () => {
            expect(await problemsFor(['interlink.tunnel.portRange={"from":80,"to":90}']), "tunnel.portRange", /below 1024/);
            expect(await problemsFor(['interlink.tunnel.portRange={"from":6000,"to":6999}']), "tunnel.portRange", /6379/);
        });

        it("refuses tracing (the VK exports no traces) and profile memory KubeSpawner would misread", async () => {
            const problems = await problemsFor(["interlink.tracing=true", 'interlink.profiles=[{"displayName":"CPU","gpus":0,"memory":"2G"}]']);
            expect(problems, "tracing", /exports no traces/);
            expect(problems, "profiles[0].memory", /Ki, Mi, Gi or Ti/);
        });

        it("requires the hub's release name to be the platform's JupyterHub release", async () => {
            const problems = await configProblems({ ...DEV, set: [...DEV.set, "jupyterhub.releaseName=hub2"] });
            expect(problems, "hub.releaseName", /is "jupyterhub" but the platform's JupyterHub release is "hub2"/);
        });
    });
});
