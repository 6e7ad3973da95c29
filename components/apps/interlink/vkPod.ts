/** The virtual kubelet's containers: the VK itself and the IAM token refresher. */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { InterlinkConfig } from "../../../config/interlink";
import { restrictedContainerSecurityContext } from "../../k8s/securityContext";
import { CONFIG_DIR, TOKEN_DIR, TOKEN_PATH } from "./vkConfig";

/**
 * Port of the VK's kubelet API (logs) inside the pod. The VK's HTTPS server listens on the literal
 * `0.0.0.0:10250` (Bianco95/interLink@a5198b2 main.go:375-394); `KUBELET_PORT` only sets the port
 * the node advertises to the API server (main.go:211-222, pkg/virtualkubelet/virtualkubelet.go:126),
 * so both must be 10250.
 */
export const KUBELET_PORT = 10250;

/** The token file's volume mount (the refresher writes it, the VK reads it). */
export const tokenMount = { name: "token", mountPath: TOKEN_DIR };

/** The refresher's script in the image built from docker/Dockerfile.refresh-token (`ENTRYPOINT python3 /opt/refresh.py`). */
const REFRESHER_SCRIPT = "/opt/refresh.py";
/** How long the pinned refresher sleeps between two token requests (docker/scripts/refresh.py:84). */
export const REFRESH_INTERVAL_SECONDS = 1000;

/** Where the refresher's Secret keeps each value. */
export interface IamSecretRef {
    name: pulumi.Input<string>;
    clientSecretKey: string;
    refreshTokenKey: string;
}

export function vkContainers(cfg: InterlinkConfig, secret: IamSecretRef): k8s.types.input.core.v1.Container[] {
    const resources = { requests: { cpu: "50m", memory: "100Mi" }, limits: { cpu: "500m", memory: "600Mi" } };
    return [
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
            ],
            ports: [{ name: "kubelet", containerPort: KUBELET_PORT }],
            volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }, { ...tokenMount, readOnly: true }],
            resources,
            readinessProbe: { tcpSocket: { port: KUBELET_PORT }, initialDelaySeconds: 5, periodSeconds: 10 },
            livenessProbe: { tcpSocket: { port: KUBELET_PORT }, initialDelaySeconds: 30, periodSeconds: 20 },
            securityContext: restrictedContainerSecurityContext(),
        },
        {
            // What the pinned refresh.py reads (docker/scripts/refresh.py:17-27): the token endpoint,
            // the client, its refresh token and the audience; it never reads IAM_SERVER. Every
            // REFRESH_INTERVAL_SECONDS it makes the refresh-token grant and rewrites TOKEN_PATH.
            name: "token-refresher",
            image: cfg.images.tokenRefresher!,
            // refresh.py prints the refresh token, every IAM response and the client secret to stdout
            // (lines 37, 53, 59, 64): discard stdout so they never reach the pod log; its errors go
            // to stderr (logging.warn, line 82) and stay visible.
            command: ["/bin/sh", "-c", `exec python3 ${REFRESHER_SCRIPT} >/dev/null`],
            env: [
                { name: "IAM_TOKEN_ENDPOINT", value: `${cfg.iam.server.replace(/\/$/, "")}/token` },
                { name: "IAM_CLIENT_ID", value: cfg.iam.clientId! },
                { name: "IAM_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: secret.name, key: secret.clientSecretKey } } },
                { name: "IAM_REFRESH_TOKEN", valueFrom: { secretKeyRef: { name: secret.name, key: secret.refreshTokenKey } } },
                { name: "IAM_VK_AUD", value: cfg.iam.audience },
                { name: "TOKEN_PATH", value: TOKEN_PATH },
            ],
            volumeMounts: [tokenMount, { name: "tmp", mountPath: "/tmp" }],
            resources,
            // No readiness probe: the token is a run-time matter (the VK keeps running and retrying
            // without one), and the pod's readiness is the VK's own port. Liveness only after the
            // refresher's first two attempts: a refresher that never got a token is restarted.
            livenessProbe: { exec: { command: ["test", "-s", TOKEN_PATH] }, initialDelaySeconds: REFRESH_INTERVAL_SECONDS + 100, periodSeconds: 60 },
            securityContext: restrictedContainerSecurityContext(),
        },
    ];
}
