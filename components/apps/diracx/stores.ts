/**
 * DiracX's databases and message broker: MySQL and OpenSearch (bundled, or external with the
 * user-supplied passwords in the Secrets the chart reads by name), and the optional RabbitMQ.
 */
import * as pulumi from "@pulumi/pulumi";
import { CHART_SECRET_NAMES, ChartValues, DiracxContext, DiracxSecrets, required } from "./context";

export function mysql(d: DiracxContext, { values }: ChartValues, secrets: DiracxSecrets, storageClassName: string | undefined): void {
    const { cfg, release, secret, password } = d;
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
        // The subchart writes `podManagementPolicy: ""` by default, which the StatefulSet schema refuses (the
        // API server defaults it to OrderedReady): say so explicitly.
        (values.mysql as Record<string, unknown>).primary = { podManagementPolicy: "OrderedReady", ...(storageClassName ? { persistence: { storageClass: storageClassName } } : {}) };
        values.diracx = { sqlDbs: { dbs: sqlDbs } };
    } else {
        const ext = cfg.mysql.external!;
        const url = (account: string, pw: pulumi.Input<string>, db: string) =>
            pulumi.interpolate`mysql+aiomysql://${account}:${pulumi.output(pw).apply(encodeURIComponent)}@${ext.host}/${db}`;
        const urls = (account: string, pw: pulumi.Input<string>) => Object.fromEntries(cfg.sqlDbs.map((db) => [`DIRACX_DB_URL_${db.toUpperCase()}`, url(account, pw, db)]));
        secret("diracx-sql-connection-urls", CHART_SECRET_NAMES.sqlUrls, urls(ext.user, required(secrets.mysqlPassword, "diracxMysqlPassword")));
        secret("diracx-sql-root-connection-urls", CHART_SECRET_NAMES.sqlRootUrls, urls(ext.rootUser, required(secrets.mysqlRootPassword, "diracxMysqlRootPassword")));
        values.mysql = { enabled: false };
        // Host and account names, and a stand-in for the passwords: the chart's init script builds
        // connection URLs from `default` (urlJoin, templates/diracx/init-secrets/_init-secrets.sh.tpl
        // 95-124) and Helm refuses to render the release with them unset ("invalid userinfo"; found by
        // rendering it, docs/helm-rendering.md). The script only creates the URL Secrets when they are
        // missing, and the program creates them above, so the stand-in is never used.
        const unused = "unused-the-platform-creates-the-url-secrets";
        values.diracx = { sqlDbs: { default: { host: ext.host, user: ext.user, rootUser: ext.rootUser, password: unused, rootPassword: unused }, dbs: sqlDbs } };
    }
}

export function opensearch(d: DiracxContext, { values }: ChartValues, secrets: DiracxSecrets, storageClassName: string | undefined): void {
    const { cfg, secret } = d;
    const diracxValues = values.diracx as Record<string, unknown>;
    const osDbs = Object.fromEntries(cfg.osDbs.map((db) => [db, null]));
    if (cfg.opensearch.mode === "bundled") {
        values.opensearch = { enabled: true, ...(storageClassName ? { persistence: { storageClass: storageClassName } } : {}) };
        diracxValues.osDbs = { dbs: osDbs };
    } else {
        const ext = cfg.opensearch.external!;
        const pw = required(secrets.opensearchPassword, "diracxOpensearchPassword");
        const conn = pulumi
            .output(pw)
            .apply((p) => JSON.stringify({ hosts: `${ext.user}:${encodeURIComponent(p)}@${ext.host}`, use_ssl: true, verify_certs: ext.verifyCerts }));
        const data = Object.fromEntries(cfg.osDbs.map((db) => [`DIRACX_OS_DB_${db.toUpperCase()}`, conn]));
        secret("diracx-os-connection-urls", CHART_SECRET_NAMES.osUrls, data);
        secret("diracx-os-root-connection-urls", CHART_SECRET_NAMES.osRootUrls, data);
        values.opensearch = { enabled: false };
        diracxValues.osDbs = { default: { host: ext.host, user: ext.user, rootUser: ext.user }, dbs: osDbs };
    }
}

export function rabbitmq(d: DiracxContext, { values }: ChartValues): void {
    const { cfg, release, secret, password } = d;
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
}
