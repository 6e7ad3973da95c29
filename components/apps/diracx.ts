import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { Environment } from "../../config";
import type { DiracxConfig } from "../../config/diracx";
import { charts } from "../charts";
import { helmRelease } from "../k8s/helmRelease";
import { podSecurityNamespace } from "../k8s/namespace";
import { Allow, ClusterNetwork, isolateNamespace } from "../k8s/networkPolicy";
import { opaqueSecret } from "../k8s/secret";

/** User-supplied secrets (from `SecretSpec`s) for the external services. */
export interface DiracxSecrets {
    mysqlPassword?: pulumi.Input<string>;
    mysqlRootPassword?: pulumi.Input<string>;
    opensearchPassword?: pulumi.Input<string>;
    s3ClientSecret?: pulumi.Input<string>;
}

export interface DiracxArgs {
    config: DiracxConfig;
    environment: Environment;
    provider: k8s.Provider;
    /** User-supplied secrets for the external services (only those the config needs). */
    secrets: DiracxSecrets;
    /** The platform's IngressClass (used unless `config.ingress.className` names one). */
    ingressClassName?: string;
    ingressReady: pulumi.Resource[];
    /** The platform's ClusterIssuer (used unless `config.ingress.clusterIssuer` names one). */
    clusterIssuerName?: string;
    issuerReady: pulumi.Resource[];
    /** StorageClass for MySQL, OpenSearch and SeaweedFS volumes; the cluster default when undefined. */
    storageClassName?: string;
    storageReady: pulumi.Resource[];
    /** The cluster's addresses and the ingress namespace, for the namespace's NetworkPolicies. */
    network: ClusterNetwork;
}

/** How to log in to a developer-mode DiracX with the demo user (a stack output). */
export interface DiracxLogin {
    url: string;
    username: string;
    /** Where the password is (never the password itself). */
    password: string;
    dexIssuer: string;
    dexClientId: string;
    /** Run once after the first install: register the VO with Dex and the demo user in the config store (as run_demo.sh does). */
    registerOnce: string[];
}

/** Secrets the chart reads by fixed name: its init-secrets job creates each one only if it does not exist yet. */
export const CHART_SECRET_NAMES = {
    dynamic: "diracx-dynamic-secrets",
    sqlUrls: "diracx-sql-connection-urls",
    sqlRootUrls: "diracx-sql-root-connection-urls",
    osUrls: "diracx-os-connection-urls",
    osRootUrls: "diracx-os-root-connection-urls",
} as const;

/** busybox tag for the chart's wait-for init containers (the chart defaults to `latest`). */
const BUSYBOX_TAG = "1.37.0";
/** SeaweedFS S3 identity the sandbox store uses (the key id is not secret). */
const SEAWEEDFS_ACCESS_KEY_ID = "diracx-sandboxes";

/** Dex's `sub` claim for a local (password DB) user: what `dirac internal add-user --sub` expects (as run_demo.sh builds it). */
export function dexLocalSubject(userId: string): string {
    const id = Buffer.from(userId, "utf8");
    return Buffer.concat([Buffer.from([0x0a, id.length]), id, Buffer.from([0x12, 0x05]), Buffer.from("local", "utf8")]).toString("base64");
}

/**
 * DiracX (seed 004) from its Helm chart: the API and web app behind the platform's ingress with a
 * cert-manager certificate, its MySQL, OpenSearch, sandbox store (SeaweedFS or external S3), Dex
 * and, optionally, RabbitMQ and the telemetry stack. Every password is generated here or supplied
 * as secret config and handed to the chart as a Secret it reads by name (see docs/diracx.md for
 * the one value the chart only accepts inline).
 */
export class Diracx extends pulumi.ComponentResource {
    /** The web app. */
    readonly url: pulumi.Output<string>;
    /** The interactive API documentation. */
    readonly apiDocsUrl: pulumi.Output<string>;
    /** How to log in (developer mode with the demo user), otherwise undefined. */
    readonly login?: pulumi.Output<DiracxLogin>;
    /** The demo user's generated password (secret), in developer mode with the demo user. */
    readonly demoUserPassword?: pulumi.Output<string>;
    /** The Grafana admin password (secret), when telemetry is on. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    readonly release: k8s.helm.v3.Release;

    constructor(name: string, args: DiracxArgs, opts?: pulumi.ComponentResourceOptions) {
        super("research-platform:apps:Diracx", name, args, opts);
        const cfg = args.config;
        const prod = args.environment === "prod";
        const hostname = cfg.hostname;
        if (!hostname) throw new Error("diracx.hostname is required (the config schema checks this)");
        const ns = cfg.namespace;
        const release = cfg.releaseName;
        const base = `https://${hostname}`;
        const child = { parent: this, provider: args.provider };
        /** What holds or unlocks data: protected (and retained) in prod. */
        const keep = { protect: prod, retainOnDelete: prod };
        const randomOpts = { parent: this, protect: prod };

