/** The recommended labels (`app.kubernetes.io/*`) every object the program writes carries. */
export function appLabels(name: string, opts: { component?: string; instance?: string; version?: string } = {}): Record<string, string> {
    const labels: Record<string, string> = {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "research-platform",
        "app.kubernetes.io/managed-by": "pulumi",
    };
    if (opts.instance) labels["app.kubernetes.io/instance"] = opts.instance;
    if (opts.component) labels["app.kubernetes.io/component"] = opts.component;
    if (opts.version) labels["app.kubernetes.io/version"] = opts.version;
    return labels;
}

/** The subset of labels that is stable for a workload's lifetime: use it for selectors. */
export function selectorLabels(name: string, opts: { component?: string; instance?: string } = {}): Record<string, string> {
    const labels: Record<string, string> = { "app.kubernetes.io/name": name };
    if (opts.instance) labels["app.kubernetes.io/instance"] = opts.instance;
    if (opts.component) labels["app.kubernetes.io/component"] = opts.component;
    return labels;
}
