import { z } from "zod";
import { msg } from "./problems";
import type { ClusterFacts, CrossCheck, Enabled, SecretSpec } from "./spec";
import { dnsLabel, dnsName, httpUrl, port, quantity } from "./types";

/** The SQL databases DiracX uses (seed 004's demo list: every SQL entry point of v0.3.0). */
export const DIRACX_DEFAULT_SQL_DBS = ["AuthDB", "JobDB", "JobLoggingDB", "SandboxMetadataDB", "TaskQueueDB", "PilotAgentsDB", "ResourceStatusDB"] as const;
/**
 * The OpenSearch databases DiracX uses. The demo also lists `PilotLogsDB`, but v0.3.0 installs only
 * `JobParametersDB` as a `diracx.dbs.os` entry point (DIRACGrid/diracx v0.3.0, diracx-db/pyproject.toml
 * 38-39) and reads `DIRACX_OS_DB_<NAME>` only for installed entry points (diracx-core settings.py
 * 432-448, diracx-db os/utils.py 104-124): any other name has no effect.
 */
export const DIRACX_DEFAULT_OS_DBS = ["JobParametersDB"] as const;

/** The image tag the pinned chart (diracx 1.1.6) runs when `diracx.imageTag` is unset. */
export const DIRACX_PINNED_APP_VERSION = "v0.3.0";
/** Database entry points of DiracX v0.3.0 (diracx-db/pyproject.toml 29-39): the only names whose connection settings it reads. */
export const DIRACX_V030_ENTRY_POINTS = { sqlDbs: DIRACX_DEFAULT_SQL_DBS, osDbs: ["JobParametersDB"] } as const;

/** Where the chart's developer-mode config store volume (`pv-cs-store`, a hostPath) lives on the node: `developer.localCSPath`. */
export const DIRACX_CS_STORE_NODE_PATH = "/local_cs_store";

/** The address a host name stands for when it spells it (nip.io, sslip.io), or is a loopback-only name (`localhost`, `localtest.me`). */
export function hostnameAddress(hostname: string): string | undefined {
    const h = hostname.toLowerCase();
    if (h === "localhost" || h.endsWith(".localhost") || h === "localtest.me" || h.endsWith(".localtest.me")) return "127.0.0.1";
    const m = /(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})\.(?:nip\.io|sslip\.io)$/.exec(h);
    return m ? m.slice(1).join(".") : undefined;
}

/** Whether a host name resolves to the loopback address: inside a pod that is the pod itself. */
export function resolvesToLoopback(hostname: string): boolean {
    return hostnameAddress(hostname)?.startsWith("127.") ?? false;
}

/** A DiracX database name: it becomes part of an environment variable (`DIRACX_DB_URL_<NAME>`) and a MySQL schema name. */
const DB_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const dbName = z.string().regex(DB_NAME, { message: msg("is not a DiracX database name", "use letters and digits only, e.g. \"JobDB\"") });

/** `host:port` of an external service. */
const hostPort = z.string().regex(/^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}$/, {
    message: msg("is not a host:port address", "use e.g. \"mysql.example.org:3306\""),
});

/** A database account name (external MySQL/OpenSearch); no characters that need escaping in a URL. */
const account = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { message: msg("is not a plain account name", "use letters, digits, '_', '.' or '-' (at most 64)") });

const externalMysql = z.strictObject({
    /** `host:port` of the MySQL server. */
    host: hostPort,
    /** Account the DiracX services use (SELECT/INSERT/UPDATE/DELETE on the DiracX schemas). Password: secret `diracxMysqlPassword`. */
    user: account.default("diracx"),
    /** Account the schema-init job uses (creates tables). Password: secret `diracxMysqlRootPassword`. */
    rootUser: account.default("root"),
});

const externalOpensearch = z.strictObject({
    /** `host:port` of the OpenSearch cluster (HTTPS). */
    host: hostPort,
    /** Account DiracX uses; password: secret `diracxOpensearchPassword`. */
    user: account.default("diracx"),
    /** Verify the cluster's TLS certificate (turn off only for a self-signed test cluster). */
    verifyCerts: z.boolean().default(true),
});

const externalS3 = z.strictObject({
    /** S3 endpoint URL, e.g. `https://s3.example.org`. */
    endpointUrl: httpUrl,
    /** S3 access key id (not secret); the secret access key is the secret `diracxS3ClientSecret`. */
    accessKeyId: z.string().min(1),
});