        const namespace = podSecurityNamespace(
            "diracx",
            {
                name: ns,
                podSecurity: "baseline",
                reason:
                    "the DiracX chart sets no securityContext on its jobs and services, the OpenSearch chart runs a root init container to chown its data volume, and the Bitnami charts run with the images' own users",
            },
            { ...child, ...keep },
        );
        const inNs = { ...child, dependsOn: [namespace] };

        // Isolation. The chart's pods are not visible offline, so the allows are by namespace: DiracX
        // and its bundled stores (MySQL, OpenSearch, SeaweedFS, Dex, the init jobs) talk freely inside
        // it (the Bitnami MySQL keeps its own networkPolicy too); the ingress controller reaches the API
        // (8000) and web app (8080); NodePort Services (Dex, SeaweedFS S3) arrive from the nodes; egress
        // leaves the cluster only on HTTPS and the external services' ports from config.
        const externalPorts = [cfg.mysql.mode === "external" ? cfg.mysql.external?.host : undefined, cfg.opensearch.mode === "external" ? cfg.opensearch.external?.host : undefined]
            .filter((h): h is string => !!h)
            .map((h) => Number(h.slice(h.lastIndexOf(":") + 1)));
        if (cfg.sandboxStore.mode === "external" && cfg.sandboxStore.external) {
            const u = new URL(cfg.sandboxStore.external.endpointUrl);
            externalPorts.push(Number(u.port || (u.protocol === "http:" ? 80 : 443)));
        }
        const allows: Allow[] = [
            { name: "in-namespace", from: [{ pods: {} }], to: [{ pods: {} }], reason: "DiracX services, jobs and their databases and stores" },
            ...(args.network.ingressNamespace ? [{ name: "from-ingress", from: [{ namespace: args.network.ingressNamespace }], ports: [{ port: 8000 }, { port: 8080 }], reason: "the ingress controller forwards to the DiracX API (8000) and web app (8080)" }] : []),
            { name: "from-nodes", from: [{ nodes: true }], reason: "NodePort Services (Dex, SeaweedFS S3) reach the pods from the nodes" },
            { name: "external", to: [{ anywhere: true }], ports: [...new Set([443, ...externalPorts])].map((port) => ({ port })), reason: "identity providers, external MySQL, OpenSearch and S3 from config" },
        ];
        isolateNamespace("diracx-netpol", { namespace: ns, app: "diracx", network: args.network, allows }, inNs);
        const secrets: pulumi.Resource[] = [];
        const secret = (resourceName: string, secretName: string, data: Record<string, pulumi.Input<string>>, stateful = false) => {
            const s = opaqueSecret(resourceName, { name: secretName, namespace: ns, app: "diracx", data }, { ...inNs, ...(stateful ? keep : {}) });
            secrets.push(s);
            return s;
        };
        const password = (resourceName: string, length = 32) => new random.RandomPassword(resourceName, { length, special: false }, randomOpts);

        // The OAuth state key the chart would otherwise generate in its init-secrets job; the S3
        // credentials ride in the same Secret, which the pods read after `diracx-secrets` (envFrom),
        // so they never enter the chart's values.
        const stateKey = new random.RandomBytes("diracx-auth-state-key", { length: 32 }, randomOpts);

        const values: Record<string, unknown> = {};
        const settings: Record<string, unknown> = {};

        // ---- Images and global settings.
        const globalValues: Record<string, unknown> = {
            imagePullPolicy: "IfNotPresent",
            images: { busybox: { tag: BUSYBOX_TAG }, ...(cfg.imageTag ? { tag: cfg.imageTag } : {}) },
        };
        if (args.storageClassName) globalValues.storageClassName = args.storageClassName;
        values.global = globalValues;

        // ---- Developer mode (seed 004's demo): `developer` is set below, with the demo's URLs.
        settings.DIRACX_CONFIG_BACKEND_URL = cfg.developer ? "git+file:///cs_store/initialRepo" : cfg.configBackendUrl;
        settings.DIRACX_SERVICE_AUTH_TOKEN_ISSUER = base;
        settings.DIRACX_SERVICE_AUTH_ALLOWED_REDIRECTS = JSON.stringify([`${base}/api/docs/oauth2-redirect`, `${base}/#authentication-callback`]);
        if (cfg.developer) {
            settings.DIRACX_SERVICE_AUTH_ACCESS_TOKEN_EXPIRE_MINUTES = "120";
            settings.DIRACX_SERVICE_AUTH_REFRESH_TOKEN_EXPIRE_MINUTES = "360";
        }

