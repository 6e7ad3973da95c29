import * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;

/**
 * Pod-level securityContext that meets Pod Security "restricted": non-root, a non-zero UID,
 * RuntimeDefault seccomp. Pass the UID/GID the image expects.
 */
export function restrictedPodSecurityContext(opts: { runAsUser?: number; runAsGroup?: number; fsGroup?: number } = {}): PodSecurityContext {
    const uid = opts.runAsUser ?? 65532;
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: opts.runAsGroup ?? uid,
        fsGroup: opts.fsGroup ?? opts.runAsGroup ?? uid,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level securityContext that meets Pod Security "restricted". */
export function restrictedContainerSecurityContext(opts: { readOnlyRootFilesystem?: boolean } = {}): SecurityContext {
    return {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: opts.readOnlyRootFilesystem ?? true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}
