import type * as pulumi from "@pulumi/pulumi";

/**
 * What an offload target (the InterLink virtual kubelet) adds to a JupyterHub: extra profiles that
 * place notebooks on the virtual node, hub values for the return path from remote notebooks, and
 * any resources the hub's release must wait for. The JupyterHub component appends `profiles` to its
 * `singleuser.profileList`, deep-merges `hubValues` into its chart values, and makes its release
 * depend on `dependsOn`.
 */
export interface HubOffload {
    /** KubeSpawner profile entries (`display_name`, `description`, `kubespawner_override`, ...). */
    profiles: pulumi.Input<Record<string, unknown>>[];
    /** Chart values merged into the hub's values (keys must exist in the z2jh schema). */
    hubValues: Record<string, unknown>;
    /**
     * Resources the hub's release waits for. InterLink gives none: its profiles carry only names,
     * and an offloaded pod waits Pending until the virtual node exists, so the hub never waits on
     * the virtual kubelet (which may take long to become ready, e.g. before it has a token).
     */
    dependsOn: pulumi.Resource[];
}
