/**
 * The participants (overseer, servers, clients) as HelmChartBuilder describes them: one table of
 * commands, ports, probes and resources, and the volumes each mounts. Everything per role is here.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { NvflareConfig } from "../../../config/nvflare";
import type { Resources } from "../../../config/types";
import { appLabels } from "../../k8s/labels";
import { KITS_DIR, PERSIST, PERSIST_DIR, WORKSPACE } from "./layout";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Probe = k8s.types.input.core.v1.Probe;

export { WORKSPACE } from "./layout";
const PYTHON = "/usr/local/bin/python3";

export interface ExposedPort {
    /** Container and Service port name (<= 15 characters). */
    name: string;
    port: number;
    role: "overseer" | "fl" | "admin";
}

/** One participant, described the same way whatever its role: the only per-role code is the table in `participants()`. */
export interface Participant {
    name: string;
    role: "overseer" | "server" | "client";
    command: string[];
    args?: string[];
    ports: ExposedPort[];
    usesPersist: boolean;
    /**
     * Reads `local/` and writes its workspace root (servers and clients: `Workspace` requires local/, the log
     * config and resources file come from there, and log.txt, audit.log and job folders go to the root).
     * The overseer reads only `startup/` (`start.sh`: gunicorn with startup/ files, master_template.yml 362-365).
     */
    usesLocal: boolean;
    resources: Resources;
    readinessProbe: Probe;
    livenessProbe: Probe;
    /** The names of the ports the TCP probes dial (the kubelet connects to them from the node). */
    probedPorts: string[];
}

function tcpProbe(port: string, liveness: boolean): Probe {
    return liveness
        ? { tcpSocket: { port }, initialDelaySeconds: 30, periodSeconds: 20, timeoutSeconds: 5, failureThreshold: 6 }
        : { tcpSocket: { port }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 };
}