        // ---- Ingress: the platform's class and issuer (or the ones the config names); the chart's own cert-manager and issuer are off.
        const className = cfg.ingress.className ?? args.ingressClassName;
        const issuer = cfg.ingress.clusterIssuer ?? args.clusterIssuerName;
        if (!className) pulumi.log.warn("diracx: no IngressClass from the platform or diracx.ingress.className; the Ingress uses the cluster's default class", this);
        if (!issuer) pulumi.log.warn("diracx: no ClusterIssuer from the platform or diracx.ingress.clusterIssuer; nothing will issue the TLS certificate", this);
        values.ingress = {
            enabled: true,
            className: className ?? "",
            tlsSecretName: cfg.ingress.tlsSecretName,
            annotations: issuer ? { "cert-manager.io/cluster-issuer": issuer } : {},
        };
        values["cert-manager"] = { enabled: false };
        values["cert-manager-issuer"] = { enabled: false };

        // ---- MySQL.
        const sqlDbs = Object.fromEntries(cfg.sqlDbs.map((db) => [db, null]));
        if (cfg.mysql.mode === "bundled") {
            const root = password("diracx-mysql-root");
            const replication = password("diracx-mysql-replication");
            const user = password("diracx-mysql-user");
            const auth = secret(
                "diracx-mysql-auth",
                `${release}-mysql-auth`,
                { "mysql-root-password": root.result, "mysql-replication-password": replication.result, "mysql-password": user.result },
                true,
            );
            values.mysql = { enabled: true, auth: { existingSecret: auth.metadata.name } };
            if (args.storageClassName) (values.mysql as Record<string, unknown>).primary = { persistence: { storageClass: args.storageClassName } };
            values.diracx = { sqlDbs: { dbs: sqlDbs } };
        } else {
            const ext = cfg.mysql.external!;
            const url = (account: string, pw: pulumi.Input<string>, db: string) =>
                pulumi.interpolate`mysql+aiomysql://${account}:${pulumi.output(pw).apply(encodeURIComponent)}@${ext.host}/${db}`;
            const urls = (account: string, pw: pulumi.Input<string>) => Object.fromEntries(cfg.sqlDbs.map((db) => [`DIRACX_DB_URL_${db.toUpperCase()}`, url(account, pw, db)]));
            secret("diracx-sql-connection-urls", CHART_SECRET_NAMES.sqlUrls, urls(ext.user, required(args.secrets.mysqlPassword, "diracxMysqlPassword")));
            secret("diracx-sql-root-connection-urls", CHART_SECRET_NAMES.sqlRootUrls, urls(ext.rootUser, required(args.secrets.mysqlRootPassword, "diracxMysqlRootPassword")));
            values.mysql = { enabled: false };
            // Host and account names only: the chart dereferences `default` when it renders its init script.
            values.diracx = { sqlDbs: { default: { host: ext.host, user: ext.user, rootUser: ext.rootUser }, dbs: sqlDbs } };
        }
        const diracxValues = values.diracx as Record<string, unknown>;

        // ---- OpenSearch.
        const osDbs = Object.fromEntries(cfg.osDbs.map((db) => [db, null]));
        if (cfg.opensearch.mode === "bundled") {
            values.opensearch = { enabled: true, ...(args.storageClassName ? { persistence: { storageClass: args.storageClassName } } : {}) };
            diracxValues.osDbs = { dbs: osDbs };
        } else {
            const ext = cfg.opensearch.external!;
            const pw = required(args.secrets.opensearchPassword, "diracxOpensearchPassword");
            const conn = pulumi
                .output(pw)
                .apply((p) => JSON.stringify({ hosts: `${ext.user}:${encodeURIComponent(p)}@${ext.host}`, use_ssl: true, verify_certs: ext.verifyCerts }));
            const data = Object.fromEntries(cfg.osDbs.map((db) => [`DIRACX_OS_DB_${db.toUpperCase()}`, conn]));
            secret("diracx-os-connection-urls", CHART_SECRET_NAMES.osUrls, data);
            secret("diracx-os-root-connection-urls", CHART_SECRET_NAMES.osRootUrls, data);
            values.opensearch = { enabled: false };
            diracxValues.osDbs = { default: { host: ext.host, user: ext.user, rootUser: ext.user }, dbs: osDbs };
        }

