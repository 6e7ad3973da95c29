/** The optional telemetry stack of seed 004: OpenTelemetry collector, Prometheus, Jaeger, Grafana. */
import * as pulumi from "@pulumi/pulumi";
import type { ChartValues, DiracxContext } from "./context";

/** Returns the Grafana admin password (secret) when telemetry is on. */
export function telemetry(d: DiracxContext, { values, settings }: ChartValues): pulumi.Output<string> | undefined {
    const { cfg, release, secret, password } = d;
    let grafanaAdminPassword: pulumi.Output<string> | undefined;
    // Logs go to the collector's debug exporter: the chart's Elasticsearch (demo password "elastic") stays off.
    const tel = cfg.telemetry.enabled;
    settings.DIRACX_OTEL_ENABLED = tel ? "true" : "false";
    values.elasticsearch = { enabled: false };
    if (tel) {
        const grafanaPassword = password("diracx-grafana-admin");
        const grafanaSecret = secret("diracx-grafana-admin", `${release}-grafana-admin`, { "admin-user": "admin", "admin-password": grafanaPassword.result });
        grafanaAdminPassword = pulumi.secret(grafanaPassword.result);
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
    return grafanaAdminPassword;
}
