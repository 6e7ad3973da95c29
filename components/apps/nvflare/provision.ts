/**
 * In-cluster provisioning (`workspace.type: provision`): the project file made from config, the claim
 * the kits and the servers' state live on, and the Job that runs the pinned image's `nvflare provision`
 * and lays each participant's kit out in its own folder of the claim.
 *
 * Upstream facts, read from NVIDIA/NVFlare at tag 2.4.0 (commit bf800ffaa43a5021ee17c0914aa75557fce15974):
 * - `nvflare provision -p <project file> -w <dir>` (`nvflare/lighter/provision.py` 49-54, 62-101) loads the
 *   project file (api_version 3, `participants`, `builders`: 122-150) and writes
 *   `<dir>/<project name>/prod_NN/<participant>/{startup,local,transfer}` (`nvflare/lighter/spec.py`
 *   102-112, 154-188; `nvflare/lighter/impl/workspace.py` 55-87: NN is one more than the highest existing).
 * - The CA and every participant's certificate and key are kept in `<dir>/<project>/state/cert.json` and
 *   reused on the next run (`nvflare/lighter/impl/cert.py` 56-66, 70-93): re-provisioning keeps identities.
 * - It exits 0 even when a builder fails: the Provisioner prints the traceback and removes the incomplete
 *   prod_NN (`spec.py` 168-188), and the CLI prints any other error without an exit code
 *   (`nvflare/cli.py` 167-194). The Job therefore checks the kits itself.
 * - When the LAST argument ends in "provision" and the working directory has no project.yml, it asks
 *   interactively which sample to write and exits (`provision.py` 57-59, 72-90): the Job passes `-p` last
 *   and uses a working directory without that name.
 * - The project file follows the tag's own samples (`nvflare/lighter/ha_project.yml` 1-87 with an overseer,
 *   `nvflare/lighter/dummy_project.yml` 1-65 without): the overseer with protocol https, api_root /api/v1
 *   and its port; servers with fed_learn_port and admin_port; the StaticFileBuilder's overseer_agent
 *   (`nvflare/lighter/impl/static_file.py` 129-160, 251-260); CertBuilder and SignatureBuilder. The
 *   DockerBuilder and HelmChartBuilder of the HA sample are left out: the program is the deployment.
 */
import * as crypto from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { toYaml } from "../../k8s/yaml";
import type { NvflareConfig, NvflareProvision } from "../../../config/nvflare";
import { appLabels } from "../../k8s/labels";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import { KITS_DIR, KIT_MARKER, PERSIST_DIR, PROVISIONING_DIR, STATE } from "./layout";
import { imageTag } from "./participants";

/** Pod-template annotation carrying that sha256: a changed project re-runs the Job and restarts the participants. */
export const PROJECT_SHA_ANNOTATION = "research-platform.io/nvflare-project-sha256";
/** The ConfigMap holding the project file, and the Job. */
export const PROJECT_CONFIGMAP = "nvflare-project";
export const PROVISION_JOB = "nvflare-provision";

/** The project file (`project.yml`, api_version 3) for this config: every participant with its ports and org, the admins, the builders. */
export function projectFile(cfg: NvflareConfig, ws: NvflareProvision): Record<string, unknown> {
    const firstOrg = cfg.servers[0]?.org ?? "";
    const participants: Record<string, unknown>[] = [];
    if (cfg.overseer) {
        participants.push({ name: cfg.overseer.name, type: "overseer", org: cfg.overseer.org ?? firstOrg, protocol: "https", api_root: "/api/v1", port: cfg.overseer.port });
    }
    for (const s of cfg.servers) participants.push({ name: s.name, type: "server", org: s.org, fed_learn_port: s.flPort, admin_port: s.adminPort });
    for (const c of cfg.clients) participants.push({ name: c.name, type: "client", org: c.org });
    for (const a of ws.admins) participants.push({ name: a.name, type: "admin", org: a.org, role: a.role });

    // With an overseer the provisioner fills the HTTP agent's args per participant (overseer_exists: true);
    // without one, every participant gets the dummy agent pointing at the single server.
    const s0 = cfg.servers[0];
    const overseerAgent = cfg.overseer
        ? { path: "nvflare.ha.overseer_agent.HttpOverseerAgent", overseer_exists: true }
        : { path: "nvflare.ha.dummy_overseer_agent.DummyOverseerAgent", overseer_exists: false, args: { sp_end_point: s0 ? `${s0.name}:${s0.flPort}:${s0.adminPort}` : "" } };
    return {
        api_version: 3,
        name: ws.project,
        description: "Provisioned in the cluster by research-platform from the nvflare stack config",
        participants,
        builders: [
            { path: "nvflare.lighter.impl.workspace.WorkspaceBuilder", args: { template_file: "master_template.yml" } },
            { path: "nvflare.lighter.impl.template.TemplateBuilder" },
            { path: "nvflare.lighter.impl.static_file.StaticFileBuilder", args: { config_folder: "config", overseer_agent: overseerAgent } },
            { path: "nvflare.lighter.impl.cert.CertBuilder" },
            { path: "nvflare.lighter.impl.signature.SignatureBuilder" },
        ],
    };
}

