/** The Ingress: the platform's class and issuer (or the ones the config names); the chart's own cert-manager and issuer are off. */
import * as pulumi from "@pulumi/pulumi";
import type { ChartValues, DiracxContext } from "./context";

export function ingress(d: DiracxContext, { values }: ChartValues, platform: { ingressClassName?: string; clusterIssuerName?: string }): void {
    const { cfg } = d;
    const className = cfg.ingress.className ?? platform.ingressClassName;
    const issuer = cfg.ingress.clusterIssuer ?? platform.clusterIssuerName;
    if (!className) pulumi.log.warn("diracx: no IngressClass from the platform or diracx.ingress.className; the Ingress uses the cluster's default class", d.parent);
    if (!issuer) pulumi.log.warn("diracx: no ClusterIssuer from the platform or diracx.ingress.clusterIssuer; nothing will issue the TLS certificate", d.parent);
    values.ingress = {
        enabled: true,
        className: className ?? "",
        tlsSecretName: cfg.ingress.tlsSecretName,
        annotations: issuer ? { "cert-manager.io/cluster-issuer": issuer } : {},
    };
    values["cert-manager"] = { enabled: false };
    values["cert-manager-issuer"] = { enabled: false };
}
