/**
 * Admission webhooks that intercept pods with `failurePolicy: Fail` must not select the pods that
 * serve them: until those pods run, every pod creation the webhook selects is refused, theirs
 * included, and the install deadlocks. The webhook configurations live inside Helm releases, which
 * neither CrossGuard nor the plan sees, so the rule works from a table of the charts whose webhooks
 * intercept pods (read from each chart's source) and checks what the plan does show: the Namespace
 * that holds the webhook's pods carries the label that exempts it.
 *
 * Checked and not in the table (their webhooks intercept no pods, so their own pods never wait on
 * them): MetalLB 0.14.9 (`charts/metallb/templates/webhooks.yaml`: metallb.io resources only) and
 * cert-manager v1.21.1 (`templates/webhook-{mutating,validating}-webhook.yaml`: cert-manager.io and
 * acme.cert-manager.io resources only). Traefik, metrics-server and local-path register none.
 */
import { GuardResource, Rule, RuleContext, labels, nameOf, objectsOf } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface PodWebhookChart {
    /** The webhooks that intercept pods with failurePolicy Fail. */
    webhooks: string;
    /** Labels of a namespace the webhooks' namespaceSelector leaves out. */
    exemptLabels: Record<string, string>;
    /** The namespace the chart runs its webhook server in, from the release's values. */
    namespace(values: any): string;
    /** Whether the chart creates (and labels) that namespace itself. */
    labelsItsNamespace(values: any): boolean;
    /** Where this was read. */
    source: string;
}

/** Charts whose admission webhooks intercept pods with failurePolicy Fail, by chart name. */
export const POD_WEBHOOK_CHARTS: Readonly<Record<string, PodWebhookChart>> = {
    kruise: {
        webhooks: "mpod.kb.io (pods CREATE), vpod.kb.io (pods UPDATE/DELETE), vpodeviction.kb.io (pods/eviction)",
        exemptLabels: { "control-plane": "openkruise" },
        // Every object of the chart goes to installation.namespace (default kruise-system), whatever the release's namespace.
        namespace: (values) => (typeof values?.installation?.namespace === "string" ? values.installation.namespace : "kruise-system"),
        // The chart's default is true (values.yaml installation.createNamespace).
        labelsItsNamespace: (values) => values?.installation?.createNamespace !== false,
        source: "openkruise/charts kruise-1.5.2 versions/kruise/1.5.2/templates/webhookconfiguration.yaml 6-31, 391-443 (failurePolicy Fail, namespaceSelector control-plane NotIn [openkruise]); manager.yaml 1-8 (the label only on a namespace the chart creates)",
    },
};

const RELEASE = "kubernetes:helm.sh/v3:Release";

export const webhookNamespaceRule: Rule = {
    name: "webhook-namespace-exempt",
    description:
        "A Helm release whose chart registers pod admission webhooks with failurePolicy Fail (OpenKruise) runs them in a Namespace labelled so that those webhooks leave it out; otherwise their own pods wait on the webhook they serve and the install deadlocks.",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        if (r.type !== RELEASE) return [];
        const chart = POD_WEBHOOK_CHARTS[String(r.props?.chart ?? "")];
        if (!chart) return [];
        const values = r.props?.values ?? {};
        if (chart.labelsItsNamespace(values)) return [];
        const ns = chart.namespace(values);
        const want = Object.entries(chart.exemptLabels).map(([k, v]) => `${k}=${v}`).join(", ");
        const namespaceObject = objectsOf(ctx, "Namespace").find((n) => nameOf(n) === ns);
        const what = `Helm release "${String(r.props?.name ?? r.name)}" (chart ${String(r.props.chart)}) registers ${chart.webhooks} with failurePolicy Fail`;
        if (!namespaceObject) {
            return [`${what}; its namespace "${ns}" is not created by the program, so nothing shows it labelled ${want}: create it with podSecurityNamespace(..., { labels: { ${want} } }) (${chart.source})`];
        }
        const have = labels(namespaceObject);
        const missing = Object.entries(chart.exemptLabels).filter(([k, v]) => have[k] !== v);
        if (missing.length === 0) return [];
        return [`${what}, and its Namespace "${ns}" lacks the label ${want} that exempts it: the webhooks' own pods would wait on them (install deadlock) (${chart.source})`];
    },
};
