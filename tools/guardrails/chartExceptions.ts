/**
 * Exceptions for objects the charts render, in one table: a chart object cannot carry the
 * exception annotation the program's own objects do (the chart writes it, not the program), so
 * each exception is declared here, with its reason, for one rule on the objects of one chart
 * matched by kind and name. Keep it short: a chart value that fixes the object is always better
 * (docs/helm-rendering.md lists the values the components set for that).
 *
 * An entry no plan uses is stale: a test fails on it.
 */
import type { ChartObject, Finding } from "../plan-engine/types";

export interface ChartException {
    /** The chart's name (`kruise`, `jupyterhub`...): release names and namespaces vary by stack. */
    chart: string;
    /** The object's kind, or a pattern of kinds. */
    kind: string | RegExp;
    /** The object's name, or a pattern for names derived from the release name. */
    name: string | RegExp;
    /** The rule excepted (`pod-security`, `exposure`, `manifest-schema`...). */
    rule: string;
    reason: string;
}

const ANY = /.*/;
const WORKLOAD = /^(Deployment|StatefulSet|DaemonSet|Job|CronJob)$/;
/** Said of a chart whose templates have no value for a pod's automountServiceAccountToken (checked in its templates at the pinned version). */
const NO_AUTOMOUNT_VALUE = "the chart has no value for automountServiceAccountToken on this pod (none of its templates writes the field at the pinned version)";
/** Said of containers the chart gives no resources by default. */
const NO_RESOURCES = "the chart sets no requests or limits for this container by default and the component does not size it yet";

