import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import type { InterlinkConfig } from "../../../config/interlink";

/** Where the files go on the target host (upstream's layout under /etc/interlink). */
export const HOST_DIR = "/etc/interlink";
/** The InterLink API listens here, behind oauth2-proxy. */
export const INTERLINK_API_PORT = 3000;
/** The Docker sidecar listens here, for the InterLink API only. */
export const SIDECAR_PORT = 4000;

/** `InterLinkConfig.yaml` for the target host: API on 127.0.0.1:3000, sidecar on 127.0.0.1:4000. */
export function hostInterlinkConfig(cfg: InterlinkConfig): string {
    return stringify({
        InterlinkURL: "http://127.0.0.1",
        InterlinkPort: String(INTERLINK_API_PORT),
        SidecarURL: "http://127.0.0.1",
        SidecarPort: String(SIDECAR_PORT),
        VKTokenFile: `${HOST_DIR}/token`,
        ExportPodData: true,
        DataRootFolder: `${HOST_DIR}/jobs/`,
        ServiceAccount: "interlink",
        Namespace: cfg.namespace,
        VerboseLogging: false,
        ErrorsOnlyLogging: false,
    });
}

/**
 * oauth2-proxy's environment file (`OAUTH2_PROXY_*`, one per flag; list flags take the plural).
 * It accepts only the IAM-signed bearer tokens with the VK's audience and forwards them to the
 * InterLink API. Upstream's `--skip-auth-route="*='*'"` is deliberately absent: it would let any
 * request through unauthenticated.
 */
export function oauth2ProxyEnv(cfg: InterlinkConfig, clientSecret: pulumi.Input<string>, cookieSecret: pulumi.Input<string>): pulumi.Output<string> {
    const iam = cfg.iam.server.endsWith("/") ? cfg.iam.server : `${cfg.iam.server}/`;
    return pulumi.secret(
        pulumi.all([clientSecret, cookieSecret]).apply(([secret, cookie]) =>
            envFile({
                OAUTH2_PROXY_PROVIDER: "oidc",
                OAUTH2_PROXY_OIDC_ISSUER_URL: iam,
                OAUTH2_PROXY_CLIENT_ID: cfg.iam.clientId!,
                OAUTH2_PROXY_CLIENT_SECRET: secret,
                OAUTH2_PROXY_COOKIE_SECRET: cookie,
                OAUTH2_PROXY_OIDC_EXTRA_AUDIENCES: cfg.iam.audience,
                OAUTH2_PROXY_SKIP_JWT_BEARER_TOKENS: "true",
                OAUTH2_PROXY_PASS_AUTHORIZATION_HEADER: "true",
                OAUTH2_PROXY_EMAIL_DOMAINS: "*",
                OAUTH2_PROXY_HTTP_ADDRESS: "127.0.0.1:8081",
                OAUTH2_PROXY_HTTPS_ADDRESS: `0.0.0.0:${cfg.interlinkPort}`,
                OAUTH2_PROXY_TLS_CERT_FILE: `${HOST_DIR}/tls/certificate.crt`,
                OAUTH2_PROXY_TLS_KEY_FILE: `${HOST_DIR}/tls/private.key`,
                OAUTH2_PROXY_TLS_MIN_VERSION: "TLS1.2",
                OAUTH2_PROXY_UPSTREAMS: `http://127.0.0.1:${INTERLINK_API_PORT}`,
                OAUTH2_PROXY_REDIRECT_URL: `${cfg.interlinkUrl!.replace(/\/$/, "")}/oauth2/callback`,
            }),
        ),
    );
}

/** Environment of the InterLink API and the Docker sidecar. */
export function interlinkEnv(): string {
    return envFile({ INTERLINKCONFIGPATH: `${HOST_DIR}/InterLinkConfig.yaml` });
}

function envFile(vars: Record<string, string>): string {
    return Object.entries(vars)
        .map(([k, v]) => `${k}=${/^[\w./:@*,-]*$/.test(v) ? v : JSON.stringify(v)}`)
        .join("\n")
        .concat("\n");
}

function unit(description: string, exec: string, env: string, extra: string[], after: string[] = []): string {
    return [
        "[Unit]",
        `Description=${description}`,
        `After=network-online.target ${after.join(" ")}`.trim(),
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        `WorkingDirectory=${HOST_DIR}`,
        `ExecStart=${exec}`,
        `EnvironmentFile=${env}`,
        "Restart=on-failure",
        "NoNewPrivileges=true",
        "ProtectSystem=full",
        ...extra,
        "",
        "[Install]",
        "WantedBy=multi-user.target",
        "",
    ].join("\n");
}

/** systemd units for the three services (non-root users; oauth2-proxy gets only the bind capability). */
export function systemdUnits(): Record<string, string> {
    return {
        "oauth2-proxy.service": unit("oauth2-proxy in front of the InterLink API", `${HOST_DIR}/bin/oauth2-proxy`, `${HOST_DIR}/oauth2-proxy.env`, ["User=interlink", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"], ["interlink.service"]),
        "interlink.service": unit("InterLink API server", `${HOST_DIR}/bin/interlink`, `${HOST_DIR}/interlink.env`, ["User=interlink"], ["docker-sidecar.service"]),
        // The sidecar drives Docker (and the NVIDIA runtime): membership of the docker group is root-equivalent, so keep this host dedicated.
        "docker-sidecar.service": unit("InterLink Docker sidecar", `${HOST_DIR}/bin/docker-sd`, `${HOST_DIR}/interlink.env`, ["User=interlink", "SupplementaryGroups=docker"], ["docker.service"]),
    };
}

/** The non-secret files for the target host, keyed by their path there. */
export function hostFiles(cfg: InterlinkConfig): Record<string, string> {
    const files: Record<string, string> = {
        [`${HOST_DIR}/InterLinkConfig.yaml`]: hostInterlinkConfig(cfg),
        [`${HOST_DIR}/interlink.env`]: interlinkEnv(),
    };
    for (const [name, text] of Object.entries(systemdUnits())) files[`/etc/systemd/system/${name}`] = text;
    return files;
}
