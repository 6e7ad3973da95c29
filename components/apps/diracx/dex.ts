/** Dex, the demo's identity provider, with an optional demo user and how to log in as it. */
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { dexIssuerUrl } from "../../../config/diracx";
import type { ChartValues, DiracxContext } from "./context";

/** How to log in to a developer-mode DiracX with the demo user (a stack output). */
export interface DiracxLogin {
    url: string;
    username: string;
    /** Where the password is (never the password itself). */
    password: string;
    dexIssuer: string;
    dexClientId: string;
    /** Run once after the first install: register the VO with Dex and the demo user in the config store (as run_demo.sh does). */
    registerOnce: string[];
}

/** Dex's `sub` claim for a local (password DB) user: what `dirac internal add-user --sub` expects (as run_demo.sh builds it). */
export function dexLocalSubject(userId: string): string {
    const id = Buffer.from(userId, "utf8");
    return Buffer.concat([Buffer.from([0x0a, id.length]), id, Buffer.from([0x12, 0x05]), Buffer.from("local", "utf8")]).toString("base64");
}

export interface DexOutputs {
    /** The issuer URL (the platform's or the configured one). */
    dexIssuer: string;
    login?: pulumi.Output<DiracxLogin>;
    demoUserPassword?: pulumi.Output<string>;
}

export function dex(d: DiracxContext, { values }: ChartValues): DexOutputs {
    const { cfg, ns, release, base, password } = d;
    let login: pulumi.Output<DiracxLogin> | undefined;
    let demoUserPassword: pulumi.Output<string> | undefined;
    const dexIssuer = dexIssuerUrl(cfg);
    let dexClientId: pulumi.Output<string> | undefined;
    if (cfg.dex.enabled) {
        dexClientId = new random.RandomUuid("diracx-dex-client-id", {}, { parent: d.parent }).result;
        const dexConfig: Record<string, unknown> = {
            issuer: dexIssuer,
            staticClients: [
                {
                    id: dexClientId,
                    public: true,
                    name: "DiracX",
                    redirectURIs: [`${base}/api/auth/device/complete`, `${base}/api/auth/authorize/complete`],
                },
            ],
            staticPasswords: [],
        };
        if (cfg.dex.demoUser) {
            const demoPassword = password("diracx-demo-user-password", 24);
            const demoUserId = new random.RandomUuid("diracx-demo-user-id", {}, { parent: d.parent }).result;
            // Dex takes only a bcrypt hash of the password (never the password) and keeps its config in a Secret.
            dexConfig.staticPasswords = [{ email: cfg.dex.demoUserEmail, hash: demoPassword.bcryptHash, username: "admin", userID: demoUserId }];
            demoUserPassword = pulumi.secret(demoPassword.result);
            const exec = `kubectl -n ${ns} exec deployment/${release}-cli -- bash /entrypoint.sh`;
            login = pulumi.all([dexClientId, demoUserId]).apply(([clientId, userId]): DiracxLogin => ({
                url: base,
                username: cfg.dex.demoUserEmail,
                password: "pulumi stack output --show-secrets diracxDemoUserPassword",
                dexIssuer,
                dexClientId: clientId,
                registerOnce: [
                    `${exec} dirac internal add-vo /cs_store/initialRepo --vo=diracAdmin --idp-url=${dexIssuer} --idp-client-id=${clientId} --default-group=admin`,
                    `${exec} dirac internal add-user /cs_store/initialRepo --vo=diracAdmin --sub=${dexLocalSubject(userId)} --preferred-username=admin --group=admin`,
                ],
            }));
        }
        values.dex = { enabled: true, service: { ports: { http: { nodePort: cfg.dex.nodePort } } }, config: dexConfig };
    } else {
        values.dex = { enabled: false };
    }
    values.indigoiam = { enabled: false };
    return { dexIssuer, login, demoUserPassword };
}