export const CHART_EXCEPTIONS: readonly ChartException[] = [
    // ---- OpenKruise (kruise 1.5.2)
    { chart: "kruise", kind: WORKLOAD, name: ANY, rule: "automount-service-account-token", reason: `kruise-manager is the CloneSet/ImagePullJob controller and kruise-daemon reads pods and NodeImages from the API; ${NO_AUTOMOUNT_VALUE}` },
    { chart: "kruise", kind: "DaemonSet", name: "kruise-daemon", rule: "exposure", reason: "kruise-daemon runs on the host network to reach the node's container runtime and serve its health port there (templates/daemonset.yaml, hostNetwork: true, no value to change it); its namespace is labelled privileged for that" },
    {
        chart: "kruise",
        kind: "Namespace",
        name: "kruise-daemon-config",
        rule: "namespace-pod-security-labels",
        reason: "the chart always creates this Namespace (templates/manager.yaml) for the pull Secrets its ImagePullJob controller copies there; no pod runs in it, and it cannot be created by the program first (Helm refuses to adopt an object it did not create) (add-ons finding F9)",
    },
    {
        chart: "kruise",
        kind: "Namespace",
        name: "kruise-daemon-config",
        rule: "namespace-default-deny",
        reason: "no pod runs in kruise-daemon-config (it holds only the pull Secrets the ImagePullJob controller copies), so there is no traffic to deny; the chart creates it and Helm would refuse an adopted one (add-ons finding F9)",
    },
    // ---- MetalLB (metallb 0.14.9)
    { chart: "metallb", kind: WORKLOAD, name: ANY, rule: "automount-service-account-token", reason: `the controller assigns Service addresses and the speaker watches Services, Nodes and the metallb.io resources through the API; ${NO_AUTOMOUNT_VALUE}` },
    { chart: "metallb", kind: "Deployment", name: /-controller$/, rule: "prod-replicas", reason: "the chart writes no replicas for the controller (templates/controller.yaml has no replicas field or value): MetalLB runs one controller, which only assigns addresses; the speakers keep announcing those already assigned while it restarts" },
    { chart: "metallb", kind: "DaemonSet", name: /-speaker$/, rule: "exposure", reason: "the speaker answers ARP for Service addresses on the node's own interface, so it must run on the host network (MetalLB's layer-2 mode); its namespace is labelled privileged for that" },
    // ---- metrics-server (metrics-server 3.13.1)
    { chart: "metrics-server", kind: "Deployment", name: ANY, rule: "automount-service-account-token", reason: `metrics-server lists nodes and scrapes kubelets with its ServiceAccount's token, and serves the aggregated metrics API; ${NO_AUTOMOUNT_VALUE}` },
    // ---- cert-manager (v1.21.1)
    { chart: "cert-manager", kind: WORKLOAD, name: ANY, rule: "automount-service-account-token", reason: "the controller, cainjector and webhook watch and write cert-manager resources, Secrets and webhook configurations, and startupapicheck calls the API: all need the token (the chart's automountServiceAccountToken values default to true for that)" },
    { chart: "cert-manager", kind: "Deployment", name: /^cert-manager(-cainjector)?$/, rule: "readiness-probe", reason: "the Service selecting these pods only exposes Prometheus metrics (port 9402), not traffic a probe would gate, and the chart has no readinessProbe value for the controller or the cainjector" },
    {
        chart: "cert-manager",
        kind: "Deployment",
        name: /^cert-manager(-cainjector|-webhook)?$/,
        rule: "prod-replicas",
        reason: "the controller and the cainjector elect a leader, so a second replica is only a standby; the webhook is not yet run twice: the chart's replicaCount values with a PodDisruptionBudget and spreading would do it, and the cert-manager component does not pass them yet",
    },
    // ---- Traefik (traefik 41.3.0)
    { chart: "traefik", kind: "Deployment", name: ANY, rule: "automount-service-account-token", reason: `Traefik's Kubernetes providers (Ingress, CRD) watch Ingresses, Services, EndpointSlices and its CRDs through the API; ${NO_AUTOMOUNT_VALUE}` },
    { chart: "traefik", kind: "PodDisruptionBudget", name: ANY, rule: "pdb-allows-disruption", reason: "the chart's podDisruptionBudget has no unhealthyPodEvictionPolicy value (templates/poddisruptionbudget.yaml writes maxUnavailable/minAvailable only)" },
    // ---- JupyterHub (z2jh 3.1.0)
    { chart: "jupyterhub", kind: /^(Deployment|Job)$/, name: /^(hub|user-scheduler|hook-image-awaiter)$/, rule: "automount-service-account-token", reason: `the hub's KubeSpawner creates user pods and PVCs, the user scheduler is a kube-scheduler, the image awaiter watches the hook DaemonSet: all through the API; ${NO_AUTOMOUNT_VALUE}` },
    { chart: "jupyterhub", kind: "Deployment", name: "proxy", rule: "automount-service-account-token", reason: `configurable-http-proxy never calls the API and runs under the namespace's default ServiceAccount, which the chart binds to no Role; ${NO_AUTOMOUNT_VALUE}` },
    { chart: "jupyterhub", kind: "ConfigMap", name: "hub", rule: "no-secret-literals", reason: "the keys hub-existing-secret, hub-existing-secret-or-default and image-pull-secret hold Secret names (z2jh's templates/hub/configmap.yaml), not secret values" },
    { chart: "jupyterhub", kind: "Service", name: "proxy-public", rule: "exposure", reason: "jupyterhub.exposure=nodePort: the stack asks for the hub on a node port (kind without an ingress); the component sets proxy.service.type NodePort only then" },
    { chart: "jupyterhub", kind: WORKLOAD, name: /^(hub|proxy|user-scheduler|continuous-image-puller|hook-image-puller|hook-image-awaiter)$/, rule: "resource-requests-limits", reason: `${NO_RESOURCES} (z2jh has hub.resources, proxy.chp.resources, scheduling.userScheduler.resources, prePuller.resources and prePuller.hook.resources for it)` },
    { chart: "jupyterhub", kind: "Deployment", name: "user-scheduler", rule: "replicated-pdb-spread", reason: "z2jh gives its two user schedulers no anti-affinity value (scheduling.userScheduler has nodeSelector, tolerations and pdb, not affinity for itself); they elect a leader, so losing one node's replica only fails over" },
    { chart: "jupyterhub", kind: "PodDisruptionBudget", name: /^user-(scheduler|placeholder)$/, rule: "pdb-allows-disruption", reason: "z2jh's budgets have no unhealthyPodEvictionPolicy value; the placeholder budget guards 0 replicas (scheduling.userPlaceholder.replicas defaults to 0) and blocks nothing" },
    { chart: "jupyterhub", kind: /^(Deployment|StatefulSet)$/, name: /^(hub|proxy|user-placeholder)$/, rule: "prod-replicas", reason: "JupyterHub runs one hub (its state is in one sqlite database and the hub cannot run twice) and one configurable-http-proxy whose routing table lives in memory; the placeholder StatefulSet runs 0 pods on purpose" },
    // ---- DiracX (diracx 1.1.6 and its bundled MySQL, OpenSearch, Dex, SeaweedFS)
    { chart: "diracx", kind: WORKLOAD, name: ANY, rule: "automount-service-account-token", reason: `the init-secrets and init-keystore hook jobs run kubectl against the API; the other DiracX pods share the chart's ServiceAccount and ${NO_AUTOMOUNT_VALUE}` },
    { chart: "diracx", kind: WORKLOAD, name: ANY, rule: "resource-requests-limits", reason: `${NO_RESOURCES} (the diracx chart 1.1.6 has no resources value for its services, task workers, hook jobs and wait-for init containers; the bundled MySQL, OpenSearch and Dex have one)` },
    { chart: "diracx", kind: "ConfigMap", name: /^diracx-init-(secrets|keystore)$/, rule: "no-secret-literals", reason: "the keys hold the init jobs' shell scripts (init-secrets, load-keystore-as-secret), which create Secrets with kubectl: code, not secret values" },
    { chart: "diracx", kind: "Service", name: /^diracx-(dex|seaweedfs)$/, rule: "exposure", reason: "diracx.developer (dev): the demo setup exposes Dex and SeaweedFS on node ports for the browser and the CLI on the host, as the component asks for in dev only" },
    { chart: "diracx", kind: "Deployment", name: "diracx-seaweedfs", rule: "readiness-probe", reason: "the chart's SeaweedFS (dev sandbox store) has no readinessProbe value" },
    { chart: "diracx", kind: "Job", name: /^diracx-init-(secrets|keystore)-/, rule: "image-tag", reason: "the chart hard-codes the tag latest for its secret-generation image (templates/diracx/_helpers_images.tpl line 87: \"tag\" \"latest\"), with no value to pin it" },
    {
        chart: "diracx",
        kind: /^(Deployment|StatefulSet)$/,
        name: /^diracx(-web|-task-worker-(small|medium|large)|-task-scheduler|-task-redis)?$/,
        rule: "prod-replicas",
        reason: "the DiracX chart 1.1.6 runs one of each (replicaCount, replicaCountWeb and the task workers' replicaCount exist, but no PodDisruptionBudget or anti-affinity value to make two replicas survive a drain); the task scheduler and its Redis are single instances by design",
    },
    { chart: "diracx", kind: "PodDisruptionBudget", name: "opensearch-cluster-master-pdb", rule: "pdb-allows-disruption", reason: "the bundled OpenSearch runs one node in dev and its chart's budget has no unhealthyPodEvictionPolicy value" },
];

