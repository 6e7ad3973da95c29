/** RBAC with least privilege (replaces upstream's cluster-admin binding): the gateway's, and the local daemons'. */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { KERNEL_NAMESPACE } from "../../../config/distributedNotebook";
import type { NotebookContext } from "./context";
import { NAMES } from "./names";
import type { Namespaces } from "./namespaces";

export interface AccessRights {
    /** The gateway's service account and every binding it runs with. */
    gateway: pulumi.Resource[];
    /** The local daemons' service account and binding. */
    daemons: pulumi.Resource[];
}

export function rbac(ctx: NotebookContext, { namespace, daemonNamespace }: Namespaces): AccessRights {
    const { name, c, child, labels } = ctx;
    const gatewaySa = new k8s.core.v1.ServiceAccount(
        `${name}-scheduler-extender-sa`,
        { metadata: { name: NAMES.schedulerServiceAccount, namespace, labels: labels(NAMES.gateway, "gateway") }, automountServiceAccountToken: true },
        child(),
    );
    const gatewaySubject = [{ kind: "ServiceAccount", name: NAMES.schedulerServiceAccount, namespace: c.namespace }];
    const gatewayClusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-gateway-clusterrole`,
        {
            metadata: { name: `${c.namespace}-gateway`, labels: labels(NAMES.gateway, "gateway") },
            rules: [
                // The gateway labels every worker node `<kernelId>: "true"` for the kernel's node affinity.
                { apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch", "patch", "update"] },
                { apiGroups: [""], resources: ["namespaces"], verbs: ["get", "list", "watch"] },
            ],
        },
        child(),
    );
    const gatewayRole = new k8s.rbac.v1.Role(
        `${name}-gateway-kernels-role`,
        {
            metadata: { name: `${c.namespace}-gateway-kernels`, namespace: KERNEL_NAMESPACE, labels: labels(NAMES.gateway, "gateway") },
            rules: [
                // Per-kernel ConfigMap, headless Service and CloneSet, and the kernel pods it watches, labels and migrates.
                { apiGroups: [""], resources: ["pods", "services", "configmaps"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
                { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch", "create", "patch"] },
                { apiGroups: ["apps.kruise.io"], resources: ["clonesets"], verbs: ["get", "list", "watch", "create", "update", "patch", "delete"] },
            ],
        },
        child(),
    );
    const leaderRole = new k8s.rbac.v1.Role(
        `${name}-scheduler-leader-role`,
        {
            metadata: { name: "scheduler-extender-leader-election", namespace, labels: labels(NAMES.gateway, "kube-scheduler") },
            rules: [
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], verbs: ["create"] },
                { apiGroups: ["coordination.k8s.io"], resources: ["leases"], resourceNames: [NAMES.leaderElectionLease], verbs: ["get", "update", "patch"] },
            ],
        },
        child(),
    );
    const bindings: pulumi.Resource[] = [
        new k8s.rbac.v1.ClusterRoleBinding(
            `${name}-gateway-crb`,
            {
                metadata: { name: `${c.namespace}-gateway`, labels: labels(NAMES.gateway, "gateway") },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: gatewayClusterRole.metadata.name },
                subjects: gatewaySubject,
            },
            child(),
        ),
        new k8s.rbac.v1.RoleBinding(
            `${name}-gateway-kernels-rb`,
            {
                metadata: { name: `${c.namespace}-gateway-kernels`, namespace: KERNEL_NAMESPACE, labels: labels(NAMES.gateway, "gateway") },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: gatewayRole.metadata.name },
                subjects: gatewaySubject,
            },
            child(),
        ),
        // The second kube-scheduler: the built-in roles of the default scheduler, its lease, and the
        // authentication config it reads for delegated authn on its health port.
        ...(["system:kube-scheduler", "system:volume-scheduler"] as const).map(
            (role) =>
                new k8s.rbac.v1.ClusterRoleBinding(
                    `${name}-${role.replace(":", "-")}-crb`,
                    {
                        metadata: { name: `${c.namespace}-${role.replace("system:", "")}`, labels: labels(NAMES.gateway, "kube-scheduler") },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
                        subjects: gatewaySubject,
                    },
                    child(),
                ),
        ),
        new k8s.rbac.v1.RoleBinding(
            `${name}-scheduler-leader-rb`,
            {
                metadata: { name: "scheduler-extender-leader-election", namespace, labels: labels(NAMES.gateway, "kube-scheduler") },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: leaderRole.metadata.name },
                subjects: gatewaySubject,
            },
            child(),
        ),
        new k8s.rbac.v1.RoleBinding(
            `${name}-scheduler-auth-reader-rb`,
            {
                metadata: { name: `${c.namespace}-scheduler-auth-reader`, namespace: "kube-system", labels: labels(NAMES.gateway, "kube-scheduler") },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "extension-apiserver-authentication-reader" },
                subjects: gatewaySubject,
            },
            child(),
        ),
    ];

    const daemonSa = new k8s.core.v1.ServiceAccount(
        `${name}-local-daemon-sa`,
        { metadata: { name: NAMES.localDaemonServiceAccount, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "local-daemon") }, automountServiceAccountToken: true },
        child(),
    );
    const daemonClusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-local-daemon-clusterrole`,
        {
            metadata: { name: `${c.daemonNamespace}-local-daemon`, labels: labels(NAMES.localDaemon, "local-daemon") },
            rules: [
                // Upstream's `pod-access-role` granted every verb; the daemon reads pods and records events.
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
                { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
            ],
        },
        child(),
    );
    const daemonBinding = new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-local-daemon-crb`,
        {
            metadata: { name: `${c.daemonNamespace}-local-daemon`, labels: labels(NAMES.localDaemon, "local-daemon") },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: daemonClusterRole.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: NAMES.localDaemonServiceAccount, namespace: c.daemonNamespace }],
        },
        child(),
    );
    return { gateway: [gatewaySa, ...bindings], daemons: [daemonSa, daemonBinding] };
}
