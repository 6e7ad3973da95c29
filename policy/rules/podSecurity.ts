/**
 * Pod Security: every pod template meets the Pod Security Standard its Namespace enforces, which
 * is "restricted" unless the Namespace is labelled `baseline`/`privileged` with a reason; every
 * Namespace carries the enforce, warn and audit labels. The checks follow
 * kubernetes/pod-security-admission `policy/check_*.go`.
 */
import { allContainers, containerLabel, podTemplate } from "./pods";
import { GuardResource, Rule, RuleContext, annotations, isKind, labels, nameOf, namespaceOf, objectsOf } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

export const POD_SECURITY_REASON_ANNOTATION = "research-platform.io/pod-security-reason";
const LEVELS = ["restricted", "baseline", "privileged"] as const;
export type Level = (typeof LEVELS)[number];

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
]);
const RESTRICTED_VOLUMES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

/** Violations of the "baseline" level by a PodSpec (pod template annotations for AppArmor). */
export function baselineViolations(spec: any, podAnnotations: Record<string, string> = {}): string[] {
    const out: string[] = [];
    const psc = spec?.securityContext ?? {};
    for (const f of ["hostNetwork", "hostPID", "hostIPC"]) if (spec?.[f] === true) out.push(`${f}: true is not allowed`);
    for (const v of Array.isArray(spec?.volumes) ? spec.volumes : []) if (v?.hostPath) out.push(`volume "${v.name}" uses hostPath`);
    if (psc.seccompProfile?.type === "Unconfined") out.push("pod seccompProfile Unconfined is not allowed");
    if (psc.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(psc.appArmorProfile.type)) out.push("pod appArmorProfile must be RuntimeDefault or Localhost");
    if (psc.seLinuxOptions && (!SELINUX_TYPES.has(psc.seLinuxOptions.type ?? "") || psc.seLinuxOptions.user || psc.seLinuxOptions.role)) out.push("pod seLinuxOptions not allowed");
    for (const s of Array.isArray(psc.sysctls) ? psc.sysctls : []) if (!SAFE_SYSCTLS.has(s?.name)) out.push(`sysctl ${s?.name} is not allowed`);
    if (psc.windowsOptions?.hostProcess === true) out.push("windowsOptions.hostProcess is not allowed");
    for (const [k, v] of Object.entries(podAnnotations)) {
        if (k.startsWith("container.apparmor.security.beta.kubernetes.io/") && !(v === "" || v === "runtime/default" || String(v).startsWith("localhost/"))) {
            out.push(`AppArmor annotation ${k}=${v} is not allowed`);
        }
    }
    for (const x of allContainers(spec)) {
        const sc = x.c.securityContext ?? {};
        const who = containerLabel(x);
        if (sc.privileged === true) out.push(`${who}: privileged`);
        for (const cap of sc.capabilities?.add ?? []) if (!BASELINE_CAPABILITIES.has(cap)) out.push(`${who}: adds capability ${cap}`);
        for (const p of x.c.ports ?? []) if (p?.hostPort) out.push(`${who}: hostPort ${p.hostPort}`);
        if (sc.procMount && sc.procMount !== "Default") out.push(`${who}: procMount ${sc.procMount}`);
        if (sc.seccompProfile?.type === "Unconfined") out.push(`${who}: seccompProfile Unconfined`);
        if (sc.appArmorProfile && !["RuntimeDefault", "Localhost"].includes(sc.appArmorProfile.type)) out.push(`${who}: appArmorProfile must be RuntimeDefault or Localhost`);
        if (sc.seLinuxOptions && (!SELINUX_TYPES.has(sc.seLinuxOptions.type ?? "") || sc.seLinuxOptions.user || sc.seLinuxOptions.role)) out.push(`${who}: seLinuxOptions not allowed`);
        if (sc.windowsOptions?.hostProcess === true) out.push(`${who}: windowsOptions.hostProcess`);
        for (const probe of [x.c.livenessProbe, x.c.readinessProbe, x.c.startupProbe, x.c.lifecycle?.postStart, x.c.lifecycle?.preStop]) {
            if (probe?.httpGet?.host || probe?.tcpSocket?.host) out.push(`${who}: probe or lifecycle handler sets a host`);
        }
    }
    return out;
}

