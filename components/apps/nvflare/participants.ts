/**
 * The participants (overseer, servers, clients) as HelmChartBuilder describes them: one table of
 * commands, ports, probes and resources, and the volumes each mounts. Everything per role is here.
 */
import type * as k8s from "@pulumi/kubernetes";
import type { NvflareConfig } from "../../../config/nvflare";
import type { Resources } from "../../../config/types";
import { appLabels } from "../../k8s/labels";

type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;
type Probe = k8s.types.input.core.v1.Probe;

/** Where NVFlare's builder puts things inside the pods. */
export const WORKSPACE = "/workspace";
const PERSIST = "/tmp/nvflare";
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
    resources: Resources;
    readinessProbe: Probe;
    livenessProbe: Probe;
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
            resources: o.resources ?? cfg.resources.overseer,
            readinessProbe: tcpProbe("overseer-port", false),
            livenessProbe: tcpProbe("overseer-port", true),
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
            resources: s.resources ?? cfg.resources.server,
            readinessProbe: tcpProbe("fl-port", false),
            livenessProbe: tcpProbe("admin-port", true),
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
            resources: c.resources ?? cfg.resources.client,
            // Clients listen on nothing: ready once the startup kit is readable (wrong UID or a missing Secret show here), alive while client_train is PID 1.
            readinessProbe: { exec: { command: ["/bin/sh", "-c", `test -r ${WORKSPACE}/${c.name}/startup/fed_client.json`] }, periodSeconds: 10, timeoutSeconds: 5 },
            livenessProbe: { exec: { command: ["/bin/sh", "-c", "grep -q client_train /proc/1/cmdline"] }, initialDelaySeconds: 30, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 },
        });
    }
    return out;
}

/** Whether the config puts any hostPath volume in the pods (then the namespace needs Pod Security "privileged"). */
export function usesHostPath(cfg: NvflareConfig): boolean {
    return cfg.workspace?.type === "hostPath" || (cfg.persist.type === "hostPath" && cfg.servers.length > 0);
}

/** Volumes and mounts of one participant: the workspace at /workspace with the startup kit read-only, /tmp/nvflare for servers, a scratch /tmp. */
export function storage(cfg: NvflareConfig, p: Participant): { volumes: Volume[]; mounts: VolumeMount[] } {
    const ws = cfg.workspace!;
    const startup = `${WORKSPACE}/${p.name}/startup`;
    const volumes: Volume[] = [];
    const mounts: VolumeMount[] = [{ name: "workspace", mountPath: WORKSPACE }];
    switch (ws.type) {
        case "hostPath":
            volumes.push({ name: "workspace", hostPath: { path: ws.path, type: "Directory" } });
            mounts.push({ name: "workspace", mountPath: startup, subPath: `${p.name}/startup`, readOnly: true });
            break;
        case "persistentVolumeClaim":
            volumes.push({ name: "workspace", persistentVolumeClaim: { claimName: ws.claimName } });
            mounts.push({ name: "workspace", mountPath: startup, subPath: `${p.name}/startup`, readOnly: true });
            break;
        case "secret":
            volumes.push(
                { name: "workspace", emptyDir: {} },
                // 0550: start.sh must stay executable; fsGroup makes the files readable by the pod's group only.
                { name: "startup", secret: { secretName: `${ws.secretPrefix}${p.name}`, defaultMode: 0o550 } },
                { name: "local", configMap: { name: `${ws.localConfigMapPrefix}${p.name}`, optional: true, defaultMode: 0o440 } },
            );
            mounts.push({ name: "startup", mountPath: startup, readOnly: true }, { name: "local", mountPath: `${WORKSPACE}/${p.name}/local`, readOnly: true });
            break;
    }
    volumes.push({ name: "tmp", emptyDir: {} });
    mounts.push({ name: "tmp", mountPath: "/tmp" });
    if (p.usesPersist) {
        const ps = cfg.persist;
        if (ps.type === "hostPath") volumes.push({ name: "persist", hostPath: { path: ps.path, type: "DirectoryOrCreate" } });
        else if (ps.type === "persistentVolumeClaim") volumes.push({ name: "persist", persistentVolumeClaim: { claimName: ps.claimName } });
        else volumes.push({ name: "persist", emptyDir: ps.sizeLimit ? { sizeLimit: ps.sizeLimit } : {} });
        mounts.push({ name: "persist", mountPath: PERSIST });
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
