import * as path from "node:path";

/**
 * The one table of upstream Helm charts: repository and pinned version. Components never name a
 * chart version themselves; a stack may override a version only where its component's config
 * says so (e.g. `jupyterhub.chartVersion`).
 *
 * `reference` names the folder under the reference data's `charts/` (`CHART_REFERENCE_DIR`, the
 * root or its `charts/`; default `../shared/reference`) that holds this chart's upstream
 * `values.yaml` / schema for the guardrails.
 */
export interface ChartRef {
    /** Chart name in the repository. */
    chart: string;
    /** Helm repository URL. */
    repo: string;
    /** Pinned chart version. */
    version: string;
}

export const charts = {
    kruise: { chart: "kruise", repo: "https://openkruise.github.io/charts/", version: "1.5.2" },
    metricsServer: { chart: "metrics-server", repo: "https://kubernetes-sigs.github.io/metrics-server/", version: "3.13.1" },
    metallb: { chart: "metallb", repo: "https://metallb.github.io/metallb", version: "0.14.9" },
    certManager: { chart: "cert-manager", repo: "https://charts.jetstack.io", version: "v1.21.1" },
    traefik: { chart: "traefik", repo: "https://traefik.github.io/charts", version: "41.3.0" },
    jupyterhub: { chart: "jupyterhub", repo: "https://hub.jupyter.org/helm-chart/", version: "3.1.0" },
    diracx: { chart: "diracx", repo: "https://charts.diracgrid.org/", version: "1.1.6" },
} as const satisfies Record<string, ChartRef>;

export type ChartName = keyof typeof charts;

/** The same chart at another version (for components whose config selects the version). */
export function chartAt(name: ChartName, version: string | undefined): ChartRef {
    return version ? { ...charts[name], version } : charts[name];
}

/** Folder name of a chart's reference data, e.g. `jupyterhub-3.1.0`. */
export function referenceFolder(ref: ChartRef): string {
    return `${ref.chart}-${ref.version}`;
}

/** How a Helm release names its chart: from the repository, or from a local folder. */
export interface ChartSource {
    chart: string;
    version: string;
    repositoryOpts?: { repo: string };
}

let localChartDir: string | undefined;

/**
 * Install every chart from `<dir>/<chart>-<version>` (config `charts.sourceDir`), or from the
 * repositories when `dir` is undefined. The Platform sets this once per program run.
 */
export function useLocalCharts(dir: string | undefined): void {
    localChartDir = dir === undefined ? undefined : path.resolve(dir);
}

/** The chart, version and repository a Helm release passes for `ref`. */
export function chartSource(ref: ChartRef): ChartSource {
    if (localChartDir === undefined) return { chart: ref.chart, version: ref.version, repositoryOpts: { repo: ref.repo } };
    return { chart: path.join(localChartDir, referenceFolder(ref)), version: ref.version };
}
