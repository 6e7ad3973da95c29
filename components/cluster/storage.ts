import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { policyException } from "../k8s/policyException";
import type { StorageConfig } from "../../config/storage";
import { appLabels } from "../k8s/labels";
import { podSecurityNamespace } from "../k8s/namespace";
import { apiServerAllow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../k8s/securityContext";
import { KRUISE_WEBHOOK_EXEMPT_LABELS } from "./kruise";

/** The provisioner name of rancher's local-path-provisioner (kind's copy uses the same). */
export const LOCAL_PATH_PROVISIONER = "rancher.io/local-path";

export interface StorageArgs {
    config: StorageConfig;
    provider: k8s.Provider;
    /** The cluster's addresses, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/**
 * The `local-path` StorageClass (`rancher.io/local-path`, `WaitForFirstConsumer`) and, when
 * `provisioner.install` is set, the local-path provisioner as in upstream v0.0.26's
 * `deploy/local-path-storage.yaml` (Namespace, RBAC, ConfigMap `local-path-config`, Deployment).
 * Without it, the class is served by the provisioner the cluster already runs (kind ships one).
 */
export class Storage extends pulumi.ComponentResource {
    readonly storageClassName: string;
    /** The StorageClass, and the provisioner Deployment when installed. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: StorageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:cluster:Storage", name, args, opts);
        const cfg = args.config;
        const childOpts = { parent: this, provider: args.provider };
        this.ready = [];

        if (cfg.provisioner.install) this.ready.push(this.provisioner(cfg.provisioner, args.network, childOpts));

        const storageClass = new k8s.storage.v1.StorageClass(
            "local-path",
            {
                metadata: {
                    name: cfg.className,
                    labels: appLabels("local-path-provisioner", { component: "storage" }),
                    annotations: cfg.isDefaultClass ? { "storageclass.kubernetes.io/is-default-class": "true" } : undefined,
                },
                provisioner: LOCAL_PATH_PROVISIONER,
                volumeBindingMode: "WaitForFirstConsumer",
                reclaimPolicy: cfg.reclaimPolicy,
            },
            childOpts,
        );
        this.ready.push(storageClass);
        this.storageClassName = cfg.className;
        this.registerOutputs({ storageClassName: this.storageClassName });
    }

    private provisioner(p: StorageConfig["provisioner"], network: ClusterNetwork, childOpts: pulumi.CustomResourceOptions): k8s.apps.v1.Deployment {
        const ns = p.namespace;
        const labels = appLabels("local-path-provisioner", { component: "storage" });
        const namespace = podSecurityNamespace(
            "local-path-storage",
            {
                name: ns,
                podSecurity: "privileged",
                reason: "the provisioner's helper pods mount hostPath directories on the nodes to create and delete volume directories",
                labels: { ...KRUISE_WEBHOOK_EXEMPT_LABELS },
            },
            childOpts,
        );
        const nsOpts = { ...childOpts, dependsOn: [namespace] };
        // The provisioner only talks to the API server; its helper pods need no network at all.
        isolateNamespace(
            "local-path-storage-netpol",
            {
                namespace: ns,
                app: "local-path-provisioner",
                network,
                allows: [apiServerAllow(network, { app: "local-path-provisioner" }, "the provisioner watches claims and creates volumes and helper pods")],
            },
            nsOpts,
        );
        const sa = new k8s.core.v1.ServiceAccount("local-path-provisioner", { metadata: { name: "local-path-provisioner-service-account", namespace: ns, labels } }, nsOpts);
        const role = new k8s.rbac.v1.Role(
            "local-path-provisioner",
            {
                metadata: { name: "local-path-provisioner-role", namespace: ns, labels },
                rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] }],
            },
            nsOpts,
        );
        const clusterRole = new k8s.rbac.v1.ClusterRole(
            "local-path-provisioner",
            {
                metadata: { name: "local-path-provisioner-role", labels },
                rules: [
                    { apiGroups: [""], resources: ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"], verbs: ["get", "list", "watch"] },
                    { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
                    { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
                    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
                ],
            },
            childOpts,
        );
        const subjects = [{ kind: "ServiceAccount", name: "local-path-provisioner-service-account", namespace: ns }];
        const roleBinding = new k8s.rbac.v1.RoleBinding(
            "local-path-provisioner",
            { metadata: { name: "local-path-provisioner-bind", namespace: ns, labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "local-path-provisioner-role" }, subjects },
            { ...nsOpts, dependsOn: [namespace, role, sa] },
        );
        const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
            "local-path-provisioner",
            { metadata: { name: "local-path-provisioner-bind", labels }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "local-path-provisioner-role" }, subjects },
            { ...childOpts, dependsOn: [clusterRole, sa] },
        );
        const configMap = new k8s.core.v1.ConfigMap(
            "local-path-config",
            {
                metadata: { name: "local-path-config", namespace: ns, labels },
                data: {
                    "config.json": JSON.stringify({ nodePathMap: p.nodePathMap.map((e) => ({ node: e.node, paths: [...e.paths] })) }, null, 2),
                    setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n',
                    teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n',
                    "helperPod.yaml": [
                        "apiVersion: v1",
                        "kind: Pod",
                        "metadata:",
                        "  name: helper-pod",
                        "spec:",
                        "  priorityClassName: system-node-critical",
                        "  tolerations:",
                        "    - key: node.kubernetes.io/disk-pressure",
                        "      operator: Exists",
                        "      effect: NoSchedule",
                        "  containers:",
                        "    - name: helper-pod",
                        `      image: ${p.helperImage}`,
                        "      imagePullPolicy: IfNotPresent",
                        "",
                    ].join("\n"),
                },
            },
            nsOpts,
        );
        const selector = { app: "local-path-provisioner" };
        // The provisioner has no health endpoint; the probes check that its binary still runs.
        const probe = { exec: { command: ["local-path-provisioner", "--version"] }, periodSeconds: 30, timeoutSeconds: 5, failureThreshold: 3 };
        return new k8s.apps.v1.Deployment(
            "local-path-provisioner",
            {
                metadata: {
                    name: "local-path-provisioner",
                    namespace: ns,
                    labels,
                    annotations: {
                        ...policyException("automount-service-account-token", "the provisioner watches PersistentVolumeClaims and creates PersistentVolumes and helper pods"),
                        ...policyException("prod-replicas", "local-path-provisioner has no leader election: two replicas would both provision every claim"),
                    },
                },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: selector },
                    template: {
                        metadata: { labels: { ...labels, ...selector } },
                        spec: {
                            serviceAccountName: "local-path-provisioner-service-account",
                            // It watches claims and creates volumes and helper pods through the API.
                            automountServiceAccountToken: true,
                            securityContext: restrictedPodSecurityContext(),
                            containers: [
                                {
                                    name: "local-path-provisioner",
                                    image: p.image,
                                    imagePullPolicy: "IfNotPresent",
                                    command: ["local-path-provisioner", "--debug", "start", "--config", "/etc/config/config.json"],
                                    volumeMounts: [{ name: "config-volume", mountPath: "/etc/config/" }],
                                    env: [{ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }],
                                    resources: p.resources,
                                    securityContext: restrictedContainerSecurityContext(),
                                    readinessProbe: probe,
                                    livenessProbe: probe,
                                },
                            ],
                            volumes: [{ name: "config-volume", configMap: { name: "local-path-config" } }],
                        },
                    },
                },
            },
            { ...nsOpts, dependsOn: [namespace, configMap, roleBinding, clusterRoleBinding] },
        );
    }
}