/** Violations of the "restricted" level (which includes baseline). */
export function restrictedViolations(spec: any, podAnnotations: Record<string, string> = {}): string[] {
    const out = baselineViolations(spec, podAnnotations);
    const psc = spec?.securityContext ?? {};
    const windows = spec?.os?.name === "windows";
    for (const v of Array.isArray(spec?.volumes) ? spec.volumes : []) {
        const types = Object.keys(v ?? {}).filter((k) => k !== "name");
        for (const t of types) if (!RESTRICTED_VOLUMES.has(t) && t !== "hostPath") out.push(`volume "${v.name}" of type ${t} is not allowed`);
    }
    const podNonRoot = psc.runAsNonRoot === true;
    const podSeccomp = ["RuntimeDefault", "Localhost"].includes(psc.seccompProfile?.type);
    if (psc.runAsUser === 0) out.push("pod runAsUser 0 is not allowed");
    for (const x of allContainers(spec)) {
        const sc = x.c.securityContext ?? {};
        const who = containerLabel(x);
        if (!windows && sc.allowPrivilegeEscalation !== false) out.push(`${who}: allowPrivilegeEscalation must be false`);
        if (sc.runAsNonRoot === false || (!podNonRoot && sc.runAsNonRoot !== true)) out.push(`${who}: runAsNonRoot must be true (pod or container)`);
        if (sc.runAsUser === 0) out.push(`${who}: runAsUser 0 is not allowed`);
        if (!podSeccomp && !["RuntimeDefault", "Localhost"].includes(sc.seccompProfile?.type)) out.push(`${who}: seccompProfile must be RuntimeDefault or Localhost (pod or container)`);
        if (!windows) {
            const drop: string[] = sc.capabilities?.drop ?? [];
            if (!drop.includes("ALL")) out.push(`${who}: capabilities must drop ALL`);
            for (const cap of sc.capabilities?.add ?? []) if (cap !== "NET_BIND_SERVICE") out.push(`${who}: may add only NET_BIND_SERVICE, not ${cap}`);
        }
    }
    return [...new Set(out)];
}

/** The level enforced on a namespace: its label when it is a valid level with a reason, otherwise "restricted". */
export function namespaceLevel(namespace: string, ctx: RuleContext): Level {
    const ns = objectsOf(ctx, "Namespace").find((r) => nameOf(r) === namespace);
    if (!ns) return "restricted";
    const level = labels(ns)["pod-security.kubernetes.io/enforce"];
    if (level === "baseline" || level === "privileged") {
        const reason = annotations(ns)[POD_SECURITY_REASON_ANNOTATION];
        return typeof reason === "string" && reason.trim() !== "" ? level : "restricted";
    }
    return "restricted";
}

export const podSecurityRule: Rule = {
    name: "pod-security",
    description: 'Every pod template meets Pod Security "restricted", unless its Namespace is labelled baseline/privileged with a reason annotation.',
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        const t = podTemplate(r);
        if (!t) return [];
        const level = namespaceLevel(namespaceOf(r), ctx);
        if (level === "privileged") return [];
        const found = level === "baseline" ? baselineViolations(t.spec, t.annotations) : restrictedViolations(t.spec, t.annotations);
        return found.length === 0
            ? []
            : [`pods in namespace "${namespaceOf(r)}" must meet Pod Security "${level}": ${found.join("; ")}. Fix the securityContext, or run it in a namespace labelled for the level it needs (podSecurityNamespace with a reason)`];
    },
};

export const namespaceLabelsRule: Rule = {
    name: "namespace-pod-security-labels",
    description: "Every Namespace carries pod-security.kubernetes.io/enforce, warn and audit; a level other than restricted has a reason annotation.",
    level: "mandatory",
    scope: "resource",
    check(r: GuardResource): string[] {
        if (!isKind(r, "Namespace")) return [];
        const l = labels(r);
        const out: string[] = [];
        for (const mode of ["enforce", "warn", "audit"]) {
            const v = l[`pod-security.kubernetes.io/${mode}`];
            if (v === undefined) out.push(`Namespace "${nameOf(r)}" lacks the label pod-security.kubernetes.io/${mode}; create it with podSecurityNamespace`);
            else if (!LEVELS.includes(v as Level)) out.push(`Namespace "${nameOf(r)}": pod-security.kubernetes.io/${mode}=${String(v)} is not a Pod Security level`);
        }
        const enforce = l["pod-security.kubernetes.io/enforce"];
        const reason = annotations(r)[POD_SECURITY_REASON_ANNOTATION];
        if ((enforce === "baseline" || enforce === "privileged") && !(typeof reason === "string" && reason.trim() !== "")) {
            out.push(`Namespace "${nameOf(r)}" enforces "${enforce}" without the ${POD_SECURITY_REASON_ANNOTATION} annotation saying why`);
        }
        return out;
    },
};
