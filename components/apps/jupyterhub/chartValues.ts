/**
 * The zero-to-jupyterhub chart's values: hub (with the program's Secret), proxy, single-user
 * servers and their profiles, Ingress; z2jh's network policies on, with the cloud metadata server
 * blocked by NetworkPolicy rather than a privileged init container.
 */
import * as pulumi from "@pulumi/pulumi";
import type { JupyterhubConfig, JupyterhubProfile } from "../../../config/jupyterhub";
import type { HubOffload } from "../hubOffload";
import { HUB_SECRET_CHECKSUM_ANNOTATION } from "./hubSecret";

export type Values = Record<string, unknown>;

function isPlainObject(v: unknown): v is Values {
    return typeof v === "object" && v !== null && !Array.isArray(v) && !pulumi.Output.isInstance(v);
}

/** Deep-merge `extra` into `base` (objects merge key by key; anything else in `extra` wins). */
export function deepMerge(base: Values, extra: Values): Values {
    const out: Values = { ...base };
    for (const [k, v] of Object.entries(extra)) out[k] = isPlainObject(out[k]) && isPlainObject(v) ? deepMerge(out[k] as Values, v) : v;
    return out;
}

/** "500m" -> 0.5, "2" -> 2: the chart's `cpu.limit`/`cpu.guarantee` are numbers. */
export function cpuCores(q: string | undefined): number | undefined {
    if (q === undefined) return undefined;
    return q.endsWith("m") ? Number(q.slice(0, -1)) / 1000 : Number(q);
}

/** Split `registry/name:tag` into the chart's `{ name, tag }`. */
export function splitImage(ref: string): { name: string; tag: string } {
    const cut = ref.lastIndexOf(":");
    return { name: ref.slice(0, cut), tag: ref.slice(cut + 1) };
}