        // ---- Sandbox store.
        let s3Kwargs: pulumi.Output<string>;
        if (cfg.sandboxStore.mode === "seaweedfs") {
            const s3Key = password("diracx-seaweedfs-s3-key", 40);
            const endpoint = cfg.sandboxStore.seaweedfsUrl ?? `http://${hostname}:32000`;
            s3Kwargs = pulumi.jsonStringify({ endpoint_url: endpoint, aws_access_key_id: SEAWEEDFS_ACCESS_KEY_ID, aws_secret_access_key: s3Key.result });
            values.seaweedfs = {
                enabled: true,
                persistence: { size: cfg.sandboxStore.size, storageClass: args.storageClassName ?? "" },
                config: {
                    // UNAVOIDABLE: the chart takes SeaweedFS's S3 identities only inline and renders them into a ConfigMap (docs/diracx.md).
                    configMap: {
                        data: {
                            "seaweedfs-s3.json": pulumi.jsonStringify({
                                identities: [{ name: "diracx", credentials: [{ accessKey: SEAWEEDFS_ACCESS_KEY_ID, secretKey: s3Key.result }], actions: ["Admin", "Read", "Write", "List", "Tagging"] }],
                            }),
                        },
                    },
                    bucket: cfg.sandboxStore.bucket,
                },
            };
        } else {
            const ext = cfg.sandboxStore.external!;
            s3Kwargs = pulumi.jsonStringify({
                endpoint_url: ext.endpointUrl,
                aws_access_key_id: ext.accessKeyId,
                aws_secret_access_key: required(args.secrets.s3ClientSecret, "diracxS3ClientSecret"),
            });
            values.seaweedfs = { enabled: false };
        }
        settings.DIRACX_SANDBOX_STORE_BUCKET_NAME = cfg.sandboxStore.bucket;
        settings.DIRACX_SANDBOX_STORE_AUTO_CREATE_BUCKET = "true";
        // Removes the chart's placeholder credentials from `diracx-secrets`; the real ones are in `diracx-dynamic-secrets`.
        settings.DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS = null;
        secret("diracx-dynamic-secrets", CHART_SECRET_NAMES.dynamic, { DIRACX_SERVICE_AUTH_STATE_KEY: stateKey.base64, DIRACX_SANDBOX_STORE_S3_CLIENT_KWARGS: s3Kwargs });

        // ---- RabbitMQ (optional).
        if (cfg.rabbitmq.enabled) {
            const rmq = secret(
                "diracx-rabbitmq-auth",
                `${release}-rabbitmq-auth`,
                { "rabbitmq-password": password("diracx-rabbitmq").result, "rabbitmq-erlang-cookie": password("diracx-rabbitmq-erlang-cookie").result },
                true,
            );
            values.rabbitmq = {
                enabled: true,
                podSecurityContext: { enabled: true },
                containerSecurityContext: { enabled: true },
                auth: { existingPasswordSecret: rmq.metadata.name, existingErlangSecret: rmq.metadata.name },
            };
        } else {
            values.rabbitmq = { enabled: false };
        }

        // ---- Dex (the demo's identity provider).
        const dexIssuer = cfg.dex.issuer ?? `http://${hostname}:${cfg.dex.nodePort}`;
        let dexClientId: pulumi.Output<string> | undefined;
        if (cfg.dex.enabled) {
            dexClientId = new random.RandomUuid("diracx-dex-client-id", {}, { parent: this }).result;
            const dexConfig: Record<string, unknown> = {
                issuer: dexIssuer,
                staticClients: [
                    {
                        id: dexClientId,
                        public: true,
                        name: "DiracX",
                        redirectURIs: [`${base}/api/auth/device/complete`, `${base}/api/auth/authorize/complete`],
                    },
                ],
                staticPasswords: [],
            };
            if (cfg.dex.demoUser) {
                const demoPassword = password("diracx-demo-user-password", 24);
                const demoUserId = new random.RandomUuid("diracx-demo-user-id", {}, { parent: this }).result;
                // Dex takes only a bcrypt hash of the password (never the password) and keeps its config in a Secret.
                dexConfig.staticPasswords = [{ email: cfg.dex.demoUserEmail, hash: demoPassword.bcryptHash, username: "admin", userID: demoUserId }];
                this.demoUserPassword = pulumi.secret(demoPassword.result);
                const exec = `kubectl -n ${ns} exec deployment/${release}-cli -- bash /entrypoint.sh`;
                this.login = pulumi.all([dexClientId, demoUserId]).apply(([clientId, userId]): DiracxLogin => ({
                    url: base,
                    username: cfg.dex.demoUserEmail,
                    password: "pulumi stack output --show-secrets diracxDemoUserPassword",
                    dexIssuer,
                    dexClientId: clientId,
                    registerOnce: [
                        `${exec} dirac internal add-vo /cs_store/initialRepo --vo=diracAdmin --idp-url=${dexIssuer} --idp-client-id=${clientId} --default-group=admin`,
                        `${exec} dirac internal add-user /cs_store/initialRepo --vo=diracAdmin --sub=${dexLocalSubject(userId)} --preferred-username=admin --group=admin`,
                    ],
                }));
            }
            values.dex = { enabled: true, service: { ports: { http: { nodePort: cfg.dex.nodePort } } }, config: dexConfig };
        } else {
            values.dex = { enabled: false };
        }
        values.indigoiam = { enabled: false };