/** DiracX from its Helm chart, with its databases (seed 004). */
export const diracxSchema = z
    .strictObject({
        enabled: z.boolean().default(false),
        /** Namespace for the release and the Secrets the program creates. */
        namespace: dnsLabel.default("diracx"),
        /** Helm release name (the chart names MySQL `<release>-mysql`). */
        releaseName: dnsLabel.default("diracx"),
        /** Host name of the web app and API (required when enabled). */
        hostname: dnsName.optional(),
        /** Port of the public HTTPS URL (`https://<hostname>:<port>`, the port left out when 443): on kind, the host port kind maps to Traefik's websecure NodePort. */
        httpsPort: port.default(443),
        /**
         * Address the DiracX API pod resolves `hostname` to (the chart's `developer.ipAlias`: a hostAliases
         * entry): needed when the hostname resolves to the loopback address (dev on kind), because the API
         * calls Dex and the S3 store at their public URLs. On kind: the kind network's gateway, where the
         * host's port mappings reach the NodePorts (`npm run kind:up` writes it).
         */
        ipAlias: z.ipv4({ message: msg("is not an IPv4 address", "use e.g. \"172.18.0.1\" (the kind network's gateway)") }).optional(),
        /** Seconds Helm waits for the release (the init hooks run first: secrets, keystore, SQL and OpenSearch schemas). */
        timeoutSeconds: z.number().int().min(300, { message: msg("is shorter than the chart's init jobs need", "use at least 300 (the chart's job deadline is 900)") }).max(3600).default(1500),
        /** Developer mode as in seed 004's demo: git+file config store on a hostPath volume, demo login. Meant for `dev` only. */
        developer: z.boolean().default(false),
        /**
         * DiracX config store URL (`DIRACX_CONFIG_BACKEND_URL`); required unless developer mode (which uses
         * `git+file:///cs_store/initialRepo`). v0.3.0 registers config sources for `git+file` and `git+https`
         * only (diracx-core config/sources.py 63-89, 171, 201: any other scheme is a KeyError at start-up);
         * `?revision=<branch>` picks the branch, `master` by default (line 27).
         */
        configBackendUrl: z
            .string()
            .regex(/^git\+(file|https):\/\/\S+$/, {
                message: msg("is not a config store URL DiracX v0.3.0 reads (it reads only git+file:// and git+https://)", "use e.g. \"git+https://gitlab.example.org/vo/diracx-config?revision=main\" (without ?revision= DiracX checks out master)"),
            })
            .optional(),
        /** DiracX image tag (`global.images.tag`); the chart's default for the pinned version when unset. */
        imageTag: z.string().regex(/^v?[0-9][\w.-]*$/, { message: msg("is not a pinned version tag", "use a release tag such as \"v0.3.0\"") }).optional(),
        ingress: z
            .strictObject({
                /** An existing IngressClass to use instead of the platform's. */
                className: dnsName.optional(),
                /** An existing cert-manager ClusterIssuer to use instead of the platform's. */
                clusterIssuer: dnsName.optional(),
                /** Secret cert-manager writes the TLS certificate into. */
                tlsSecretName: dnsName.default("diracx-tls"),
            })
            .prefault({}),
        mysql: z
            .strictObject({
                /** `bundled`: the chart's Bitnami MySQL with program-generated passwords; `external`: an existing server. */
                mode: z.enum(["bundled", "external"]).default("bundled"),
                external: externalMysql.optional(),
            })
            .prefault({}),
        opensearch: z
            .strictObject({
                /** `bundled`: the chart's single-node OpenSearch (demo security config, see docs); `external`: an existing cluster. */
                mode: z.enum(["bundled", "external"]).default("bundled"),
                external: externalOpensearch.optional(),
            })
            .prefault({}),
        sandboxStore: z
            .strictObject({
                /** `seaweedfs`: the chart's SeaweedFS (mini); `external`: an existing S3 service. */
                mode: z.enum(["seaweedfs", "external"]).default("seaweedfs"),
                /** Bucket for job sandboxes (created by DiracX on first use). */
                bucket: dnsName.default("sandboxes"),
                /** SeaweedFS volume size. */
                size: quantity.default("1Gi"),
                /** URL DiracX and its clients reach SeaweedFS's S3 at (sandbox uploads use presigned URLs); `http://<hostname>:32000`, the chart's NodePort, when unset. */
                seaweedfsUrl: httpUrl.optional(),
                external: externalS3.optional(),
            })
            .prefault({}),
        /** The chart's RabbitMQ (off by default; passwords generated by the program). */
        rabbitmq: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
        dex: z
            .strictObject({
                /** The chart's Dex identity provider (the demo's). */
                enabled: z.boolean().default(true),
                /** Dex NodePort (the demo maps 32002 from the kind node). */
                nodePort: port.default(32002),
                /** Issuer URL users' browsers and DiracX reach Dex at; `http://<hostname>:<nodePort>` when unset. */
                issuer: httpUrl.optional(),
                /** Create the demo user (developer mode): its password is generated and exported as a secret output. */
                demoUser: z.boolean().default(false),
                /** The demo user's e-mail (Dex login name). */
                demoUserEmail: z.email({ message: msg("is not an e-mail address", "use e.g. \"admin@example.com\"") }).default("admin@example.com"),
            })
            .prefault({}),
        /** OpenTelemetry collector, Prometheus, Jaeger and Grafana (seed 004: experimental, resource hungry). */
        telemetry: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
        /** SQL databases to create and connect (`diracx.sqlDbs.dbs`). */
        sqlDbs: z.array(dbName).min(1).default([...DIRACX_DEFAULT_SQL_DBS]),
        /** OpenSearch databases (`diracx.osDbs.dbs`); v0.3.0 has only `JobParametersDB`. */
        osDbs: z.array(dbName).default([...DIRACX_DEFAULT_OS_DBS]),
    })
    .superRefine((c, ctx) => {
        if (!c.enabled) return;
        if (!c.hostname) {
            ctx.addIssue({ code: "custom", path: ["hostname"], message: msg("is required when DiracX is enabled", "set diracx.hostname to the DNS name users reach DiracX at, e.g. \"diracx.example.org\"") });
        }
        if (!c.developer && !c.configBackendUrl) {
            ctx.addIssue({
                code: "custom",
                path: ["configBackendUrl"],
                message: msg("is required outside developer mode (DiracX reads its configuration from a git repository)", "set diracx.configBackendUrl, e.g. \"git+https://gitlab.example.org/vo/diracx-config\", or set diracx.developer to true"),
            });
        }
        for (const [key, label] of [
            ["mysql", "MySQL"],
            ["opensearch", "OpenSearch"],
        ] as const) {
            const s = c[key];
            if (s.mode === "external" && !s.external) {
                ctx.addIssue({ code: "custom", path: [key, "external"], message: msg(`is required when diracx.${key}.mode is external`, `set diracx.${key}.external.host (and user) of the existing ${label} service`) });
            }
            if (s.mode === "bundled" && s.external) {
                ctx.addIssue({ code: "custom", path: [key, "external"], message: msg(`is set but diracx.${key}.mode is bundled`, `set diracx.${key}.mode to external, or remove diracx.${key}.external`) });
            }
        }
        if (c.sandboxStore.mode === "external" && !c.sandboxStore.external) {
            ctx.addIssue({ code: "custom", path: ["sandboxStore", "external"], message: msg("is required when diracx.sandboxStore.mode is external", "set diracx.sandboxStore.external.endpointUrl and accessKeyId") });
        }
        if (c.sandboxStore.mode === "seaweedfs" && c.sandboxStore.external) {
            ctx.addIssue({ code: "custom", path: ["sandboxStore", "external"], message: msg("is set but diracx.sandboxStore.mode is seaweedfs", "set diracx.sandboxStore.mode to external, or remove diracx.sandboxStore.external") });
        }
        if (c.dex.demoUser && !c.dex.enabled) {
            ctx.addIssue({ code: "custom", path: ["dex", "demoUser"], message: msg("needs the chart's Dex", "set diracx.dex.enabled to true, or diracx.dex.demoUser to false") });
        }
        if (c.dex.demoUser && !c.developer) {
            ctx.addIssue({ code: "custom", path: ["dex", "demoUser"], message: msg("is a developer-mode convenience", "set diracx.developer to true, or diracx.dex.demoUser to false") });
        }
        // Names the pinned version has no entry point for are never read (only entry points' settings are).
        if ((c.imageTag ?? DIRACX_PINNED_APP_VERSION) === DIRACX_PINNED_APP_VERSION) {
            for (const key of ["sqlDbs", "osDbs"] as const) {
                const known: readonly string[] = DIRACX_V030_ENTRY_POINTS[key];
                c[key].forEach((db, i) => {
                    if (DB_NAME.test(db) && !known.some((k) => k.toUpperCase() === db.toUpperCase())) {
                        ctx.addIssue({ code: "custom", path: [key, i], message: msg(`is not ${key === "sqlDbs" ? "a SQL" : "an OpenSearch"} database of DiracX ${DIRACX_PINNED_APP_VERSION}, which would never read its settings`, `remove it, or use one of ${known.join(", ")}`) });
                    }
                });
            }
        }
        // The API calls Dex and the S3 store at their public URLs (see ipAlias).
        const publicUrlsOnHostname = (c.dex.enabled && !c.dex.issuer) || (c.sandboxStore.mode === "seaweedfs" && !c.sandboxStore.seaweedfsUrl);
        if (c.hostname && resolvesToLoopback(c.hostname) && publicUrlsOnHostname && !c.ipAlias) {
            ctx.addIssue({
                code: "custom",
                path: ["ipAlias"],
                message: msg(
                    `is required: diracx.hostname ${c.hostname} resolves to the loopback address, which inside a pod is the pod itself, so the DiracX API could not reach Dex and the S3 store at http://${c.hostname}:<NodePort>`,
                    "set diracx.ipAlias to an address pods reach those NodePorts at (on kind the kind network's gateway, e.g. 172.18.0.1: npm run kind:up writes it), or use a hostname every pod and browser resolves alike",
                ),
            });
        }
        const dup = (list: string[]) => list.find((x, i) => list.findIndex((y) => y.toUpperCase() === x.toUpperCase()) !== i);
        for (const key of ["sqlDbs", "osDbs"] as const) {
            const d = dup(c[key]);
            if (d) ctx.addIssue({ code: "custom", path: [key], message: msg(`lists ${d} twice (names are compared case-insensitively)`, `remove the duplicate from diracx.${key}`) });
        }
    });
