import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ChartRef, chartSource } from "../charts";

export interface HelmReleaseArgs {
    /** Helm release name. */
    name: string;
    /** The namespace to install into; created by the program, never by Helm. */
    namespace: pulumi.Input<string>;
    /** The pinned chart (from `components/charts.ts`). */
    chart: ChartRef;
    /** Chart values. Pass Secret names, never secret values. */
    values: pulumi.Input<Record<string, unknown>>;
    /** Seconds Helm waits for the release to become ready (install, upgrade, rollback). */
    timeoutSeconds: number;
    /** Skip the chart's `crds/` folder. */
    skipCrds?: boolean;
}

/**
 * A Helm release with the platform's settings: pinned chart from its repository (or a local
 * folder, config `charts.sourceDir`), `atomic`
 * (a failed install or upgrade rolls back, so nothing is left half-done), an explicit timeout,
 * and the namespace managed outside Helm.
 */
export function helmRelease(resourceName: string, args: HelmReleaseArgs, opts: pulumi.CustomResourceOptions): k8s.helm.v3.Release {
    return new k8s.helm.v3.Release(
        resourceName,
        {
            name: args.name,
            namespace: args.namespace,
            ...chartSource(args.chart),
            values: args.values,
            atomic: true,
            timeout: args.timeoutSeconds,
            createNamespace: false,
            skipCrds: args.skipCrds,
            cleanupOnFail: true,
        },
        opts,
    );
}
