/**
 * The local daemons: one per worker node (a StatefulSet with required anti-affinity), each a kubelet
 * device plugin with its node-local claim; their two Services and, from two daemons, a budget.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { policyException } from "../../k8s/policyException";
import type { ConfigFiles } from "./configFiles";
import { NotebookContext, fieldEnv, pullPolicy } from "./context";
import { CONFIG_DIR, DEVICE_PLUGIN_PATH, NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { containerPorts, daemonPorts, daemonServicePorts, servicePorts } from "./ports";
import type { AccessRights } from "./rbac";

export function localDaemons(ctx: NotebookContext, { daemonNs, daemonNamespace }: Namespaces, files: ConfigFiles, access: AccessRights, aliases: pulumi.Resource[]): void {
    const { name, c, h, prod, child, labels, selector } = ctx;
    const daemonSelector = selector(NAMES.localDaemon);
    new k8s.core.v1.Service(
        `${name}-local-daemon-network-svc`,
        {
            metadata: { name: NAMES.localDaemonService, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "local-daemon") },
            // A kernel reaches the daemon on its own node.
            spec: { type: "ClusterIP", internalTrafficPolicy: "Local", selector: daemonSelector, ports: servicePorts(daemonServicePorts(c)) },
        },
        child(),
    );
    const daemonService = new k8s.core.v1.Service(
        `${name}-daemon-network-svc`,
        {
            metadata: { name: NAMES.daemonService, namespace: daemonNamespace, labels: labels(NAMES.localDaemon, "local-daemon") },
            spec: { type: "ClusterIP", selector: daemonSelector, ports: servicePorts(daemonServicePorts(c)) },
        },
        child(),
    );
    const daemonLabels = labels(NAMES.localDaemon, "local-daemon");
    new k8s.apps.v1.StatefulSet(
        `${name}-local-daemon`,
        {
            metadata: {
                name: NAMES.localDaemon,
                namespace: daemonNamespace,
                labels: daemonLabels,
                annotations: policyException("automount-service-account-token", "the local daemon reads its node's pods from the API to report kernel replicas"),
            },
            spec: {
                replicas: c.localDaemons,
                serviceName: NAMES.daemonService,
                podManagementPolicy: "Parallel",
                updateStrategy: { type: "RollingUpdate" },
                persistentVolumeClaimRetentionPolicy: prod ? { whenDeleted: "Retain", whenScaled: "Retain" } : { whenDeleted: "Delete", whenScaled: "Retain" },
                selector: { matchLabels: daemonSelector },
                template: {
                    metadata: { labels: daemonLabels },
                    spec: {
                        serviceAccountName: NAMES.localDaemonServiceAccount,
                        automountServiceAccountToken: true,
                        // Root, to own its device-plugin socket next to the kubelet's; no capabilities, no escalation.
                        securityContext: { runAsUser: 0, runAsGroup: 0, seccompProfile: { type: "RuntimeDefault" } },
                        affinity: {
                            podAntiAffinity: {
                                requiredDuringSchedulingIgnoredDuringExecution: [
                                    { labelSelector: { matchExpressions: [{ key: "app", operator: "In", values: [NAMES.localDaemon] }] }, topologyKey: "kubernetes.io/hostname" },
                                ],
                            },
                        },
                        containers: [
                            {
                                name: "local-daemon",
                                image: c.images.localDaemon,
                                imagePullPolicy: pullPolicy(c.images.localDaemon),
                                command: ["./local_daemon", "-yaml", `${CONFIG_DIR}/daemon.yml`, ...(c.debug ? ["-debug", "-v"] : [])],
                                ports: containerPorts(daemonPorts(c)),
                                // What the daemon reads in Kubernetes mode: NODE_NAME (local_daemon/daemon/driver_utiliy.go:228) and
                                // POD_IP (local_daemon.go:398). Upstream's other variables are read by no code, or only by the
                                // Docker invoker (local_daemon/invoker/docker.go), which launches nothing in Kubernetes mode.
                                env: [fieldEnv("NODE_NAME", "spec.nodeName"), fieldEnv("POD_IP", "status.podIP")],
                                volumeMounts: [
                                    { name: "node-local", mountPath: "/node_local" },
                                    { name: "daemon-config-file", mountPath: `${CONFIG_DIR}/daemon.yml`, subPath: "daemon.yml", readOnly: true },
                                    { name: "device-plugin", mountPath: DEVICE_PLUGIN_PATH },
                                ],
                                resources: c.resources.localDaemon,
                                // The daemon registers with the gateway before it serves kernels: allow a slow start.
                                startupProbe: { tcpSocket: { port: c.ports.kernelRegistry }, periodSeconds: 10, failureThreshold: 60 },
                                readinessProbe: { tcpSocket: { port: c.ports.kernelRegistry }, periodSeconds: 10 },
                                livenessProbe: { tcpSocket: { port: c.ports.kernelRegistry }, periodSeconds: 20, failureThreshold: 3 },
                                securityContext: { privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: false, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                        volumes: [
                            { name: "daemon-config-file", configMap: { name: NAMES.daemonConfigMap, defaultMode: 0o600 } },
                            { name: "device-plugin", hostPath: { path: DEVICE_PLUGIN_PATH, type: "Directory" } },
                            // Upstream's /var/lib/kubelet/pod-resources/ host path is not mounted: no daemon code opens it.
                        ],
                    },
                },
                // No daemon code uses /node_local (NODE_LOCAL_MOUNT_POINT is a constant only); the claim stays
                // because volumeClaimTemplates cannot change in place: dropping it would replace the
                // (protected, in prod) StatefulSet.
                volumeClaimTemplates: [
                    {
                        metadata: { name: "node-local" },
                        spec: {
                            accessModes: ["ReadWriteOnce"],
                            storageClassName: h.storageClassName ?? "local-path",
                            resources: { requests: { storage: c.nodeLocalStorage } },
                        },
                    },
                ],
            },
        },
        child([files.localDaemonCm, ...access.daemons, daemonService, ...aliases, ...h.storageReady], { protect: prod, retainOnDelete: prod }),
    );
    // A drain takes one daemon at a time (the others keep their nodes' kernels); a single daemon gets no budget.
    if (c.localDaemons >= 2) {
        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-local-daemon-pdb`,
            {
                metadata: { name: NAMES.localDaemon, namespace: daemonNamespace, labels: daemonLabels },
                spec: { maxUnavailable: 1, unhealthyPodEvictionPolicy: "AlwaysAllow", selector: { matchLabels: daemonSelector } },
            },
            child([daemonNs]),
        );
    }
}
