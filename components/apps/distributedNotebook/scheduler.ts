/**
 * The second kube-scheduler and the scheduler extender, which run beside the gateway in its pod:
 * their configuration (one scheduler profile per policy the gateway may name) and containers.
 */
import * as k8s from "@pulumi/kubernetes";
import { DistributedNotebookConfig, KUBE_SCHEDULER_PORT, SCHEDULER_EXTENDER_PORT, SCHEDULING_POLICIES, SchedulingPolicy } from "../../../config/distributedNotebook";
import { restrictedContainerSecurityContext } from "../../k8s/securityContext";
import { toYaml } from "../../k8s/yaml";
import { NotebookContext, pullPolicy, tmp } from "./context";
import { NAMES } from "./names";
import type { Namespaces } from "./namespaces";

import Input = k8s.types.input.core.v1;

/** Profile name for a policy, as the gateway sets `schedulerName` on kernel CloneSets. */
export function schedulerName(policy: SchedulingPolicy): string {
    return `${policy}-scheduler`;
}

/** Share of nodes each profile scores (upstream: static 100; the dynamic policies, which the pinned gateway refuses, 100 and 25). */
const PERCENTAGE_OF_NODES_TO_SCORE: Record<SchedulingPolicy, number> = { static: 100 };

/** The second kube-scheduler's configuration: one profile per policy the gateway can run with, and the extender. */
export function kubeSchedulerConfiguration(namespace: string): Record<string, unknown> {
    return {
        apiVersion: "kubescheduler.config.k8s.io/v1",
        kind: "KubeSchedulerConfiguration",
        profiles: SCHEDULING_POLICIES.map((p) => ({ schedulerName: schedulerName(p), percentageOfNodesToScore: PERCENTAGE_OF_NODES_TO_SCORE[p] })),
        extenders: [
            {
                urlPrefix: `http://localhost:${SCHEDULER_EXTENDER_PORT}/`,
                filterVerb: "filter",
                prioritizeVerb: "",
                preemptVerb: "",
                bindVerb: "",
                weight: 1,
                enableHTTPS: false,
                nodeCacheCapable: false,
                tlsConfig: { insecure: true },
            },
        ],
        leaderElection: { leaderElect: true, resourceName: NAMES.leaderElectionLease, resourceNamespace: namespace },
    };
}

/** The scheduler extender's own `config.yaml`. */
export function schedulerExtenderConfig(c: DistributedNotebookConfig): Record<string, unknown> {
    return { port: SCHEDULER_EXTENDER_PORT, "cluster-gateway-port": c.ports.schedulerHttp };
}

/** Kubernetes minor version of an image tag such as `v1.29.2` (undefined for digests or other tags). */
export function kubeMinor(ref: string): number | undefined {
    const m = /:v1\.(\d+)(\.\d+)?/.exec(ref);
    return m ? Number(m[1]) : undefined;
}

export interface Scheduler {
    /** Its two ConfigMaps (the gateway's pod mounts them). */
    configMaps: k8s.core.v1.ConfigMap[];
    /** Its two containers, in the gateway's pod after the gateway's own. */
    containers: Input.Container[];
    /** The volumes of those containers' config. */
    volumes: Input.Volume[];
}

export function scheduler(ctx: NotebookContext, { namespace }: Namespaces): Scheduler {
    const { name, c, child, labels } = ctx;
    const extenderCm = new k8s.core.v1.ConfigMap(
        `${name}-scheduler-extender-configuration`,
        { metadata: { name: NAMES.schedulerExtenderConfigMap, namespace, labels: labels(NAMES.gateway, "config") }, data: { "config.yaml": toYaml(schedulerExtenderConfig(c)) } },
        child(),
    );
    const schedulerCm = new k8s.core.v1.ConfigMap(
        `${name}-kube-scheduler-config`,
        { metadata: { name: NAMES.kubeSchedulerConfigMap, namespace, labels: labels(NAMES.gateway, "config") }, data: { "config.yaml": toYaml(kubeSchedulerConfiguration(c.namespace)) } },
        child(),
    );
    const schedulerArgs = ["--config=/scheduler-extender/config.yaml", "--bind-address=0.0.0.0", "--leader-elect=true", "-v=4"];
    const minor = kubeMinor(c.images.kubeScheduler);
    // StatefulSetStartOrdinal is GA (and locked on) from 1.31: upstream passed the gate; keep it only where accepted.
    if (minor !== undefined && minor < 31) schedulerArgs.splice(2, 0, "--feature-gates=StatefulSetStartOrdinal=true");
    return {
        configMaps: [schedulerCm, extenderCm],
        containers: [
    {
        name: "scheduler-ctr",
        image: c.images.kubeScheduler,
        imagePullPolicy: pullPolicy(c.images.kubeScheduler),
        command: ["kube-scheduler"],
        args: schedulerArgs,
        volumeMounts: [{ name: NAMES.kubeSchedulerConfigMap, mountPath: "/scheduler-extender", readOnly: true }],
        resources: c.resources.kubeScheduler,
        readinessProbe: { httpGet: { path: "/healthz", port: KUBE_SCHEDULER_PORT, scheme: "HTTPS" }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/healthz", port: KUBE_SCHEDULER_PORT, scheme: "HTTPS" }, initialDelaySeconds: 15, periodSeconds: 20 },
        securityContext: restrictedContainerSecurityContext(),
    },
    {
        name: "scheduler-extender-ctr",
        image: c.images.schedulerExtender,
        imagePullPolicy: pullPolicy(c.images.schedulerExtender),
        command: ["./scheduler_extender", "-yaml", "/scheduler-extender-configuration/config.yaml", ...(c.debug ? ["-debug"] : [])],
        ports: [{ name: "http", containerPort: SCHEDULER_EXTENDER_PORT, protocol: "TCP" }],
        volumeMounts: [
            { name: NAMES.schedulerExtenderConfigMap, mountPath: "/scheduler-extender-configuration/config.yaml", subPath: "config.yaml", readOnly: true },
            tmp(),
        ],
        resources: c.resources.schedulerExtender,
        readinessProbe: { httpGet: { path: "/version", port: SCHEDULER_EXTENDER_PORT }, periodSeconds: 10 },
        livenessProbe: { httpGet: { path: "/version", port: SCHEDULER_EXTENDER_PORT }, initialDelaySeconds: 10, periodSeconds: 20 },
        securityContext: restrictedContainerSecurityContext({ readOnlyRootFilesystem: false }),
    },
        ],
        volumes: [
    { name: NAMES.kubeSchedulerConfigMap, configMap: { name: NAMES.kubeSchedulerConfigMap } },
    { name: NAMES.schedulerExtenderConfigMap, configMap: { name: NAMES.schedulerExtenderConfigMap } },
        ],
    };
}
