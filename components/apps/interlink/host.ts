import * as pulumi from "@pulumi/pulumi";
import { toYaml } from "../../k8s/yaml";
import type { InterlinkConfig } from "../../../config/interlink";

/** Where the files go on the target host (upstream's layout under /etc/interlink). */
export const HOST_DIR = "/etc/interlink";
/** The InterLink API listens here, behind oauth2-proxy. */
export const INTERLINK_API_PORT = 3000;
/** The Docker sidecar listens here, for the InterLink API only. */
export const SIDECAR_PORT = 4000;
/**
 * The Docker sidecar's working directory: its systemd `StateDirectory=interlink`, created by
 * systemd and owned by the unit's user, writable under `ProtectSystem=full` (which makes /etc
 * read-only).
 */
export const STATE_DIR = "/var/lib/interlink";
/**
 * DataRootFolder, relative to the sidecar's working directory. docker-sd creates
 * `DataRootFolder + <namespace>-<pod UID>` for every container and fails the create if it cannot
 * (Bianco95/interLink@a5198b2 pkg/sidecars/docker/aux.go:34, Create.go:160-166), and builds its
 * volume paths as `<cwd>/DataRootFolder/...` (aux.go:135,190,242): relative, both stay in STATE_DIR.
 */
export const DATA_ROOT_FOLDER = "jobs/";

/**
 * `InterLinkConfig.yaml` for the target host. The API (3000) and the sidecar (4000) listen on every
 * interface (they have no bind-address setting: cmd/interlink/main.go:50, cmd/sidecars/docker/main.go:68);
 * the URLs here are only where the API calls the sidecar; the units restrict both to localhost.
 * Errors-only logging: at info level docker-sd logs every `docker run` line with the notebook's
 * environment, JUPYTERHUB_API_TOKEN included, and the pod data with its Secrets (Create.go:183,
 * aux.go:42), into the host journal.
 */
export function hostInterlinkConfig(cfg: InterlinkConfig): string {
    return toYaml({
        InterlinkURL: "http://127.0.0.1",
        InterlinkPort: String(INTERLINK_API_PORT),
        SidecarURL: "http://127.0.0.1",
        SidecarPort: String(SIDECAR_PORT),
        VKTokenFile: `${HOST_DIR}/token`,
        ExportPodData: true,
        DataRootFolder: DATA_ROOT_FOLDER,
        ServiceAccount: "interlink",
        Namespace: cfg.namespace,
        VerboseLogging: false,
        ErrorsOnlyLogging: true,
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

interface UnitArgs {
    description: string;
    exec: string;
    env: string;
    extra: string[];
    after?: string[];
    workingDirectory?: string;
}

function unit({ description, exec, env, extra, after = [], workingDirectory = HOST_DIR }: UnitArgs): string {
    return [
        "[Unit]",
        `Description=${description}`,
        `After=network-online.target ${after.join(" ")}`.trim(),
        "Wants=network-online.target",
        "",
        "[Service]",
        "Type=simple",
        `WorkingDirectory=${workingDirectory}`,
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

/**
 * Only local peers: the API and the sidecar bind every interface and authenticate nobody (the
 * sidecar runs `docker run` for any caller), so systemd's cgroup IP filter admits only loopback
 * (systemd >= 235 with cgroup v2). Neither needs more: the API calls only the sidecar on 127.0.0.1
 * (pkg/interlink/create.go:64-77) and oauth2-proxy calls the API on 127.0.0.1; the sidecar reaches
 * Docker through its unix socket, and dockerd (outside the unit) pulls the images.
 */
const LOCALHOST_ONLY = ["IPAddressDeny=any", "IPAddressAllow=localhost"];

/** systemd units for the three services (non-root users; oauth2-proxy gets only the bind capability). */
export function systemdUnits(): Record<string, string> {
    return {
        // oauth2-proxy is the one public listener (interlinkPort) and calls IAM: no IP filter.
        "oauth2-proxy.service": unit({
            description: "oauth2-proxy in front of the InterLink API",
            exec: `${HOST_DIR}/bin/oauth2-proxy`,
            env: `${HOST_DIR}/oauth2-proxy.env`,
            extra: ["User=interlink", "AmbientCapabilities=CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE"],
            after: ["interlink.service"],
        }),
        "interlink.service": unit({ description: "InterLink API server", exec: `${HOST_DIR}/bin/interlink`, env: `${HOST_DIR}/interlink.env`, extra: ["User=interlink", ...LOCALHOST_ONLY], after: ["docker-sidecar.service"] }),
        // The sidecar drives Docker (and the NVIDIA runtime): membership of the docker group is root-equivalent, so keep this host dedicated.
        // It writes pod data under its StateDirectory (DataRootFolder is relative to it).
        "docker-sidecar.service": unit({
            description: "InterLink Docker sidecar",
            exec: `${HOST_DIR}/bin/docker-sd`,
            env: `${HOST_DIR}/interlink.env`,
            extra: ["User=interlink", "SupplementaryGroups=docker", `StateDirectory=${STATE_DIR.replace(/^\/var\/lib\//, "")}`, ...LOCALHOST_ONLY],
            after: ["docker.service"],
            workingDirectory: STATE_DIR,
        }),
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
