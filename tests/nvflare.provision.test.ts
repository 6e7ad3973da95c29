/** nvflare: the federation provisioned in the cluster (the dev stack), issue 19 item 1 and defect 7 there. */
import * as assert from "node:assert/strict";
import * as crypto from "node:crypto";
import { parse } from "yaml";
import { Job as JobModel } from "kubernetes-models/batch/v1/Job";
import { PersistentVolumeClaim as ClaimModel } from "kubernetes-models/v1/PersistentVolumeClaim";
import { contract } from "../contracts/nvflare";
import type { ContractConfig } from "../contracts/types";
import { Run, configProblems, runProgram } from "./harness";
import { NVFLARE, DEPLOYMENT, NAMESPACE, HA, container, nv } from "./nvflareUtil";

const JOB = "kubernetes:batch/v1:Job";
const CLAIM = "kubernetes:core/v1:PersistentVolumeClaim";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const SHA_ANNOTATION = "research-platform.io/nvflare-project-sha256";

const projectYaml = (run: Run): string => run.one(CONFIGMAP, "nvflare-project").inputs.data["project.yml"];
const script = (run: Run): string => run.one(JOB, "nvflare-provision").inputs.spec.template.spec.containers[0].command[2];

describe("nvflare: provisioned in the cluster (dev stack)", () => {
    let run: Run;
    before(async () => {
        run = await runProgram({ stack: "dev" });
    });

    it("gives the Job the project file made from the stack's config: overseer, servers with their ports, the admin, the builders", () => {
        assert.deepEqual(parse(projectYaml(run)), {
            api_version: 3,
            name: "research_platform",
            description: "Provisioned in the cluster by research-platform from the nvflare stack config",
            participants: [
                { name: "overseer", type: "overseer", org: "nvidia", protocol: "https", api_root: "/api/v1", port: 30843 },
                { name: "server1", type: "server", org: "nvidia", fed_learn_port: 30002, admin_port: 30003 },
                { name: "server2", type: "server", org: "nvidia", fed_learn_port: 30102, admin_port: 30103 },
                { name: "admin@nvidia.com", type: "admin", org: "nvidia", role: "project_admin" },
            ],
            builders: [
                { path: "nvflare.lighter.impl.workspace.WorkspaceBuilder", args: { template_file: "master_template.yml" } },
                { path: "nvflare.lighter.impl.template.TemplateBuilder" },
                { path: "nvflare.lighter.impl.static_file.StaticFileBuilder", args: { config_folder: "config", overseer_agent: { path: "nvflare.ha.overseer_agent.HttpOverseerAgent", overseer_exists: true } } },
                { path: "nvflare.lighter.impl.cert.CertBuilder" },
                { path: "nvflare.lighter.impl.signature.SignatureBuilder" },
            ],
        });
    });

    it("runs the pinned image's nvflare provision on that file in a Job that meets Pod Security restricted", () => {
        const job = run.one(JOB, "nvflare-provision");
        const pod = job.inputs.spec.template.spec;
        const c = pod.containers[0];
        assert.equal(c.image, "nvflare/nvflare:2.4.0");
        assert.deepEqual(c.command.slice(0, 2), ["/bin/sh", "-c"]);
        const lines = script(run).split("\n");
        // -p last: a last argument ending in "provision" would make nvflare provision ask which sample to write.
        assert.ok(lines.includes("nvflare provision -w /state/provisioning -p /project/project.yml"), script(run));
        assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "project"), { name: "project", configMap: { name: "nvflare-project" } });
        assert.ok(c.volumeMounts.some((m: { name: string; mountPath: string; readOnly?: boolean }) => m.name === "project" && m.mountPath === "/project" && m.readOnly));
        // It exits 0 when a builder fails: the Job checks every kit, admins' included, before copying any.
        assert.ok(script(run).includes(`for p in 'overseer' 'server1' 'server2' 'admin@nvidia.com'; do\n  if [ ! -d "/state/provisioning/research_platform/prod_00/$p/startup" ]; then`), script(run));
        assert.equal(pod.restartPolicy, "Never");
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: "RuntimeDefault" } });
        assert.deepEqual(c.securityContext, { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } });
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
        assert.ok(!pod.volumes.some((v: { hostPath?: unknown }) => v.hostPath), "no hostPath");
        assert.equal(run.one(NAMESPACE, "nvflare-ns").inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
        new JobModel({ apiVersion: "batch/v1", kind: "Job", ...job.inputs }).validate();
        // The pod needs no network: it is not one of the participants the NetworkPolicies allow.
        assert.notEqual(job.inputs.spec.template.metadata.labels["app.kubernetes.io/name"], "nvflare");
    });

    it("writes the kits to one claim on the platform's storage class, which the Job waits for", () => {
        const claim = run.one(CLAIM, "nvflare-state");
        assert.deepEqual(claim.inputs.spec, { accessModes: ["ReadWriteOnce"], storageClassName: "local-path", resources: { requests: { storage: "1Gi" } } });
        assert.ok(claim.dependsOn.includes(run.one("kubernetes:storage.k8s.io/v1:StorageClass", "local-path").urn), "the claim waits for the storage class");
        new ClaimModel({ apiVersion: "v1", kind: "PersistentVolumeClaim", ...claim.inputs }).validate();
        const job = run.one(JOB, "nvflare-provision");
        assert.deepEqual(job.inputs.spec.template.spec.volumes.find((v: { name: string }) => v.name === "state"), { name: "state", persistentVolumeClaim: { claimName: "nvflare-state" } });
        assert.ok(job.dependsOn.includes(claim.urn) && job.dependsOn.includes(run.one(CONFIGMAP, "nvflare-project").urn));
    });

    it("needs no host folder in dev: no hostPath anywhere, each pod mounts only its own folder of the claim", () => {
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) {
            const name = d.inputs.metadata.name;
            const pod = d.inputs.spec.template.spec;
            assert.ok(!pod.volumes.some((v: { hostPath?: unknown }) => v.hostPath), `${name} has no hostPath`);
            assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "workspace"), { name: "workspace", persistentVolumeClaim: { claimName: "nvflare-state" } });
            const ws = [...pod.initContainers, ...pod.containers].flatMap((c: { volumeMounts: { name: string; subPath?: string; mountPath: string }[] }) => c.volumeMounts).filter((m: { name: string }) => m.name === "workspace");
            for (const m of ws) assert.ok(m.subPath === `kits/${name}` || m.subPath === `kits/${name}/startup` || m.subPath === "persist", `${name} mounts ${m.subPath ?? "the whole claim"} at ${m.mountPath}`);
            assert.deepEqual(
                container(d).volumeMounts.filter((m: { name: string }) => m.name === "workspace").slice(0, 2),
                [
                    { name: "workspace", mountPath: `/workspace/${name}`, subPath: `kits/${name}` },
                    { name: "workspace", mountPath: `/workspace/${name}/startup`, subPath: `kits/${name}/startup`, readOnly: true },
                ],
            );
        }
    });

    it("starts the participants after the Job, and each waits until its kit is the current project's", () => {
        const job = run.one(JOB, "nvflare-provision");
        const sha = crypto.createHash("sha256").update(projectYaml(run)).digest("hex");
        assert.equal(job.inputs.spec.template.metadata.annotations[SHA_ANNOTATION], sha, "a changed project changes the Job's template, which replaces it");
        assert.ok(script(run).includes(`echo ${sha} > "/state/kits/$p/.project-sha256"`), "the Job marks each kit last");
        for (const d of run.allIn(NVFLARE, DEPLOYMENT)) {
            const name = d.inputs.metadata.name;
            assert.ok(d.dependsOn.includes(job.urn), `${name} is created after the Job has completed`);
            assert.equal(d.inputs.spec.template.metadata.annotations[SHA_ANNOTATION], sha, `${name} restarts on a new kit`);
            const init = d.inputs.spec.template.spec.initContainers[0];
            const lines = init.command[2].split("\n");
            assert.ok(lines.includes(`want=${sha}`), init.command[2]);
            assert.ok(lines.some((l: string) => l.startsWith(`until [ "$(cat /workspace/${name}/.project-sha256 2>/dev/null)" = "$want" ]; do`)), init.command[2]);
        }
    });

    it("defect 7: the servers' /tmp/nvflare is the claim's persist/ folder, which the Job creates as the servers' user: one volume, so one node", () => {
        const job = run.one(JOB, "nvflare-provision");
        assert.ok(script(run).split("\n").includes("mkdir -p /state/provisioning /state/kits /state/persist"), script(run));
        for (const name of ["server1", "server2"]) {
            const d = run.one(DEPLOYMENT, `nvflare-${name}`);
            const pod = d.inputs.spec.template.spec;
            assert.ok(container(d).volumeMounts.some((m: { name: string; mountPath: string; subPath?: string }) => m.name === "workspace" && m.mountPath === "/tmp/nvflare" && m.subPath === "persist"), `${name} keeps its state on the claim`);
            assert.ok(!pod.volumes.some((v: { name: string }) => v.name === "persist"), `${name} has no volume of its own for /tmp/nvflare`);
            assert.equal(pod.securityContext.runAsUser, job.inputs.spec.template.spec.securityContext.runAsUser, "the Job creates the folders as the servers' user");
            assert.deepEqual(pod.affinity, {
                podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { "app.kubernetes.io/name": "nvflare" } }, topologyKey: "kubernetes.io/hostname" }] },
            });
        }
    });

    it("keeps the contract true: no host folder in dev, the provisioner's writes", () => {
        const cfg = run.all("research-platform:index:Platform")[0].inputs.config as ContractConfig;
        const c = contract(cfg)!;
        assert.deepEqual(c.hostFacts, []);
        assert.ok(c.writes.some((w) => w.pod.labels["app.kubernetes.io/name"] === "nvflare-provision" && w.path === "/state/provisioning/research_platform"));
    });
});

