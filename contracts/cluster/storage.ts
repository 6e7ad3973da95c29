/**
 * Runtime contract of the local-path storage: the StorageClass `rancher.io/local-path` and, when the program
 * installs it (`storage.provisioner.install`), rancher/local-path-provisioner v0.0.26 and the helper pods it
 * creates to make and remove volume directories on the nodes. Without the install (kind), the class is served
 * by the provisioner the cluster already runs, in a namespace the program does not own: no flows of ours.
 */
import type { Accept, ContractFn, PodRef, Source } from "../types";

const REF = { repo: "rancher/local-path-provisioner", ref: "cf3be50b7f49c0dc40e7b6e4ff3c2dbb4f4830f9" } as const;
const src = (file: string, lines: string, note: string): Source => ({ ...REF, file, lines, note });

export const contract: ContractFn = (cfg) => {
    const s = cfg.storage;
    if (!s.enabled) return undefined;
    const p = s.provisioner;
    const pinned = { "local-path-provisioner": `v0.0.26 (${REF.ref})` };
    const classAccept: Accept = {
        key: "storage.className",
        reads: "StorageClass provisioner rancher.io/local-path",
        why: "the provisioner serves every StorageClass whose provisioner is its --provisioner-name (default rancher.io/local-path), whatever the class name",
        source: src("main.go", "27-29", "provisioner-name default rancher.io/local-path (env PROVISIONER_NAME)"),
    };
    if (!p.install) return { system: "cluster/storage", pinned, flows: [], listeners: [], writes: [], accepts: [classAccept], hostFacts: [] };

    const ns = p.namespace;
    const provisioner: PodRef = { kind: "pods", name: "local-path-provisioner", namespace: ns, labels: { app: "local-path-provisioner" }, createdBy: "program" };
    // Helper pods come from the ConfigMap's helperPod.yaml, which carries no labels: nothing selects them but the namespace.
    const helper: PodRef = { kind: "pods", name: "local-path-helper", namespace: ns, labels: {}, createdBy: { runtime: "local-path-provisioner v0.0.26 (helper-pod-create-/helper-pod-delete-<pv>)" } };

    return {
        system: "cluster/storage",
        pinned: { ...pinned, image: p.image, helperImage: p.helperImage },
        flows: [
            {
                id: "local-path-provisioner-to-apiserver",
                from: provisioner,
                to: { kind: "apiServer" },
                ports: cfg.kubernetes.apiServerPorts,
                protocol: "TCP",
                why: "watches claims and StorageClasses, reads local-path-config (config.json, helperPod.yaml), creates PersistentVolumes, creates/polls/deletes the helper pods in its namespace and reads their logs (pods/log)",
                source: [
                    src("main.go", "207-241", "config.json and helperPod.yaml read from ConfigMap <configmap-name> in <namespace> through the API"),
                    src("provisioner.go", "584-609", "helper pod Create, Get polling until Succeeded, Delete"),
                    src("provisioner.go", "740-758", "saveHelperPodLogs: GetLogs(container helper-pod) through the API"),
                ],
            },
        ],
        // No network listener: the provisioner runs a controller loop only (no health or metrics server in v0.0.26).
        listeners: [],
        writes: p.nodePathMap.flatMap((e) =>
            e.paths.map((path) => ({
                pod: helper,
                container: "helper-pod",
                path,
                why: `the helper pod (node ${e.node}) mounts the parent directory ${path} as a hostPath (DirectoryOrCreate) and runs the setup script, mkdir -m 0777 -p "$VOL_DIR" for <pv>_<namespace>_<pvc>, and the teardown's rm -rf; it runs as the image's user (root), so the directory must exist or be creatable on every node`,
                source: [
                    src("provisioner.go", "478-505", "hostPath DirectoryOrCreate on the parent dir of the volume path"),
                    src("provisioner.go", "554-579", "VOL_DIR env, namespace = provisioner namespace, serviceAccountName, command /bin/sh /script/setup"),
                    src("provisioner.go", "287-290", "volume folder <pv>_<namespace>_<pvc> under the node's path"),
                ],
            })),
        ),
        accepts: [
            classAccept,
            {
                key: "storage.provisioner.namespace",
                reads: "POD_NAMESPACE (--namespace)",
                why: "the namespace the provisioner reads ConfigMap local-path-config from and creates its helper pods in",
                source: src("main.go", "30-32,87-90", "namespace flag, env POD_NAMESPACE, default local-path-storage"),
            },
            {
                key: "storage.provisioner.nodePathMap",
                reads: "config.json nodePathMap (node names or DEFAULT_PATH_FOR_NON_LISTED_NODES, absolute paths)",
                why: "a volume path must be absolute (the helper refuses a relative or root path); nodePathMap together with sharedFileSystemPath is refused; nodePathMap volumes get node affinity to the node they were made on",
                source: [src("provisioner.go", "38,225-240", "DEFAULT_PATH_FOR_NON_LISTED_NODES; nodePathMap vs sharedFileSystemPath"), src("provisioner.go", "489-491,550-553", "absolute path required; / refused")],
            },
            {
                key: "storage.provisioner.helperImage",
                reads: "helperPod.yaml containers[0] (name and image)",
                accepted: ["helper-pod"],
                planValue: { object: `ConfigMap ${ns}/local-path-config`, path: ["data", "helperPod.yaml", "spec", "containers", 0, "name"] },
                why: "the provisioner reads the helper's logs from the container named helper-pod and runs /bin/sh /script/setup in containers[0]: the template's container must be named helper-pod and its image must have /bin/sh",
                source: [src("provisioner.go", "574-579", "Containers[0].Command/Args"), src("provisioner.go", "746-748", "PodLogOptions Container: helper-pod")],
            },
            {
                key: "storage.provisioner.install",
                reads: "--service-account-name (SERVICE_ACCOUNT_NAME)",
                accepted: ["local-path-provisioner-service-account"],
                planValue: { object: `ServiceAccount ${ns}/local-path-provisioner-service-account`, path: ["metadata", "name"] },
                why: "the program passes no --service-account-name, so helper pods run as the default ServiceAccount local-path-provisioner-service-account: the program must create it under that name",
                source: src("main.go", "36-42", "DefaultServiceAccount, DefaultConfigMapName"),
            },
            {
                key: "storage.provisioner.install",
                reads: "--configmap-name",
                accepted: ["local-path-config"],
                planValue: { object: `ConfigMap ${ns}/local-path-config`, path: ["metadata", "name"] },
                why: "the program passes no --configmap-name, so the provisioner reads its config from the default ConfigMap local-path-config: the program must create it under that name",
                source: src("main.go", "36-42", "DefaultServiceAccount, DefaultConfigMapName"),
            },
        ],
        hostFacts: [],
    };
};