export type DiracxConfig = z.output<typeof diracxSchema>;

/** The S3 endpoint of the chart's SeaweedFS as DiracX and its clients use it: `sandboxStore.seaweedfsUrl`, else the chart's NodePort 32000 on the hostname. */
export function seaweedfsEndpoint(c: Pick<DiracxConfig, "hostname" | "sandboxStore">): string {
    return c.sandboxStore.seaweedfsUrl ?? `http://${c.hostname}:32000`;
}
/** The chart's Dex issuer: `dex.issuer`, else its NodePort on the hostname. */
export function dexIssuerUrl(c: Pick<DiracxConfig, "hostname" | "dex">): string {
    return c.dex.issuer ?? `http://${c.hostname}:${c.dex.nodePort}`;
}

/** What this component's secrets and cross-component checks read of the platform's settings: its own, and of the others only these. */
type Reads = { diracx: DiracxConfig; ingress: Enabled & { install: boolean; websecureNodePort?: number }; certManager: Enabled; kubernetes: ClusterFacts };

export const diracxSecrets: SecretSpec<Reads>[] = [
    {
        key: "diracxMysqlPassword",
        description: "password of diracx.mysql.external.user on the external MySQL server",
        requiredWhen: (cfg) => cfg.diracx?.enabled === true && cfg.diracx.mysql?.mode === "external",
    },
    {
        key: "diracxMysqlRootPassword",
        description: "password of diracx.mysql.external.rootUser on the external MySQL server (schema creation)",
        requiredWhen: (cfg) => cfg.diracx?.enabled === true && cfg.diracx.mysql?.mode === "external",
    },
    {
        key: "diracxOpensearchPassword",
        description: "password of diracx.opensearch.external.user on the external OpenSearch cluster",
        requiredWhen: (cfg) => cfg.diracx?.enabled === true && cfg.diracx.opensearch?.mode === "external",
    },
    {
        key: "diracxS3ClientSecret",
        description: "S3 secret access key for diracx.sandboxStore.external.accessKeyId",
        requiredWhen: (cfg) => cfg.diracx?.enabled === true && cfg.diracx.sandboxStore?.mode === "external",
    },
];

