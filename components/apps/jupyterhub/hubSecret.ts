/**
 * The hub's secrets, generated here (32 random bytes each, hex, as `openssl rand -hex 32` gives,
 * stable in state) and given to the chart only by the Secret's name (`hub.existingSecret`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { opaqueSecret } from "../../k8s/secret";

/** Keys of the hub Secret the program creates (`hub.existingSecret`); the hub reads them before the chart's own Secret. */
export const HUB_SECRET_KEYS = {
    cookieSecret: "hub.config.JupyterHub.cookie_secret",
    cryptKeys: "hub.config.CryptKeeper.keys",
    proxyToken: "hub.config.ConfigurableHTTPProxy.auth_token",
    /** Chart values merged over the chart's own by the hub (`z2jh.py`): carries the authenticator's secret. */
    values: "values.yaml",
} as const;

export function hubSecret(
    parent: pulumi.ComponentResource,
    name: string,
    s: { secretName: string; namespace: pulumi.Input<string>; authSecretValues: pulumi.Input<string>; prod: boolean; childOpts: pulumi.CustomResourceOptions },
): pulumi.Resource {
    const { prod, childOpts } = s;
    const bytes = (suffix: string) => new random.RandomBytes(`${name}-${suffix}`, { length: 32 }, { parent, protect: prod });
    const cookieSecret = bytes("cookie-secret").hex;
    const cryptKey = bytes("crypt-key").hex;
    const proxyToken = bytes("proxy-token").hex;
    return opaqueSecret(
        `${name}-hub-secrets`,
        {
            name: s.secretName,
            namespace: s.namespace,
            app: "jupyterhub",
            data: {
                [HUB_SECRET_KEYS.cookieSecret]: cookieSecret,
                [HUB_SECRET_KEYS.cryptKeys]: cryptKey,
                [HUB_SECRET_KEYS.proxyToken]: proxyToken,
                [HUB_SECRET_KEYS.values]: s.authSecretValues,
            },
        },
        { ...childOpts, protect: prod },
    );
}