export function dropUndefined(o: Values): Values {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** A profile as KubeSpawner's `profile_list` entry. */
export function kubespawnerProfile(p: JupyterhubProfile): Values {
    const override = dropUndefined({
        image: p.image,
        cpu_limit: cpuCores(p.cpu?.limit),
        cpu_guarantee: cpuCores(p.cpu?.guarantee),
        mem_limit: p.memory?.limit,
        mem_guarantee: p.memory?.guarantee,
    });
    return dropUndefined({
        display_name: p.displayName,
        description: p.description,
        default: p.default || undefined,
        kubespawner_override: Object.keys(override).length > 0 ? override : undefined,
    });
}

/** Restricted container securityContext for a chart container that runs as `uid`. */
export function restrictedContainer(uid: number): Values {
    return {
        runAsUser: uid,
        runAsGroup: uid,
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/**
 * `prePuller.extraImages` for the profiles' own images (not the default `singleuser.image`, which
 * the pullers always pull), each once, keyed `profile-<n>` (the puller's init container is named
 * `image-pull-<key>`).
 */
export function profileImages(defaultImage: string, profiles: readonly JupyterhubProfile[]): Record<string, { name: string; tag: string }> {
    const out: Record<string, { name: string; tag: string }> = {};
    const seen = new Set<string>([defaultImage]);
    profiles.forEach((p, i) => {
        if (!p.image || seen.has(p.image)) return;
        seen.add(p.image);
        out[`profile-${i}`] = splitImage(p.image);
    });
    return out;
}

export interface ValuesInput {
    cfg: JupyterhubConfig;
    prod: boolean;
    /** The authenticator's part of `hub.config` (from `authenticator()`). */
    hubConfig: Values;
    hubSecretName: string;
    /** SHA-256 of the hub Secret's data (a Pulumi secret), for the hub pod's restart annotation. */
    hubSecretChecksum: pulumi.Output<string>;
    /** The TLS certificate's Secret, served by the chart's Ingress. */
    certSecretName: string;
    ingress: boolean;
    tls: boolean;
    className: string | undefined;
    storageClass: string | undefined;
    dbStorageClass: string | undefined;
    offload?: HubOffload;
}

export function chartValues(v: ValuesInput): pulumi.Output<Values> {
    const { cfg, prod, hubSecretName, certSecretName, ingress, tls, className, storageClass, dbStorageClass, offload } = v;
    // User pods: restricted securityContext (KubeSpawner adds it to the chart's uid/fsGid).
    const hubConfig: Values = {
        ...v.hubConfig,
        KubeSpawner: {
            container_security_context: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
            pod_security_context: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
        },
    };
    const noCloudMetadata = { enabled: true, egressAllowRules: { cloudMetadataServer: false } };
    const su = cfg.singleuser;

    const baseValues: Values = {
        hub: {
            existingSecret: hubSecretName,
            // The hub reads the Secret once at start-up: a new checksum (a rotated OAuth client secret
            // or password) restarts the hub pod (hub.annotations are the pod template's: z2jh 3.1.0
            // templates/hub/deployment.yaml 28-34). A nested Output, so only this value is secret.
            annotations: { [HUB_SECRET_CHECKSUM_ANNOTATION]: v.hubSecretChecksum },
            config: deepMerge(hubConfig, cfg.hubConfig),
            extraConfig: cfg.extraConfig,
            db: {
                type: "sqlite-pvc",
                pvc: dropUndefined({
                    storage: cfg.hubDb.capacity,
                    storageClassName: dbStorageClass,
                    // Helm keeps the database volume when the release is uninstalled.
                    annotations: prod ? { "helm.sh/resource-policy": "keep" } : undefined,
                }),
            },
            networkPolicy: noCloudMetadata,
            podSecurityContext: { fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: restrictedContainer(1000),
        },
        proxy: {
            service: cfg.exposure === "nodePort" ? { type: "NodePort", nodePorts: dropUndefined({ http: cfg.nodePort }) } : { type: "ClusterIP" },
            chp: {
                networkPolicy: noCloudMetadata,
                containerSecurityContext: restrictedContainer(65534),
            },
        },
        singleuser: {
            image: splitImage(su.image),
            defaultUrl: su.defaultUrl,
            extraEnv: { JUPYTERHUB_SINGLEUSER_APP: "jupyter_server.serverapp.ServerApp" },
            cpu: dropUndefined({ limit: cpuCores(su.cpu.limit), guarantee: cpuCores(su.cpu.guarantee) }),
            memory: dropUndefined({ limit: su.memory.limit, guarantee: su.memory.guarantee }),
            storage: { type: "dynamic", capacity: su.storage.capacity, dynamic: dropUndefined({ storageClass }) },
            // Block the cloud metadata server with the NetworkPolicy, not the privileged iptables init container.
            cloudMetadata: { blockWithIptables: false, ip: "169.254.169.254" },
            networkPolicy: { enabled: true, egressAllowRules: { cloudMetadataServer: false, privateIPs: false } },
            allowPrivilegeEscalation: false,
            uid: 1000,
            fsGid: 100,
        },
        // Pre-pull only the images of this cluster's own profiles: with pullProfileListImages (the
        // chart's default) the hook and continuous pullers would also pull every kubespawner_override
        // image on every node, the offload profiles' remote-only images included, inside the
        // pre-install hook the atomic release waits for (z2jh 3.1.0 values.yaml 626,
        // templates/image-puller/_helpers-daemonset.tpl 134-156). singleuser.image is always pulled
        // (_helpers-daemonset.tpl 100-114); extraImages adds the local profiles' (158-174).
        prePuller: { pullProfileListImages: false, extraImages: profileImages(su.image, su.profiles) },
        ingress: ingress
            ? {
                  enabled: true,
                  ingressClassName: className,
                  hosts: [cfg.host],
                  pathType: "Prefix",
                  tls: tls ? [{ hosts: [cfg.host], secretName: certSecretName }] : [],
              }
            : { enabled: false },
    };

    return pulumi
        .all([pulumi.output(offload?.profiles ?? [])])
        .apply(([offloadProfiles]) => {
            const profileList = [...su.profiles.map(kubespawnerProfile), ...(offloadProfiles as Values[])];
            const withProfiles = profileList.length > 0 ? deepMerge(baseValues, { singleuser: { profileList } }) : baseValues;
            return offload ? deepMerge(withProfiles, offload.hubValues) : withProfiles;
        });
}