/** The project file as the Job gets it, and its sha256. */
export function projectYaml(cfg: NvflareConfig, ws: NvflareProvision): { yaml: string; sha256: string } {
    const yaml = toYaml(projectFile(cfg, ws));
    return { yaml, sha256: crypto.createHash("sha256").update(yaml).digest("hex") };
}

/** Every folder the provisioner writes a kit into, in project order (participants, then admins). */
export function kitNames(cfg: NvflareConfig, ws: NvflareProvision): string[] {
    return [...(cfg.overseer ? [cfg.overseer.name] : []), ...cfg.servers.map((s) => s.name), ...cfg.clients.map((c) => c.name), ...ws.admins.map((a) => a.name)];
}

/** The Job's shell script: provision afresh, check every kit, copy each into its participant's folder, mark it with the project's sha256. */
export function provisionScript(cfg: NvflareConfig, ws: NvflareProvision, sha256: string): string {
    const names = kitNames(cfg, ws)
        .map((n) => `'${n}'`)
        .join(" ");
    const work = `${STATE}/${PROVISIONING_DIR}`;
    const prod = `${work}/${ws.project}/prod_00`;
    return [
        "set -eu",
        // Keys and kits readable by the participants' user only (they run as the Job's user).
        "umask 077",
        `mkdir -p ${work} ${STATE}/${KITS_DIR} ${STATE}/${PERSIST_DIR}`,
        // A fresh prod_00 on every run (prod_NN counts up from the existing ones); the CA and certificates stay in state/.
        `rm -rf ${work}/${ws.project}/prod_*`,
        // -p last: a last argument ending in "provision" would make it ask which sample to write.
        `nvflare provision -w ${work} -p /project/project.yml`,
        // It exits 0 even when a builder failed: check that every kit is there.
        `for p in ${names}; do`,
        `  if [ ! -d "${prod}/$p/startup" ]; then echo "nvflare provision wrote no startup kit for $p (see its output above)" >&2; exit 1; fi`,
        "done",
        // Each participant's folder keeps its logs and job folders; startup/ and local/ are replaced by the new kit.
        `for p in ${names}; do`,
        `  mkdir -p "${STATE}/${KITS_DIR}/$p"`,
        `  rm -rf "${STATE}/${KITS_DIR}/$p/startup" "${STATE}/${KITS_DIR}/$p/local"`,
        `  cp -R "${prod}/$p/." "${STATE}/${KITS_DIR}/$p/"`,
        `  echo ${sha256} > "${STATE}/${KITS_DIR}/$p/${KIT_MARKER}"`,
        "done",
        `echo "provisioned ${names.replace(/'/g, "")} (project ${sha256})"`,
    ].join("\n");
}

export interface ProvisioningArgs {
    namespace: pulumi.Input<string>;
    /** The platform's storage class (undefined: the cluster's default class). */
    storageClassName?: string;
    storageReady: pulumi.Resource[];
    /** Protect the claim (prod): it holds the federation's CA and every key. */
    protect: boolean;
    /** `{ parent, provider }`. */
    child: pulumi.CustomResourceOptions;
    /** The namespace (and anything else the objects wait for). */
    dependsOn: pulumi.Resource[];
}

