/**
 * The authenticator: GenericOAuthenticator (public settings in the values, its client secret only
 * in the hub Secret) or a local login with one generated password.
 */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { toYaml } from "../../k8s/yaml";
import type { JupyterhubConfig } from "../../../config/jupyterhub";
import { Values, dropUndefined } from "./chartValues";

export interface Authenticator {
    /** `hub.config` for the authenticator. */
    hubConfig: Values;
    /** Chart values holding the authenticator's secret, for the hub Secret's `values.yaml`. */
    authSecretValues: pulumi.Output<string>;
    /** The generated password for the local login (secret); undefined with generic-oauth. */
    adminPassword?: pulumi.Output<string>;
}

export function authenticator(parent: pulumi.ComponentResource, name: string, cfg: JupyterhubConfig, publicUrl: string, oauthClientSecret: pulumi.Input<string> | undefined): Authenticator {
    let adminPassword: pulumi.Output<string> | undefined;
    const hubConfig: Values = { JupyterHub: { admin_access: true } };
    let authSecretValues: pulumi.Output<string>;
    if (cfg.auth.type === "generic-oauth") {
        const o = cfg.auth.genericOauth!;
        const groups = o.allowedGroups.length > 0;
        hubConfig.JupyterHub = { ...(hubConfig.JupyterHub as Values), authenticator_class: "generic-oauth" };
        hubConfig.Authenticator = dropUndefined({
            enable_auth_state: true,
            allow_all: groups ? undefined : true,
            admin_users: cfg.auth.adminUsers.length > 0 ? cfg.auth.adminUsers : undefined,
        });
        hubConfig.GenericOAuthenticator = dropUndefined({
            client_id: o.clientId,
            oauth_callback_url: o.callbackUrl ?? `${publicUrl}hub/oauth_callback`,
            authorize_url: o.authorizeUrl,
            token_url: o.tokenUrl,
            userdata_url: o.userdataUrl,
            scope: o.scopes,
            username_claim: o.usernameClaim,
            login_service: o.loginService,
            userdata_token_method: o.userdataTokenMethod,
            claim_groups_key: groups || o.adminGroups.length > 0 ? o.groupsClaim : undefined,
            allowed_groups: groups ? o.allowedGroups : undefined,
            admin_groups: o.adminGroups.length > 0 ? o.adminGroups : undefined,
        });
        authSecretValues = pulumi.output(oauthClientSecret!).apply((s) => toYaml({ hub: { config: { GenericOAuthenticator: { client_secret: s } } } }));
    } else {
        const password = new random.RandomPassword(`${name}-admin-password`, { length: 24, special: false }, { parent });
        adminPassword = pulumi.secret(password.result);
        const users = [cfg.auth.local.adminUser, ...cfg.auth.local.users];
        hubConfig.JupyterHub = { ...(hubConfig.JupyterHub as Values), authenticator_class: "dummy" };
        hubConfig.Authenticator = { allowed_users: users, admin_users: [...new Set([cfg.auth.local.adminUser, ...cfg.auth.adminUsers])] };
        authSecretValues = password.result.apply((p) => toYaml({ hub: { config: { DummyAuthenticator: { password: p } } } }));
    }
    return { hubConfig, authSecretValues, adminPassword };
}
