/**
 * Which changes Pulumi carries out as a **replacement** (delete and create, or create and delete)
 * rather than an update in place: the rules the providers apply, so that `plan:diff` can mark them.
 *
 * Kubernetes objects (pulumi-kubernetes, `provider/pkg/provider/provider.go` `Diff`, and the table
 * `forceNew` in `provider/pkg/provider/diff.go`; read at commit 94977969 of pulumi/pulumi-kubernetes,
 * the newest stored snapshot, after v4.32.0; the table has not changed in the v4 line): a change at
 * or below one of the object's "force new" paths makes the provider answer the engine with a
 * replacement. The paths are fields the Kubernetes API refuses to update (its `Validate*Update`
 * functions: an object's name and namespace, `ValidateObjectMetaUpdate`; a Deployment's or
 * DaemonSet's `spec.selector` in apps/v1; every StatefulSet spec field but `replicas`, `template`,
 * `updateStrategy` (and a few newer ones), `ValidateStatefulSetUpdate`; a Job's `spec.template`;
 * a Service's `spec.clusterIP`; a RoleBinding's `roleRef`; a StorageClass's `parameters` and
 * `provisioner`; a PersistentVolumeClaim's access modes, class and volume), plus a Secret's data
 * and a ConfigMap's data, which the provider replaces unless it runs with `enableSecretMutable` /
 * `enableConfigMapMutable` (this program sets neither). A Service's `spec.selector` is mutable in
 * the Kubernetes API and the provider updates it in place.
 *
 * Helm releases (`helm.sh/v3:Release`, `provider/pkg/provider/helm_release.go` `Diff`): `name` and
 * `namespace`. cert-manager's component installs its chart as such a Release from `helmOptions`
 * (pulumi-kubernetes-cert-manager v0.2.0 `provider/pkg/provider/chart.go` 22-95).
 *
 * `@pulumi/random` (bridged from terraform-provider-random at f8d869dc98d9, the version
 * pulumi-random's `provider/go.mod` pins): every argument of RandomPassword, RandomString,
 * RandomBytes, RandomId and RandomUuid is `RequiresReplace` (`internal/provider/resource_password.go`
 * 569-720, `resource_string.go` 367-518, `resource_bytes.go` 141-158, `resource_id.go` 59-84,
 * `resource_uuid.go` 43-52): a changed length or `keepers` makes a new secret.
 */

/** A field path inside a resource's inputs, e.g. `["spec", "template", "spec", "containers", 0, "image"]`. */
export type FieldPath = (string | number)[];

/** Force-new paths as the provider writes them (`.spec.containers[*].image`), split into segments (`*` = any index). */
export type Pattern = (string | "*")[];

function parse(paths: string[]): Pattern[] {
    return paths.map((p) =>
        p
            .replace(/\[\*\]/g, ".*")
            .split(".")
            .filter((s) => s !== ""),
    );
}

const labelSelector = (prefix: string) => [prefix, `${prefix}.matchExpressions`, `${prefix}.matchLabels`];
const identity = [".metadata.name", ".metadata.namespace"];

/** `diff.go` `containerForceNewProperties`: a bare Pod's containers cannot change in place. */
const podContainerFields = ["args", "command", "env", "image", "imagePullPolicy", "lifecycle", "livenessProbe", "ports", "readinessProbe", "resources", "securityContext", "stdin", "stdinOnce", "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices", "volumeMounts", "workingDir"];

