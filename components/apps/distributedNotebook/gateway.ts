/**
 * The gateway: one Deployment running the gateway, the second kube-scheduler and the scheduler
 * extender, and its two Services (`gateway`, `gateway-provisioner`).
 */
import * as k8s from "@pulumi/kubernetes";
import { policyException } from "../../k8s/policyException";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import type { ConfigFiles } from "./configFiles";
import { NotebookContext, fieldEnv, pullPolicy, tmp } from "./context";
import { CONFIG_DIR, IPYTHON_CONFIG_PATH, NAMES } from "./names";
import type { Namespaces } from "./namespaces";
import { containerPorts, gatewayPorts, servicePorts } from "./ports";
import type { AccessRights } from "./rbac";
import type { Scheduler } from "./scheduler";

/** Returns the `gateway` Service (the front end and the workload driver wait for it). */
export function gateway(ctx: NotebookContext, { namespace }: Namespaces, files: ConfigFiles, sched: Scheduler, access: AccessRights): k8s.core.v1.Service {
    const { name, c, child, labels, selector, lbReady } = ctx;
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
                                env: [
                                    { name: "SHARED_CONFIG_DIR", value: CONFIG_DIR },
                                    { name: "IPYTHON_CONFIG_PATH", value: IPYTHON_CONFIG_PATH },
                                    // Upstream's name: it carries the pod name.
                                    fieldEnv("NODE_NAME", "metadata.name"),
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

    const gatewayService = new k8s.core.v1.Service(
        `${name}-gateway-svc`,
        {
            metadata: { name: NAMES.gateway, namespace, labels: labels(NAMES.gateway, "gateway") },
            spec: { type: c.serviceType, selector: selector(NAMES.gateway), ports: servicePorts(gatewayPorts(c)) },
        },
        child(lbReady),
    );
    new k8s.core.v1.Service(
        `${name}-gateway-provisioner-svc`,
        {
            metadata: { name: NAMES.gatewayProvisioner, namespace, labels: labels(NAMES.gateway, "gateway") },
            // Upstream numbered this `provisioner` port 8080 (the Jupyter port): it is the provisioner port here.
            spec: { type: c.serviceType, selector: selector(NAMES.gateway), ports: servicePorts([{ name: "provisioner", port: c.ports.provisioner }]) },
        },
        child(lbReady),
    );
    return gatewayService;
}