/** The participants in config order, with the exact commands and args HelmChartBuilder generates (each server with its own org). */
export function participants(cfg: NvflareConfig): Participant[] {
    const out: Participant[] = [];
    if (cfg.overseer) {
        const o = cfg.overseer;
        out.push({
            name: o.name,
            role: "overseer",
            // start.sh runs gunicorn in the foreground (mutual TLS, bind 0.0.0.0:<port>).
            command: [`${WORKSPACE}/${o.name}/startup/start.sh`],
            ports: [{ name: "overseer-port", port: o.port, role: "overseer" }],
            usesPersist: false,
            usesLocal: false,
            resources: o.resources ?? cfg.resources.overseer,
            readinessProbe: tcpProbe("overseer-port", false),
            livenessProbe: tcpProbe("overseer-port", true),
            probedPorts: ["overseer-port"],
        });
    }
    for (const s of cfg.servers) {
        out.push({
            name: s.name,
            role: "server",
            command: [PYTHON],
            args: ["-u", "-m", "nvflare.private.fed.app.server.server_train", "-m", `${WORKSPACE}/${s.name}`, "-s", "fed_server.json", "--set", "secure_train=true", "config_folder=config", `org=${s.org}`],
            ports: [
                { name: "fl-port", port: s.flPort, role: "fl" },
                { name: "admin-port", port: s.adminPort, role: "admin" },
            ],
            usesPersist: true,
            usesLocal: true,
            resources: s.resources ?? cfg.resources.server,
            readinessProbe: tcpProbe("fl-port", false),
            livenessProbe: tcpProbe("admin-port", true),
            probedPorts: ["fl-port", "admin-port"],
        });
    }
    for (const c of cfg.clients) {
        out.push({
            name: c.name,
            role: "client",
            command: [PYTHON],
            args: ["-u", "-m", "nvflare.private.fed.app.client.client_train", "-m", `${WORKSPACE}/${c.name}`, "-s", "fed_client.json", "--set", "secure_train=true", `uid=${c.name}`, "config_folder=config", `org=${c.org}`],
            ports: [],
            usesPersist: false,
            usesLocal: true,
            resources: c.resources ?? cfg.resources.client,
            // Clients listen on nothing: ready once the startup kit is readable (wrong UID or a missing Secret show here), alive while client_train is PID 1.
            readinessProbe: { exec: { command: ["/bin/sh", "-c", `test -r ${WORKSPACE}/${c.name}/startup/fed_client.json`] }, periodSeconds: 10, timeoutSeconds: 5 },
            livenessProbe: { exec: { command: ["/bin/sh", "-c", "grep -q client_train /proc/1/cmdline"] }, initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
            probedPorts: [],
        });
    }
    return out;
}

/** Whether the config puts any hostPath volume in the pods (then the namespace needs Pod Security "privileged"). */
export function usesHostPath(cfg: NvflareConfig): boolean {
    return cfg.workspace?.type === "hostPath" || (cfg.persist.type === "hostPath" && cfg.servers.length > 0);
}

/**
 * Volumes and mounts of one participant. Each pod sees only its own participant folder (never the
 * other participants' keys): the folder at /workspace/<name>, read-write (the servers and clients
 * write their logs and job folders there), its startup/ read-only over it; the servers' /tmp/nvflare;
 * a scratch /tmp, since the root filesystem is read-only.
 */
export function storage(cfg: NvflareConfig, p: Participant): { volumes: Volume[]; mounts: VolumeMount[] } {
    const ws = cfg.workspace!;
    const root = `${WORKSPACE}/${p.name}`;
    const startup = `${root}/startup`;
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [];
    const ownFolder = (folder: string) => {
        mounts.push({ name: "workspace", mountPath: root, subPath: folder }, { name: "workspace", mountPath: startup, subPath: `${folder}/startup`, readOnly: true });
    };
    switch (ws.type) {
        case "hostPath":
            volumes.push({ name: "workspace", hostPath: { path: ws.path, type: "Directory" } });
            ownFolder(p.name);
            break;
        case "persistentVolumeClaim":
            volumes.push({ name: "workspace", persistentVolumeClaim: { claimName: ws.claimName } });
            ownFolder(p.name);
            break;
        case "provision":
            volumes.push({ name: "workspace", persistentVolumeClaim: { claimName: ws.claimName } });
            ownFolder(`${KITS_DIR}/${p.name}`);
            break;
        case "secret":
            volumes.push(
                { name: "workspace", emptyDir: {} },
                // 0550: start.sh must stay executable; fsGroup makes the files readable by the pod's group only.
                { name: "startup", secret: { secretName: `${ws.secretPrefix}${p.name}`, defaultMode: 0o550 } },
            );
            mounts.push({ name: "workspace", mountPath: WORKSPACE }, { name: "startup", mountPath: startup, readOnly: true });
            if (p.usesLocal) {
                // Required: without log.config(.default) and resources.json(.default) the server and client exit at
                // start-up (fed_utils.py 178-181, workspace.py 87-88, config_factory.py 65-67), so a missing ConfigMap
                // must stop the pod with an event naming it rather than start it with an empty local/.
                volumes.push({ name: "local", configMap: { name: `${ws.localConfigMapPrefix}${p.name}`, optional: false, defaultMode: 0o440 } });
                mounts.push({ name: "local", mountPath: `${root}/local`, readOnly: true });
            }
            break;
    }
    volumes.push({ name: "tmp", emptyDir: {} });
    mounts.push({ name: "tmp", mountPath: "/tmp" });
    if (p.usesPersist) {
        const ps = cfg.persist;
        // hostPath: type Directory, never DirectoryOrCreate, whose folder the kubelet creates root:root 0755 (fsGroup
        // does not apply to hostPath), which the servers cannot write: the operator creates it owned by runAsUser.
        if (ps.type === "hostPath") volumes.push({ name: "persist", hostPath: { path: ps.path, type: "Directory" } });
        else if (ps.type === "persistentVolumeClaim") volumes.push({ name: "persist", persistentVolumeClaim: { claimName: ps.claimName } });
        else if (ps.type === "emptyDir") volumes.push({ name: "persist", emptyDir: ps.sizeLimit ? { sizeLimit: ps.sizeLimit } : {} });
        // workspace: the provisioning claim's persist/ folder, which the Job created as runAsUser.
        mounts.push(ps.type === "workspace" ? { name: "workspace", mountPath: PERSIST, subPath: PERSIST_DIR } : { name: "persist", mountPath: PERSIST });
    }
    return { volumes, mounts };
}

/** The labels of a participant's objects (`system` selects its pods). */
export function participantLabels(cfg: NvflareConfig, p: Participant): Record<string, string> {
    return { ...appLabels("nvflare", { component: p.role, instance: p.name, version: imageTag(cfg.image!) }), system: p.name };
}

/** The tag of an image reference (for the version label), or the digest's first 12 hex digits. */
export function imageTag(ref: string): string {
    const at = ref.indexOf("@sha256:");
    if (at >= 0) return ref.slice(at + 8, at + 20);
    const tag = ref.slice(ref.lastIndexOf("/") + 1).split(":")[1] ?? "";
    return tag.slice(0, 63).replace(/[^A-Za-z0-9._-]/g, "-").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}