/** The exception that covers a finding on a chart object, if any. */
export function chartException(o: ChartObject, chart: string, rule: string, table: readonly ChartException[] = CHART_EXCEPTIONS): ChartException | undefined {
    const name = String(o.object.metadata?.name ?? "");
    const kind = String(o.object.kind);
    const matches = (p: string | RegExp, v: string) => (typeof p === "string" ? p === v : p.test(v));
    return table.find((e) => e.chart === chart && e.rule === rule && matches(e.kind, kind) && matches(e.name, name));
}

/** Findings on chart objects minus those a table entry excepts; `used` collects the entries that applied. */
export function applyChartExceptions(
    findings: Finding[],
    objects: ReadonlyMap<string, ChartObject>,
    chartOf: (o: ChartObject) => string,
    used?: Set<ChartException>,
    table: readonly ChartException[] = CHART_EXCEPTIONS,
): Finding[] {
    return findings.filter((f) => {
        const o = objects.get(f.subject);
        if (!o) return true;
        const e = chartException(o, chartOf(o), f.rule, table);
        if (e) used?.add(e);
        return !e;
    });
}

/**
 * Namespaces a chart puts objects into that the platform does not create (so they carry no Pod
 * Security label and no default-deny of the platform's), each with why that is right. Every other
 * namespace a release installs into must be one the program creates (`podSecurityNamespace` +
 * `isolateNamespace`), or one the chart itself creates, whose Namespace object the rules then check.
 */
export interface ForeignNamespace {
    namespace: string;
    /** The charts allowed to put objects there. */
    charts: readonly string[];
    /** Which objects, and why they are there. */
    reason: string;
}

export const FOREIGN_NAMESPACES: readonly ForeignNamespace[] = [
    {
        namespace: "kube-system",
        charts: ["cert-manager", "metrics-server"],
        reason:
            "Kubernetes' own namespace: cert-manager keeps its leader-election Roles and RoleBindings there (global.leaderElection.namespace, default kube-system) and metrics-server binds the Role extension-apiserver-authentication-reader, which exists only there; RBAC objects only, no pod",
    },
];
