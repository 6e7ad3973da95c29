/**
 * The hub's secrets, generated here (32 random bytes each, hex, as `openssl rand -hex 32` gives,
 * stable in state) and given to the chart only by the Secret's name (`hub.existingSecret`).
 *
 * The proxy token is not among them: hub and proxy read `CONFIGPROXY_AUTH_TOKEN` from the chart's
 * own Secret `hub` whatever `hub.existingSecret` says (z2jh 3.1.0 templates/hub/deployment.yaml
 * 197-207, templates/proxy/deployment.yaml 117-124). The chart generates that token once and keeps
 * it across upgrades by looking the Secret up (templates/hub/_helpers-passwords.tpl 34-47); should
 * it ever change, both pods restart with it (checksum/secret on the hub, deployment.yaml 31;
 * checksum/auth-token on the proxy, proxy/deployment.yaml 40). It lives only in that Secret, never
 * in the values. A second env entry pointing at this Secret made the env lists hold a duplicate
 * name, which the strategic merge of a later upgrade can refuse ("The order in patch list ... doesn't match $setElementOrder list": kubernetes/kubernetes#86163, rucio/helm-charts#205).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { opaqueSecret } from "../../k8s/secret";

/** Keys of the hub Secret the program creates (`hub.existingSecret`); the hub reads them before the chart's own Secret. */
export const HUB_SECRET_KEYS = {
    cookieSecret: "hub.config.JupyterHub.cookie_secret",
    cryptKeys: "hub.config.CryptKeeper.keys",
    /** Chart values merged over the chart's own by the hub (`z2jh.py`): carries the authenticator's secret. */
    values: "values.yaml",
} as const;

/** The hub pod's annotation that changes with the Secret's content, so the hub restarts and reads it again. */
export const HUB_SECRET_CHECKSUM_ANNOTATION = "checksum/existing-secret";

export interface HubSecret {
    secret: pulumi.Resource;
    /**
     * SHA-256 of the Secret's data (a Pulumi secret: it is derived from secrets). z2jh reads the
     * Secret once at start-up (files/hub/z2jh.py 14-30, lru_cache) and its own restart checksums
     * cover only the chart's ConfigMap and Secret (templates/hub/deployment.yaml 28-31).
     */
    checksum: pulumi.Output<string>;
}

export function hubSecret(
    parent: pulumi.ComponentResource,
    name: string,
    s: { secretName: string; namespace: pulumi.Input<string>; authSecretValues: pulumi.Input<string>; prod: boolean; childOpts: pulumi.CustomResourceOptions },
): HubSecret {
    const { prod, childOpts } = s;
    const bytes = (suffix: string) => new random.RandomBytes(`${name}-${suffix}`, { length: 32 }, { parent, protect: prod });
    const data: Record<string, pulumi.Input<string>> = {
        [HUB_SECRET_KEYS.cookieSecret]: bytes("cookie-secret").hex,
        [HUB_SECRET_KEYS.cryptKeys]: bytes("crypt-key").hex,
        [HUB_SECRET_KEYS.values]: s.authSecretValues,
    };
    const secret = opaqueSecret(`${name}-hub-secrets`, { name: s.secretName, namespace: s.namespace, app: "jupyterhub", data }, { ...childOpts, protect: prod });
    const checksum = pulumi.secret(
        pulumi.all(data).apply((d) => {
            const hash = createHash("sha256");
            for (const key of Object.keys(d).sort()) hash.update(`${key}\0${d[key]}\0`);
            return hash.digest("hex");
        }),
    );
    return { secret, checksum };
}