/** Checks against other components' settings (run after every schema passes). */
export const diracxCrossChecks: CrossCheck<Reads>[] = [
    (cfg, report) => {
        const d = cfg.diracx;
        if (!d.enabled) return;
        if (!d.ingress.className && !cfg.ingress.enabled) {
            report(
                ["diracx", "ingress", "className"],
                "DiracX needs an ingress controller, but the platform's is off and no existing IngressClass is named",
                "set ingress.enabled to true, or set diracx.ingress.className to an existing IngressClass",
            );
        }
        if (!d.ingress.clusterIssuer && !cfg.certManager.enabled) {
            report(
                ["diracx", "ingress", "clusterIssuer"],
                "DiracX needs a TLS certificate, but the platform's cert-manager is off and no existing ClusterIssuer is named",
                "set certManager.enabled to true, or set diracx.ingress.clusterIssuer to an existing cert-manager ClusterIssuer",
            );
        }
        // On kind the user's machine reaches DiracX only through a kind port mapping, which needs a fixed NodePort.
        if (cfg.kubernetes.distribution === "kind" && !d.ingress.className && cfg.ingress.enabled && cfg.ingress.install && cfg.ingress.websecureNodePort === undefined) {
            report(
                ["ingress", "websecureNodePort"],
                "is not set, but on kind DiracX is reached through a kind port mapping to Traefik's websecure NodePort, which is otherwise random",
                "set ingress.websecureNodePort (e.g. 30443), map it to a host port in kind/cluster.yaml, and set diracx.httpsPort to that host port",
            );
        }
        if (d.developer && cfg.kubernetes.environment === "prod") {
            report(["diracx", "developer"], "developer mode (hostPath config store, demo login) is not for prod", "set diracx.developer to false and diracx.configBackendUrl to the VO's config repository");
        }
    },
];
