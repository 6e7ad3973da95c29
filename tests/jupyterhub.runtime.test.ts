/**
 * jupyterhub: what the hub's programs really do at run time (contracts/jupyterhub.ts) reflected in
 * the values: the userinfo token method OAuthenticator 16.1.0 reads, the groups claim it can read,
 * the images the pre-puller pulls, the proxy token's single source, and the hub restart on a
 * rotated secret.
 */
import * as assert from "node:assert/strict";
import { HUB_SECRET_KEYS } from "../components/apps/jupyterhub";
import { profileImages } from "../components/apps/jupyterhub/chartValues";
import { HUB_SECRET_CHECKSUM_ANNOTATION } from "../components/apps/jupyterhub/hubSecret";
import { configProblems, runProgram } from "./harness";
import { RELEASE, OAUTH_SECRET, hubSecret, validateValues } from "./jupyterhubUtil";

const prod = (set: string[] = [], secret = OAUTH_SECRET) => runProgram({ stack: "prod", secrets: [secret], placeholderSecrets: true, set });

describe("jupyterhub: OAuthenticator 16.1.0", () => {
    it("sends userdata_token_method header by default, url when asked: the only values 16.1.0 reads", async () => {
        const run = await prod();
        assert.equal(run.one(RELEASE, "jupyterhub-release").inputs.values.hub.config.GenericOAuthenticator.userdata_token_method, "header");
        const url = await prod(["jupyterhub.auth.genericOauth.userdataTokenMethod=url"]);
        assert.equal(url.one(RELEASE, "jupyterhub-release").inputs.values.hub.config.GenericOAuthenticator.userdata_token_method, "url");
    });

    it("refuses the HTTP methods of the removed userdata_method, which 16.1.0 would silently treat as header", async () => {
        for (const method of ["GET", "POST"]) {
            const problems = await configProblems({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true, set: [`jupyterhub.auth.genericOauth.userdataTokenMethod=${method}`] });
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /^research-platform:jupyterhub\.auth\.genericOauth\.userdataTokenMethod: must be "header" or "url".* Fix: /);
        }
    });

    it("refuses a groups claim whose name has a dot (WLCG's wlcg.groups): 16.1.0 reads it as a nested path", async () => {
        const problems = await configProblems({ stack: "prod", secrets: [OAUTH_SECRET], placeholderSecrets: true, set: ["jupyterhub.auth.genericOauth.groupsClaim=wlcg.groups"] });
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^research-platform:jupyterhub\.auth\.genericOauth\.groupsClaim: .*nested path.* Fix: /);
        const nested = await prod(["jupyterhub.auth.genericOauth.groupsClaim=realm_access.roles"]);
        assert.equal(nested.one(RELEASE, "jupyterhub-release").inputs.values.hub.config.GenericOAuthenticator.claim_groups_key, "realm_access.roles", "a real nested path stays allowed");
    });
});

describe("jupyterhub: image pre-puller", () => {
    it("pulls the default image and the local profiles' images, not every profile's (offload images only run remotely)", async () => {
        const run = await prod(["interlink.enabled=true"]);
        const v = run.one(RELEASE, "jupyterhub-release").inputs.values;
        const offloadImages = v.singleuser.profileList.map((p: { kubespawner_override?: { image?: string } }) => p.kubespawner_override?.image).filter((i: string | undefined) => i && !i.startsWith("quay.io/jupyter/"));
        assert.ok(offloadImages.length > 0, "the prod stack has an InterLink profile with its own image");
        assert.equal(v.prePuller.pullProfileListImages, false);
        assert.deepEqual(v.prePuller.extraImages, { "profile-1": { name: "quay.io/jupyter/datascience-notebook", tag: "2024-12-23" } });
        for (const image of offloadImages) assert.ok(!JSON.stringify(v.prePuller).includes(image.split(":")[0]), `${image} is not pre-pulled`);
    });

    it("lists each profile image once, never the default image (always pulled)", () => {
        const p = (image?: string) => ({ displayName: "x", description: "", default: false, image });
        assert.deepEqual(profileImages("quay.io/jupyter/minimal-notebook:2024-12-23", [p(), p("quay.io/jupyter/minimal-notebook:2024-12-23"), p("a/b:1"), p("a/b:1"), p("c/d:2")]), {
            "profile-2": { name: "a/b", tag: "1" },
            "profile-4": { name: "c/d", tag: "2" },
        });
    });

    it("validates against the chart's values schema", async function () {
        const run = await prod(["interlink.enabled=true"]);
        validateValues(run.one(RELEASE, "jupyterhub-release").inputs.values, "3.1.0", this);
    });
});

describe("jupyterhub: proxy token and hub Secret", () => {
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: leaves CONFIGPROXY_AUTH_TOKEN to the chart's own Secret, once per container (no duplicate env name)`, async () => {
            const run = await runProgram({ stack, secrets: [OAUTH_SECRET], placeholderSecrets: true });
            const v = run.one(RELEASE, "jupyterhub-release").inputs.values;
            assert.equal(v.hub.extraEnv?.CONFIGPROXY_AUTH_TOKEN, undefined);
            assert.equal(v.proxy.chp.extraEnv?.CONFIGPROXY_AUTH_TOKEN, undefined);
            assert.equal(v.proxy.secretToken, undefined, "the chart generates the token and keeps it by lookup");
            assert.equal(v.hub.config.ConfigurableHTTPProxy, undefined);
            assert.deepEqual(Object.keys(hubSecret(run).inputs.stringData).sort(), [HUB_SECRET_KEYS.cookieSecret, HUB_SECRET_KEYS.cryptKeys, HUB_SECRET_KEYS.values].sort());
            assert.equal(run.find("random:index/randomBytes:RandomBytes", "jupyterhub-proxy-token"), undefined);
        });
    }

    it("restarts the hub when its Secret changes: a checksum of the Secret's data on the hub pod, kept secret", async () => {
        const annotation = async (secret: string) => {
            const release = (await prod([], secret)).one(RELEASE, "jupyterhub-release");
            assert.ok(release.secretPaths.includes(`values.hub.annotations.${HUB_SECRET_CHECKSUM_ANNOTATION}`), `only the checksum is secret: ${release.secretPaths.join(", ")}`);
            return release.inputs.values.hub.annotations[HUB_SECRET_CHECKSUM_ANNOTATION] as string;
        };
        const before = await annotation(OAUTH_SECRET);
        assert.match(before, /^[0-9a-f]{64}$/);
        assert.equal(await annotation(OAUTH_SECRET), before, "stable while nothing changes");
        assert.notEqual(await annotation("jupyterhubOauthClientSecret=a-rotated-client-secret"), before, "a rotated OAuth client secret restarts the hub");
        assert.ok(!before.includes("oauth-client-s3cret-value"));
    });
});