export interface Provisioning {
    /** The Job: the participants wait for it (Pulumi waits until it has completed). */
    job: k8s.batch.v1.Job;
    sha256: string;
}

/** The ConfigMap with the project file, the claim, and the provisioning Job. */
export function provisioning(name: string, cfg: NvflareConfig, ws: NvflareProvision, args: ProvisioningArgs): Provisioning {
    const { yaml, sha256 } = projectYaml(cfg, ws);
    const version = imageTag(cfg.image!);
    const labels = appLabels("nvflare-provision", { component: "provision", instance: ws.project, version });
    const project = new k8s.core.v1.ConfigMap(`${name}-project`, { metadata: { name: PROJECT_CONFIGMAP, namespace: args.namespace, labels }, data: { "project.yml": yaml } }, { ...args.child, dependsOn: args.dependsOn });
    const claim = new k8s.core.v1.PersistentVolumeClaim(
        `${name}-state`,
        {
            metadata: {
                name: ws.claimName,
                namespace: args.namespace,
                labels,
                // A WaitForFirstConsumer claim stays Pending until the Job's pod is scheduled, and the provider's
                // claim await has hung on such claims (pulumi/pulumi-kubernetes#895, #4179): the Job's completion is the real readiness.
                annotations: { "pulumi.com/skipAwait": "true" },
            },
            spec: {
                // One volume, so one node: a local-path volume is created on the node of its first consumer (the Job)
                // and its node affinity brings every participant there; ReadWriteOnce lets pods on that node share it.
                // Its root is made mode 0777 (kind v0.22.0 pkg/build/nodeimage/const_storage.go 162-165; local-path-provisioner
                // v0.0.26 deploy/local-path-storage.yaml 137-140) and fsGroup does not apply to it, so the Job, running as
                // runAsUser, creates every folder the participants write.
                accessModes: ["ReadWriteOnce"],
                storageClassName: ws.storageClassName ?? args.storageClassName,
                resources: { requests: { storage: ws.size } },
            },
        },
        { ...args.child, dependsOn: [...args.dependsOn, ...args.storageReady], protect: args.protect, retainOnDelete: args.protect },
    );
    const job = new k8s.batch.v1.Job(
        `${name}-provision`,
        {
            metadata: { name: PROVISION_JOB, namespace: args.namespace, labels },
            spec: {
                backoffLimit: 2,
                template: {
                    // The project's sha256 is in the template: a changed project replaces the Job (its template is immutable,
                    // and the provider deletes a named Job before recreating it: pulumi/pulumi-kubernetes v4.32.0
                    // provider/pkg/provider/diff.go 78-81, 178-185 and provider.go 1645-1658).
                    metadata: { labels, annotations: { [PROJECT_SHA_ANNOTATION]: sha256 } },
                    spec: {
                        restartPolicy: "Never",
                        automountServiceAccountToken: false,
                        enableServiceLinks: false,
                        securityContext: restrictedPodSecurityContext({ runAsUser: cfg.runAsUser, runAsGroup: cfg.runAsGroup }),
                        containers: [
                            {
                                name: "provision",
                                image: cfg.image!,
                                imagePullPolicy: "IfNotPresent",
                                command: ["/bin/sh", "-c", provisionScript(cfg, ws, sha256)],
                                workingDir: "/tmp",
                                env: [{ name: "HOME", value: "/tmp" }],
                                volumeMounts: [
                                    { name: "state", mountPath: STATE },
                                    { name: "project", mountPath: "/project", readOnly: true },
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                                resources: { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
                                securityContext: restrictedContainerSecurityContext(),
                            },
                        ],
                        volumes: [
                            { name: "state", persistentVolumeClaim: { claimName: ws.claimName } },
                            { name: "project", configMap: { name: PROJECT_CONFIGMAP } },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
        { ...args.child, dependsOn: [...args.dependsOn, project, claim] },
    );
    return { job, sha256 };
}