        // ---- Telemetry (seed 004: collector, Prometheus, Jaeger, Grafana). Logs go to the collector's
        // debug exporter: the chart's Elasticsearch (demo password "elastic") stays off.
        const tel = cfg.telemetry.enabled;
        settings.DIRACX_OTEL_ENABLED = tel ? "true" : "false";
        values.elasticsearch = { enabled: false };
        if (tel) {
            const grafanaPassword = password("diracx-grafana-admin");
            const grafanaSecret = secret("diracx-grafana-admin", `${release}-grafana-admin`, { "admin-user": "admin", "admin-password": grafanaPassword.result });
            this.grafanaAdminPassword = pulumi.secret(grafanaPassword.result);
            settings.DIRACX_OTEL_GRPC_ENDPOINT = `${release}-opentelemetry-collector:4317`;
            values["opentelemetry-collector"] = {
                enabled: true,
                // A hostPort is refused by Pod Security "baseline"; Prometheus scrapes the Service.
                ports: { promexp: { hostPort: null } },
                config: {
                    exporters: { "otlp/jaeger": { endpoint: `${release}-jaeger-collector:4317` }, "elasticsearch/log": null },
                    service: { pipelines: { logs: { exporters: ["logging"] } } },
                },
            };
            values.jaeger = { enabled: true };
            values.prometheus = {
                enabled: true,
                serverFiles: {
                    "prometheus.yml": { scrape_configs: [{ job_name: "otel", scrape_interval: "10s", static_configs: [{ targets: [`${release}-opentelemetry-collector:8889`] }] }] },
                },
            };
            values.grafana = {
                enabled: true,
                admin: { existingSecret: grafanaSecret.metadata.name, userKey: "admin-user", passwordKey: "admin-password" },
                datasources: {
                    "datasources.yaml": {
                        apiVersion: 1,
                        datasources: [
                            { name: "Jaeger", type: "jaeger", url: `http://${release}-jaeger-query:16686` },
                            { name: "Prometheus", type: "prometheus", url: `http://${release}-prometheus-server:80` },
                        ],
                    },
                },
            };
        } else {
            values["opentelemetry-collector"] = { enabled: false };
            values.jaeger = { enabled: false };
            values.prometheus = { enabled: false };
            values.grafana = { enabled: false };
        }

        diracxValues.hostname = hostname;
        diracxValues.settings = settings;
        values.developer = !cfg.developer ? { enabled: false } : { enabled: true, urls: { diracx: base, dex: dexIssuer, ...(cfg.sandboxStore.mode === "seaweedfs" ? { seaweedfs: cfg.sandboxStore.seaweedfsUrl ?? `http://${hostname}:32000` } : {}) } };

        this.release = helmRelease(
            "diracx",
            { name: release, namespace: ns, chart: charts.diracx, values, timeoutSeconds: cfg.timeoutSeconds },
            { ...child, ...keep, dependsOn: [namespace, ...secrets, ...args.ingressReady, ...args.issuerReady, ...args.storageReady] },
        );

        this.url = pulumi.output(base);
        this.apiDocsUrl = pulumi.output(`${base}/api/docs`);
        this.registerOutputs({
            url: this.url,
            apiDocsUrl: this.apiDocsUrl,
            login: this.login,
            demoUserPassword: this.demoUserPassword,
            grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}

function required(value: pulumi.Input<string> | undefined, key: string): pulumi.Input<string> {
    if (value === undefined) throw new Error(`diracx: secret ${key} is required (loadConfig checks this)`);
    return value;
}
