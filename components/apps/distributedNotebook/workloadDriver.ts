/** The optional workload driver: replays a workload trace against the gateway. */
import * as k8s from "@pulumi/kubernetes";
import { policyException } from "../../k8s/policyException";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import { NotebookContext, pullPolicy, tmp } from "./context";
import { NAMES, WORKLOAD_DRIVER_PORT } from "./names";
import type { Namespaces } from "./namespaces";
import { servicePorts } from "./ports";

export function workloadDriver(ctx: NotebookContext, { namespace }: Namespaces, gatewayService: k8s.core.v1.Service): void {
    const { name, c, child, labels, selector } = ctx;
    const driverLabels = labels(NAMES.workloadDriver, "workload-driver");
    new k8s.apps.v1.Deployment(
        `${name}-workload-driver`,
        {
            metadata: {
                name: NAMES.workloadDriver,
                namespace,
                labels: driverLabels,
                annotations: policyException("prod-replicas", "the workload driver replays one workload trace; two would submit it twice"),
            },
            spec: {
                replicas: 1,
                selector: { matchLabels: selector(NAMES.workloadDriver) },
                template: {
                    metadata: { labels: driverLabels },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: restrictedPodSecurityContext(),
                        containers: [
                            {
                                name: "workload-driver",
                                image: c.images.workloadDriver,
                                imagePullPolicy: pullPolicy(c.images.workloadDriver),
                                command: ["go", "run", "cmd/driver/main.go"],
                                env: [
                                    { name: "HOME", value: "/tmp" },
                                    { name: "GOCACHE", value: "/tmp/go-cache" },
                                ],
                                ports: [{ name: "tcp", containerPort: WORKLOAD_DRIVER_PORT, protocol: "TCP" }],
                                volumeMounts: [tmp()],
                                resources: c.resources.workloadDriver,
                                // `go run` compiles first: allow ten minutes.
                                startupProbe: { tcpSocket: { port: WORKLOAD_DRIVER_PORT }, periodSeconds: 10, failureThreshold: 60 },
                                readinessProbe: { tcpSocket: { port: WORKLOAD_DRIVER_PORT }, periodSeconds: 10 },
                                livenessProbe: { tcpSocket: { port: WORKLOAD_DRIVER_PORT }, periodSeconds: 20, failureThreshold: 3 },
                                securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
                            },
                        ],
                        volumes: [{ name: "tmp", emptyDir: {} }],
                    },
                },
            },
        },
        child([gatewayService]),
    );
    new k8s.core.v1.Service(
        `${name}-workload-driver-svc`,
        {
            metadata: { name: NAMES.workloadDriver, namespace, labels: driverLabels },
            spec: { type: "ClusterIP", selector: selector(NAMES.workloadDriver), ports: servicePorts([{ name: "tcp", port: WORKLOAD_DRIVER_PORT }]) },
        },
        child(),
    );
}
