/**
 * Stateful safety: in prod, whatever holds data is `protect`ed, and `retainOnDelete` where a
 * delete would lose the data (PVCs, Namespaces holding data, database releases, StatefulSets that
 * delete their claims).
 */
import { GuardResource, Rule, RuleContext, exceptionReason, isKind, labels, nameOf, namespaceOf } from "./types";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Label a component may put on a Namespace to say it holds data even when the plan shows no PVC in it. */
export const HOLDS_DATA_LABEL = "research-platform.io/holds-data";

/** Charts that are databases or data stores: their release owns volumes. */
const DATABASE_CHARTS = /^(mysql|mariadb|postgres(ql)?(-ha)?|mongodb|redis|valkey|opensearch|elasticsearch|rabbitmq|minio|seaweedfs|etcd|cassandra|clickhouse)$/;

/** A Helm release as the rules see it (v3 Release inputs, or the cert-manager component's helmOptions). */
function release(r: GuardResource): { chart: string; namespace: string; values: any } | undefined {
    if (r.type === "kubernetes:helm.sh/v3:Release") return { chart: String(r.props?.chart ?? ""), namespace: String(r.props?.namespace ?? "default"), values: r.props?.values ?? {} };
    return undefined;
}

/** Whether a Helm release keeps data in volumes it owns (deleting the release deletes them). */
export function releaseHoldsData(r: GuardResource): boolean {
    const rel = release(r);
    if (!rel) return false;
    if (DATABASE_CHARTS.test(rel.chart)) return true;
    const v = rel.values;
    // Charts that bundle a database by default.
    if (rel.chart === "jupyterhub") return (v?.hub?.db?.type ?? "sqlite-pvc") === "sqlite-pvc";
    // DiracX bundles MySQL and OpenSearch (on by default) and optionally SeaweedFS/MinIO.
    if (rel.chart === "diracx") return v?.mysql?.enabled !== false || v?.opensearch?.enabled !== false || v?.seaweedfs?.enabled === true || v?.minio?.enabled === true;
    return false;
}

const dataNamespacesOf = new WeakMap<readonly GuardResource[], Set<string>>();

/** Namespaces that hold data: labelled so, or containing a PVC, StatefulSet or database release (computed once per resource list). */
export function dataNamespaces(ctx: RuleContext): Set<string> {
    const cached = dataNamespacesOf.get(ctx.resources);
    if (cached) return cached;
    const out = new Set<string>();
    dataNamespacesOf.set(ctx.resources, out);
    for (const r of ctx.resources) {
        if (isKind(r, "Namespace") && labels(r)[HOLDS_DATA_LABEL] === "true") out.add(nameOf(r));
        else if (isKind(r, "PersistentVolumeClaim", "StatefulSet")) out.add(namespaceOf(r));
        else if (releaseHoldsData(r)) out.add(release(r)!.namespace);
    }
    return out;
}

export const statefulProtectRule: Rule = {
    name: "stateful-protect",
    description: "In prod, PVCs, StatefulSets, database releases and Namespaces holding data are protected (and retainOnDelete where deletion loses data).",
    level: "mandatory",
    scope: "stack",
    check(r: GuardResource, ctx: RuleContext): string[] {
        if (ctx.environment !== "prod" || exceptionReason(r, "stateful-protect")) return [];
        let what: string | undefined;
        let needRetain = false;
        if (isKind(r, "PersistentVolumeClaim")) [what, needRetain] = [`PersistentVolumeClaim "${nameOf(r)}"`, true];
        else if (isKind(r, "StatefulSet")) [what, needRetain] = [`StatefulSet "${nameOf(r)}"`, r.props?.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete"];
        else if (releaseHoldsData(r)) [what, needRetain] = [`Helm release "${r.props?.name ?? r.name}" (chart ${r.props?.chart}, holds data)`, true];
        else if (isKind(r, "Namespace") && dataNamespaces(ctx).has(nameOf(r))) [what, needRetain] = [`Namespace "${nameOf(r)}" (holds data)`, true];
        if (!what) return [];
        const out: string[] = [];
        if (r.protect !== true) out.push(`${what} must be protect: true in prod`);
        // CrossGuard does not see retainOnDelete (undefined there); the offline plan does.
        if (needRetain && r.retainOnDelete === false) out.push(`${what} must be retainOnDelete: true in prod: deleting it loses data`);
        return out;
    },
};
