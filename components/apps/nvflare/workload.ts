/** A participant's Deployment: one pod, strategy Recreate, its startup kit mounted read-only. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { NvflareConfig } from "../../../config/nvflare";
import { policyException } from "../../k8s/policyException";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../../k8s/securityContext";
import { Participant, WORKSPACE, participantLabels, storage } from "./participants";

type Container = k8s.types.input.core.v1.Container;

/** The Deployment of participant `p` in `namespace` (a program resource's input, or a ConfigGroup document's body). */
export function participantDeployment(cfg: NvflareConfig, p: Participant, namespace: pulumi.Input<string>): k8s.types.input.apps.v1.Deployment {
    const labels = participantLabels(cfg, p);
    const selector = { system: p.name };
    const { volumes, mounts } = storage(cfg, p);
    const container: Container = {
        name: p.name,
        image: cfg.image!,
        imagePullPolicy: "IfNotPresent",
        command: p.command,
        args: p.args,
        ports: p.ports.length > 0 ? p.ports.map((x) => ({ name: x.name, containerPort: x.port, protocol: "TCP" })) : undefined,
        env: [{ name: "HOME", value: "/tmp" }],
        volumeMounts: mounts,
        resources: p.resources,
        readinessProbe: p.readinessProbe,
        livenessProbe: p.livenessProbe,
        securityContext: restrictedContainerSecurityContext(),
    };
    return {
        metadata: {
            name: p.name,
            namespace,
            labels,
            annotations: policyException("prod-replicas", `NVFlare ${p.role} ${p.name} is one identity of the federation (its startup kit); two processes must never share its workspace, so it runs once with strategy Recreate`),
        },
        spec: {
            replicas: 1,
            // Two server processes must never share a workspace (the default RollingUpdate would overlap them).
            strategy: { type: "Recreate" },
            selector: { matchLabels: selector },
            template: {
                metadata: { labels },
                spec: {
                    automountServiceAccountToken: false,
                    enableServiceLinks: false,
                    securityContext: restrictedPodSecurityContext({ runAsUser: cfg.runAsUser, runAsGroup: cfg.runAsGroup }),
                    // Secret workspace: /workspace is an emptyDir, and the runtime would create the mount
                    // point /workspace/<name> root-owned; create it first, as the pod's user, so logs can be written.
                    initContainers:
                        cfg.workspace!.type === "secret"
                            ? [
                                  {
                                      name: "workspace-dir",
                                      image: cfg.image!,
                                      imagePullPolicy: "IfNotPresent",
                                      command: ["/bin/sh", "-c", `mkdir -p ${WORKSPACE}/${p.name}`],
                                      volumeMounts: [{ name: "workspace", mountPath: WORKSPACE }],
                                      resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                                      securityContext: restrictedContainerSecurityContext(),
                                  },
                              ]
                            : undefined,
                    containers: [container],
                    volumes,
                },
            },
        },
    };
}
