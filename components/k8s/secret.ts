import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appLabels } from "./labels";

/**
 * An Opaque Secret whose values are always Pulumi secrets (so they are encrypted in state and
 * never shown in a diff), for charts and pods to reference by name.
 */
export function opaqueSecret(
    resourceName: string,
    args: { name: string; namespace: pulumi.Input<string>; app: string; data: Record<string, pulumi.Input<string>> },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    const stringData: Record<string, pulumi.Output<string>> = {};
    for (const [key, value] of Object.entries(args.data)) stringData[key] = pulumi.secret(value);
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: appLabels(args.app) },
            type: "Opaque",
            stringData,
        },
        opts,
    );
}