/** `diff.go` `forceNew`, by `<group>/<version>/<Kind>` (the core group as `core`), without the identity paths every kind has. */
const FORCE_NEW: Record<string, string[]> = {};
const set = (group: string, versions: string[], kinds: string[], paths: string[]) => {
    for (const v of versions) for (const k of kinds) FORCE_NEW[`${group}/${v}/${k}`] = paths;
};
const workloadSelector = labelSelector(".spec.selector");
set("apps", ["v1beta2", "v1"], ["DaemonSet", "Deployment"], workloadSelector);
set("apps", ["v1beta1", "v1beta2", "v1"], ["StatefulSet"], [".spec.podManagementPolicy", ".spec.revisionHistoryLimit", ".spec.serviceName", ".spec.volumeClaimTemplates", ...workloadSelector]);
set("batch", ["v1beta1", "v1", "v2alpha1"], ["Job"], [".spec.completions", ".spec.parallelism", ".spec.template", ...workloadSelector]);
set("policy", ["v1beta1"], ["PodDisruptionBudget"], [".spec"]);
set("rbac.authorization.k8s.io", ["v1alpha1", "v1beta1", "v1"], ["ClusterRoleBinding", "RoleBinding"], [".roleRef"]);
set("storage.k8s.io", ["v1"], ["StorageClass"], [".parameters", ".provisioner"]);
set("core", ["v1"], ["PersistentVolumeClaim"], [".spec.accessModes", ".spec.storageClassName", ".spec.volumeName", ...labelSelector(".spec.selector")]);
set("core", ["v1"], ["ResourceQuota"], [".spec.scopes"]);
set("core", ["v1"], ["Service"], [".spec.clusterIP"]);
set("core", ["v1"], ["Secret"], [".type", ".stringData", ".data"]);
set("core", ["v1"], ["ConfigMap"], [".binaryData", ".data"]);
set(
    "core",
    ["v1"],
    ["PersistentVolume"],
    ["awsElasticBlockStore", "azureDisk", "azureFile", "cephfs", "cinder", "csi", "fc", "flexVolume", "flocker", "gcePersistentDisk", "glusterfs", "hostPath", "iscsi", "local", "nfs", "photonPersistentDisk", "portworxVolume", "quobyte", "rbd", "scaleIO", "storageos", "vsphereVolume"].map((f) => `.spec.${f}`),
);
set(
    "core",
    ["v1"],
    ["Pod"],
    [
        ...["affinity", "automountServiceAccountToken", "dnsConfig", "dnsPolicy", "enableServiceLinks", "hostAliases", "hostIPC", "hostNetwork", "hostPID", "hostname", "imagePullSecrets", "nodeName", "nodeSelector", "overhead", "preemptionPolicy", "priority", "priorityClassName", "readinessGates", "restartPolicy", "runtimeClassName", "schedulerName", "securityContext", "serviceAccount", "serviceAccountName", "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds", "volumes"].map((f) => `.spec.${f}`),
        ...["containers", "initContainers"].flatMap((c) => podContainerFields.map((f) => `.spec.${c}[*].${f}`)),
    ],
);

const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
const CERT_MANAGER = "kubernetes-cert-manager:index:CertManager";
const RANDOM = /^random:index\/random(Password|String|Bytes|Id|Uuid):/;

/**
 * The force-new patterns of a resource, over the fields `plan:diff` compares (`inputs.…` for a
 * custom resource, `release.…` for a Helm release), or undefined when its provider's rules are
 * not known here.
 */
export function forceNewPatterns(type: string): Pattern[] | undefined {
    if (type === HELM_RELEASE || type === CERT_MANAGER) return parse([".release.name", ".release.namespace"]);
    if (RANDOM.test(type)) return [["inputs"]];
    const m = /^kubernetes:([^:]+)\/([^:/]+):([A-Za-z]+)$/.exec(type);
    if (!m || m[1] === "helm.sh" || m[1] === "yaml") return undefined;
    const [, group, version, kind] = m;
    // Patch resources (`…Patch`) are only replaced for a new identity (`kinds.IsPatchResource`).
    if (kind.endsWith("Patch")) return parse(identity.map((p) => `.inputs${p}`));
    const paths = FORCE_NEW[`${group}/${version}/${kind}`] ?? [];
    return parse([...identity, ...paths].map((p) => `.inputs${p}`));
}

/** Whether `pattern` is at or above `path` (a change at or below a force-new field). */
function covers(pattern: Pattern, path: FieldPath): boolean {
    if (pattern.length > path.length) return false;
    return pattern.every((seg, i) => (seg === "*" ? typeof path[i] === "number" : seg === path[i]));
}

/** Whether the value `v` holds the rest of `pattern` (a new object or array that brings a force-new field with it). */
function holds(v: unknown, rest: Pattern): boolean {
    if (rest.length === 0) return true;
    if (v === null || typeof v !== "object") return false;
    const [seg, ...more] = rest;
    if (seg === "*") return Array.isArray(v) && v.some((x) => holds(x, more));
    return !Array.isArray(v) && seg in v && holds((v as Record<string, unknown>)[seg], more);
}

/**
 * Whether a change at `path` (with the new value, undefined for a removal) makes the provider
 * replace the resource: the force-new field itself or anything inside it changed, or a new value
 * above it brings the field (as the provider's JSON-path match over the patch finds it).
 */
export function forcesReplacement(patterns: Pattern[], path: FieldPath, newValue: unknown, removed: boolean): boolean {
    return patterns.some((p) => {
        if (covers(p, path)) return true;
        if (removed || p.length <= path.length) return false;
        return covers(p.slice(0, path.length), path) && holds(newValue, p.slice(path.length));
    });
}