describe("nvflare: provisioning from other configs", () => {
    it("without an overseer, gives every participant the dummy agent pointing at the one server", async () => {
        const run = await runProgram({ stack: "dev", set: [nv({ overseer: undefined, servers: [HA.servers[0]], workspace: { type: "provision", admins: [{ name: "admin@example.org", org: "nvidia" }] }, persist: { type: "workspace" } })] });
        const project = parse(projectYaml(run));
        assert.deepEqual(project.builders[2].args.overseer_agent, { path: "nvflare.ha.dummy_overseer_agent.DummyOverseerAgent", overseer_exists: false, args: { sp_end_point: "server1:8002:8003" } });
        assert.deepEqual(project.participants.map((p: { type: string }) => p.type), ["server", "admin"]);
        assert.equal(project.participants[1].role, "project_admin", "the default role");
    });

    it("re-provisions when the project changes: a new client changes the sha256 of the Job and of every participant", async () => {
        const base = await runProgram({ stack: "dev" });
        const more = await runProgram({ stack: "dev", set: ['nvflare.clients=[{"name":"site-1","org":"hospital_b"}]'] });
        const sha = (r: Run) => r.one(JOB, "nvflare-provision").inputs.spec.template.metadata.annotations[SHA_ANNOTATION];
        assert.notEqual(sha(base), sha(more));
        assert.ok(parse(projectYaml(more)).participants.some((p: { name: string; type: string; org: string }) => p.name === "site-1" && p.type === "client" && p.org === "hospital_b"));
        const client = more.one(DEPLOYMENT, "nvflare-clients:nvflare/site-1");
        assert.equal(client.inputs.spec.template.metadata.annotations[SHA_ANNOTATION], sha(more));
        const group = more.one("kubernetes:yaml/v2:ConfigGroup", "nvflare-clients");
        assert.ok(group.dependsOn.includes(more.one(JOB, "nvflare-provision").urn), "the clients wait for the Job too");
    });

    it("prod keeps the operator's kit in a Secret: no Job, no project, no claim of its own", async () => {
        const run = await runProgram({ stack: "prod", placeholderSecrets: true });
        assert.equal(run.allIn(NVFLARE, JOB).length, 0);
        assert.equal(run.allIn(NVFLARE, CLAIM).length, 0);
        assert.equal(run.find(CONFIGMAP, "nvflare-project"), undefined);
        const pod = run.one(DEPLOYMENT, "nvflare-fl-server").inputs.spec.template.spec;
        assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "startup").secret, { secretName: "nvflare-startup-fl-server", defaultMode: 0o550 });
        assert.deepEqual(pod.volumes.find((v: { name: string }) => v.name === "persist").persistentVolumeClaim, { claimName: "nvflare-persist" });
        assert.equal(run.one(DEPLOYMENT, "nvflare-fl-server").inputs.spec.template.metadata.annotations, undefined);
    });

    it("refuses what nvflare provision 2.4.0 refuses, before anything runs", async () => {
        const provision = { type: "provision", admins: [{ name: "admin@example.org", org: "nvidia" }] };
        const p = await configProblems({
            stack: "dev",
            set: [nv({ workspace: provision, persist: { type: "workspace" }, servers: [...HA.servers, { name: "server3", org: "nvidia", flPort: 8202, adminPort: 8203 }], clients: [{ name: "site-1", org: "hospital-b" }] })],
        });
        assert.ok(p.some((l) => l.startsWith("research-platform:nvflare.servers: lists 3 servers, but nvflare provision 2.4.0 provisions at most 2")), p.join("\n"));
        assert.ok(p.some((l) => l.startsWith('research-platform:nvflare.clients[0].org: is "hospital-b", which nvflare provision 2.4.0 refuses as an org') && l.includes("hospital_b")), p.join("\n"));
        const admins = await configProblems({ stack: "dev", set: [nv({ workspace: { type: "provision", admins: [{ name: "admin", org: "nvidia" }] }, persist: { type: "workspace" } })] });
        assert.ok(admins.some((l) => l.startsWith("research-platform:nvflare.workspace.admins[0].name: is not an email address")), admins.join("\n"));
        const none = await configProblems({ stack: "dev", set: [nv({ workspace: { type: "provision" }, persist: { type: "workspace" } })] });
        assert.ok(none.some((l) => l.startsWith("research-platform:nvflare.workspace.admins: lists no admin")), none.join("\n"));
        const persist = await configProblems({ stack: "dev", set: [nv({ persist: { type: "workspace" } })] });
        assert.ok(persist.some((l) => l.startsWith("research-platform:nvflare.persist: is {type: workspace}, which is the provisioning claim's persist/ folder, but workspace.type is hostPath")), persist.join("\n"));
    });
});
