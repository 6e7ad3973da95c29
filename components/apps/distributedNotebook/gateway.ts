/**
 * The gateway: one Deployment running the gateway, the second kube-scheduler and the scheduler
 * extender, and its in-cluster Service `gateway`.
 */
import * as k8s from "@pulumi/kubernetes";
import { policyException } from "../../k8s/policyException";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import type { ConfigFiles } from "./configFiles";
import { NotebookContext, pullPolicy, tmp } from "./context";
import { CONFIG_DIR, IPYTHON_CONFIG_PATH, NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { containerPorts, gatewayPorts, gatewayServicePorts, servicePorts } from "./ports";
import type { AccessRights } from "./rbac";
import type { Scheduler } from "./scheduler";

/** Returns the `gateway` Service (the front end and the workload driver wait for it). */
export function gateway(ctx: NotebookContext, { namespace }: Namespaces, files: ConfigFiles, sched: Scheduler, access: AccessRights): k8s.core.v1.Service {
    const { name, c, child, labels, selector } = ctx;
    const gatewayLabels = { ...labels(NAMES.gateway, "gateway"), component: "kube-scheduler" };
    new k8s.apps.v1.Deployment(
        `${name}-gateway`,
        {
            metadata: {
                name: NAMES.gateway,
                namespace,
                labels: gatewayLabels,
                annotations: {
                    ...policyException("automount-service-account-token", "the gateway creates kernel CloneSets, Services and ConfigMaps, and its scheduler binds pods"),
                    ...policyException("prod-replicas", "one gateway owns the cluster state and the scheduler's leader lease; it runs once, with strategy Recreate"),
                },
            },
            spec: {
                replicas: 1,
                // One gateway owns the cluster state and the scheduler lease: never two at once.
                strategy: { type: "Recreate" },
                selector: { matchLabels: selector(NAMES.gateway) },
                template: {
                    metadata: { labels: gatewayLabels },
                    spec: {
                        serviceAccountName: NAMES.schedulerServiceAccount,
                        automountServiceAccountToken: true,
                        securityContext: {
                            ...restrictedPodSecurityContext(),
                            // The extender listens on port 80 as a non-root user: a "safe" sysctl allowed by "restricted".
                            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
                        },
                        containers: [
                            {
                                name: "gateway",
                                image: c.images.gateway,
                                imagePullPolicy: pullPolicy(c.images.gateway),
                                command: ["./gateway", "-yaml", `${CONFIG_DIR}/daemon.yml`, ...(c.debug ? ["-debug"] : [])],
                                ports: containerPorts(gatewayPorts(c)),
                                // The gateway reads these two (gateway/daemon/kube_client.go:94-95); upstream's NODE_NAME is read by no gateway code.
                                env: [
                                    { name: "SHARED_CONFIG_DIR", value: CONFIG_DIR },
                                    { name: "IPYTHON_CONFIG_PATH", value: IPYTHON_CONFIG_PATH },
                                ],
                                volumeMounts: [
                                    // The gateway writes kernel files next to daemon.yml: a writable directory with the file mounted inside.
                                    { name: "shared-config", mountPath: CONFIG_DIR },
                                    { name: "gateway-config-file", mountPath: `${CONFIG_DIR}/daemon.yml`, subPath: "daemon.yml", readOnly: true },
                                    tmp(),
                                ],
                                resources: c.resources.gateway,
                                startupProbe: { tcpSocket: { port: c.ports.provisioner }, periodSeconds: 5, failureThreshold: 60 },
                                readinessProbe: { tcpSocket: { port: c.ports.provisioner }, periodSeconds: 10 },
                                livenessProbe: { tcpSocket: { port: c.ports.provisioner }, periodSeconds: 20, failureThreshold: 3 },
                                securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                            },
                            ...sched.containers,
                        ],
                        volumes: [
                            // Upstream 0600; 0440 so the non-root user reads it through the pod's group.
                            { name: "gateway-config-file", configMap: { name: NAMES.daemonConfigMap, defaultMode: 0o440 } },
                            ...sched.volumes,
                            { name: "shared-config", emptyDir: {} },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                },
            },
        },
        child([files.gatewayDaemonCm, ...sched.configMaps, ...access.gateway]),
    );

    // In the cluster only: its gRPC ports have no authentication (8081 lets any client join as a local
    // daemon, gateway_daemon.go:1000-1048), and StartKernel answers with the gateway's pod IP
    // (gateway_daemon.go:2198-2209), so a client outside the cluster could not use a kernel anyway.
    // Upstream's `gateway-provisioner` Service is not created: no program dials that name (the daemons
    // dial `gateway:<provisioner-port>`).
    const gatewayService = new k8s.core.v1.Service(
        `${name}-gateway-svc`,
        {
            metadata: { name: NAMES.gateway, namespace, labels: labels(NAMES.gateway, "gateway") },
            spec: { type: "ClusterIP", selector: selector(NAMES.gateway), ports: servicePorts(gatewayServicePorts(c)) },
        },
        child(),
    );
    return gatewayService;
}
