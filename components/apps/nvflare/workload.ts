/** A participant's Deployment: one pod, strategy Recreate, its own kit mounted, a preflight that names what is missing. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { NvflareConfig } from "../../../config/nvflare";
import { policyException } from "../../k8s/policyException";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import { KIT_MARKER, KITS_DIR, PERSIST, PERSIST_DIR, WORKSPACE } from "./layout";
import { Participant, participantLabels, storage } from "./participants";
import { PROJECT_SHA_ANNOTATION } from "./provision";

type Container = k8s.types.input.core.v1.Container;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Affinity = k8s.types.input.core.v1.Affinity;

/** What the Deployments of a provisioned federation (`workspace.type: provision`) know of the provisioning. */
export interface ProvisionedKit {
    /** The sha256 of the project file: the preflight waits until the participant's kit carries it. */
    sha256: string;
}

/**
 * The init container that runs before the participant: creates its workspace root (secret workspace), waits
 * for its provisioned kit (provision), and checks what NVFlare would otherwise die on at start-up with a
 * stack trace: a workspace root it cannot write (log.txt, audit.log: server_train.py 54-86, fed_utils.py
 * 116-117), a local/ without log.config(.default) or resources.json(.default) (fed_utils.py 178-181,
 * workspace.py 87-88, config_factory.py 65-67), a /tmp/nvflare it cannot write (the job store and the
 * snapshot persistor are created there at start-up: filesystem_storage.py 80-98, job_def_manager.py 107-110).
 * Lines cite NVIDIA/NVFlare at tag 2.4.0.
 */
export function preflight(cfg: NvflareConfig, p: Participant, kit?: ProvisionedKit): Container | undefined {
    const ws = cfg.workspace!;
    const root = `${WORKSPACE}/${p.name}`;
    const uid = cfg.runAsUser ?? 65532;
    const gid = cfg.runAsGroup ?? uid;
    const lines: string[] = ["set -eu"];
    const mounts: VolumeMount[] = [];
    const fail = (what: string, fix: string) => `{ echo "nvflare ${p.name}: ${what}. Fix: ${fix}" >&2; exit 1; }`;
    let local = `${root}/local`;
    let localFix = `copy the provisioned prod_NN/${p.name}/local/ folder into the participant's folder`;
    let ownerFix = `chown -R ${uid}:${gid} the participant folders of prod_NN, or set nvflare.runAsUser/runAsGroup to their owner`;

    switch (ws.type) {
        case "secret":
            // /workspace is an emptyDir: the runtime would create the mount point /workspace/<name> root-owned for the
            // startup Secret; create it first, as the pod's user, so logs can be written. local/ is checked elsewhere for the same reason.
            mounts.push({ name: "workspace", mountPath: WORKSPACE });
            lines.push(`mkdir -p ${root}`);
            local = "/preflight/local";
            localFix = `create the ConfigMap from the provisioned kit: kubectl -n ${cfg.namespace} create configmap ${ws.localConfigMapPrefix}${p.name} --from-file=prod_NN/${p.name}/local/`;
            if (p.usesLocal) mounts.push({ name: "local", mountPath: local, readOnly: true });
            break;
        case "provision":
            mounts.push({ name: "workspace", mountPath: root, subPath: `${KITS_DIR}/${p.name}` });
            localFix = "run pulumi up again to re-provision (the provisioning Job writes local/)";
            ownerFix = `the provisioning Job creates the folder as nvflare.runAsUser: set it back to the UID that provisioned, or delete the claim ${ws.claimName} to provision afresh`;
            if (kit) {
                // Pulumi creates the Deployments after the Job has completed; this also holds the pod if the kit is
                // older than the project (a restart while the Job re-provisions).
                lines.push(`want=${kit.sha256}`, `until [ "$(cat ${root}/${KIT_MARKER} 2>/dev/null)" = "$want" ]; do echo "nvflare ${p.name}: waiting for the provisioning Job's kit (project $want)"; sleep 5; done`);
            }
            break;
        case "hostPath":
        case "persistentVolumeClaim":
            mounts.push({ name: "workspace", mountPath: root, subPath: p.name });
            break;
    }
    if (p.usesLocal) {
        if (ws.type !== "secret") {
            lines.push(`test -w ${root} || ${fail(`cannot write its workspace folder (log.txt, audit.log and job folders go there) as UID ${uid}`, ownerFix)}`);
        }
        for (const f of ["log.config", "resources.json"]) {
            lines.push(`[ -f ${local}/${f} ] || [ -f ${local}/${f}.default ] || ${fail(`local/ has neither ${f} nor ${f}.default, without which it exits at start-up`, localFix)}`);
        }
    }
    const ps = cfg.persist;
    if (p.usesPersist && ps.type !== "emptyDir") {
        const where = ps.type === "hostPath" ? `hostPath ${ps.path}` : ps.type === "persistentVolumeClaim" ? `claim ${ps.claimName}` : `the ${PERSIST_DIR}/ folder of the provisioning claim`;
        const fix =
            ps.type === "hostPath"
                ? `create it on the node owned by the pods' user: install -d -o ${uid} -g ${gid} ${ps.path}`
                : ps.type === "persistentVolumeClaim"
                  ? `make the claim's root writable by UID ${uid} or GID ${gid} (chown, or a storage class that applies fsGroup)`
                  : "run pulumi up again: the provisioning Job creates it";
        mounts.push(ps.type === "workspace" ? { name: "workspace", mountPath: PERSIST, subPath: PERSIST_DIR } : { name: "persist", mountPath: PERSIST });
        lines.push(`test -w ${PERSIST} || ${fail(`cannot write ${PERSIST} (${where}) as UID ${uid}: the job store and snapshots are created there at start-up`, fix)}`);
    }
    if (lines.length === 1) return undefined;
    return {
        name: "preflight",
        image: cfg.image!,
        imagePullPolicy: "IfNotPresent",
        command: ["/bin/sh", "-c", lines.join("\n")],
        volumeMounts: mounts,
        resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
        securityContext: restrictedContainerSecurityContext(),
    };
}

