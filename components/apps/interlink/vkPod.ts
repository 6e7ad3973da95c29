/** The virtual kubelet's containers: the VK itself, the IAM token refresher and, optionally, a tracing collector. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InterlinkConfig } from "../../../config/interlink";
import { restrictedContainerSecurityContext } from "../../k8s/securityContext";
import { CONFIG_DIR, TOKEN_DIR, TOKEN_PATH } from "./vkConfig";

/** Port of the VK's kubelet API (logs, exec) inside the pod. */
export const KUBELET_PORT = 10255;

/** The token file's volume mount (the refresher writes it, the VK reads it). */
export const tokenMount = { name: "token", mountPath: TOKEN_DIR };

export function vkContainers(cfg: InterlinkConfig, secretName: pulumi.Input<string>): k8s.types.input.core.v1.Container[] {
    const resources = { requests: { cpu: "50m", memory: "100Mi" }, limits: { cpu: "500m", memory: "600Mi" } };
    const containers: k8s.types.input.core.v1.Container[] = [
        {
            name: "virtual-kubelet",
            image: cfg.images.virtualKubelet!,
            env: [
                { name: "NODENAME", value: cfg.nodeName },
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                { name: "KUBELET_PORT", value: String(KUBELET_PORT) },
                { name: "INTERLINKCONFIGPATH", value: `${CONFIG_DIR}/InterLinkConfig.yaml` },
                { name: "CONFIGPATH", value: `${CONFIG_DIR}/vk-cfg.json` },
                { name: "VKTOKENFILE", value: TOKEN_PATH },
                ...(cfg.tracing ? [{ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: "localhost:4317" }] : []),
            ],
            ports: [{ name: "kubelet", containerPort: KUBELET_PORT }],
            volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }, { ...tokenMount, readOnly: true }],
            resources,
            readinessProbe: { tcpSocket: { port: KUBELET_PORT }, initialDelaySeconds: 5, periodSeconds: 10 },
            livenessProbe: { tcpSocket: { port: KUBELET_PORT }, initialDelaySeconds: 30, periodSeconds: 20 },
            securityContext: restrictedContainerSecurityContext(),
        },
        {
            name: "token-refresher",
            image: cfg.images.tokenRefresher!,
            env: [
                { name: "IAM_SERVER", value: cfg.iam.server },
                { name: "IAM_TOKEN_ENDPOINT", value: `${cfg.iam.server.replace(/\/$/, "")}/token` },
                { name: "IAM_CLIENT_ID", value: cfg.iam.clientId! },
                { name: "IAM_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: secretName, key: "client-secret" } } },
                { name: "IAM_VK_AUD", value: cfg.iam.audience },
                { name: "TOKEN_PATH", value: TOKEN_PATH },
            ],
            volumeMounts: [tokenMount, { name: "tmp", mountPath: "/tmp" }],
            resources,
            // The refresher has no port: it is alive while it keeps writing a non-empty token.
            readinessProbe: { exec: { command: ["test", "-s", TOKEN_PATH] }, initialDelaySeconds: 5, periodSeconds: 10 },
            livenessProbe: { exec: { command: ["test", "-s", TOKEN_PATH] }, initialDelaySeconds: 120, periodSeconds: 60 },
            securityContext: restrictedContainerSecurityContext(),
        },
    ];
    if (cfg.tracing) {
        containers.push({
            name: "tracing",
            image: cfg.images.tracing,
            ports: [{ name: "otlp-grpc", containerPort: 4317 }, { name: "admin", containerPort: 14269 }],
            resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "512Mi" } },
            readinessProbe: { httpGet: { path: "/", port: 14269 }, periodSeconds: 10 },
            livenessProbe: { httpGet: { path: "/", port: 14269 }, initialDelaySeconds: 10, periodSeconds: 20 },
            volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
            securityContext: restrictedContainerSecurityContext(),
        });
    }
    return containers;
}