/**
 * Pods that must share a node: with a hostPath persist, the HA servers (each node has its own folder);
 * with the provisioning claim, every participant (a ReadWriteOnce volume is usable on one node only).
 */
function coLocation(cfg: NvflareConfig, p: Participant): Affinity | undefined {
    const together = (matchLabels: Record<string, string>): Affinity => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels }, topologyKey: "kubernetes.io/hostname" }] } });
    if (cfg.workspace?.type === "provision") return together({ "app.kubernetes.io/name": "nvflare" });
    if (p.usesPersist && cfg.persist.type === "hostPath" && cfg.servers.length > 1) return together({ "app.kubernetes.io/name": "nvflare", "app.kubernetes.io/component": "server" });
    return undefined;
}

/** The Deployment of participant `p` in `namespace` (a program resource's input, or a ConfigGroup document's body). */
export function participantDeployment(cfg: NvflareConfig, p: Participant, namespace: pulumi.Input<string>, kit?: ProvisionedKit): k8s.types.input.apps.v1.Deployment {
    const labels = participantLabels(cfg, p);
    const selector = { system: p.name };
    const { volumes, mounts } = storage(cfg, p);
    const container: Container = {
        name: p.name,
        image: cfg.image!,
        imagePullPolicy: "IfNotPresent",
        command: p.command,
        args: p.args,
        ports: p.ports.length > 0 ? p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: "TCP" })) : undefined,
        env: [{ name: "HOME", value: "/tmp" }],
        volumeMounts: mounts,
        resources: p.resources,
        readinessProbe: p.readinessProbe,
        livenessProbe: p.livenessProbe,
        securityContext: restrictedContainerSecurityContext(),
    };
    const init = preflight(cfg, p, kit);
    return {
        metadata: {
            name: p.name,
            namespace,
            labels,
            annotations: policyException("prod-replicas", `NVFlare ${p.role} ${p.name} is one identity of the federation (its startup kit); two processes must never share its workspace, so it runs once with strategy Recreate`),
        },
        spec: {
            replicas: 1,
            // Two server processes must never share a workspace (the default RollingUpdate would overlap them).
            strategy: { type: "Recreate" },
            selector: { matchLabels: selector },
            template: {
                // A re-provisioned kit (new project file) restarts the participant on it.
                metadata: { labels, annotations: kit ? { [PROJECT_SHA_ANNOTATION]: kit.sha256 } : undefined },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: restrictedPodSecurityContext({ runAsUser: cfg.runAsUser, runAsGroup: cfg.runAsGroup }),
                    affinity: coLocation(cfg, p),
                    initContainers: init ? [init] : undefined,
                    containers: [container],
                    volumes,
                },
            },
        },
    };
}
