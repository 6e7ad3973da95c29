import * as assert from "node:assert/strict";
import { secretSpecs } from "../config";
import { closest, configKey } from "../config/problems";
import { readStackConfig } from "../tools/plan-engine/stackConfig";
import { PROJECT_DIR, configProblems, runProgram } from "./harness";

describe("config: loadConfig", () => {
    it("accepts the committed dev and prod stacks, and deploys each application their stack file enables", async () => {
        const apps: Record<string, string> = {
            distributedNotebook: "research-platform:apps:DistributedNotebook",
            jupyterhub: "research-platform:apps:JupyterHub",
            interlink: "research-platform:apps:VirtualKubelet",
            nvflare: "research-platform:apps:Nvflare",
            diracx: "research-platform:apps:Diracx",
        };
        for (const stack of ["dev", "prod"]) {
            const run = await runProgram({ stack, secrets: stack === "prod" ? secretSpecs.map((s) => `${s.key}=placeholder`) : [] });
            const config = readStackConfig(PROJECT_DIR, stack).config;
            for (const [key, type] of Object.entries(apps)) {
                const enabled = JSON.parse(config[`research-platform:${key}`] ?? "{}").enabled === true;
                assert.equal(run.all(type).length, enabled ? 1 : 0, `${stack}: ${key} is ${enabled ? "enabled" : "off"} in Pulumi.${stack}.yaml`);
            }
        }
    });

    it("accepts an empty configuration (every component off)", async () => {
        const run = await runProgram({ empty: true });
        assert.deepEqual(run.resources.filter((r) => r.custom).map((r) => r.type), ["pulumi:providers:kubernetes"]);
    });

    it("names an unknown top-level key and suggests the closest known one", async () => {
        const problems = await configProblems({ set: ['metalb={"enabled":true}'] });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^research-platform:metalb: unknown key \(did you mean 'metallb'\?\)\. Fix: .*metallb/);
    });

    it("names an unknown nested key with its full path and a hint", async () => {
        const problems = await configProblems({ set: ["kubernetes.contxt=kind-x"] });
        assert.deepEqual(problems.length, 1);
        assert.match(problems[0], /^research-platform:kubernetes\.contxt: unknown key \(did you mean 'context'\?\)\. Fix: rename it to 'context'/);
    });

    it("reports every problem at once, each with its key, and registers nothing", async () => {
        const problems = await configProblems({
            set: ["kubernetes.distribution=minikube", "kubernetes.environment=staging", 'diracks={"enabled":true}', "storage.enabled=yes"],
        });
        const keys = problems.map((p) => p.split(": ")[0]).sort();
        assert.deepEqual(keys, [
            "research-platform:diracks",
            "research-platform:kubernetes.distribution",
            "research-platform:kubernetes.environment",
            "research-platform:storage.enabled",
        ]);
        for (const p of problems) assert.match(p, /\. Fix: \S/, `every problem says how to fix it: ${p}`);
        assert.ok(problems.some((p) => p.includes("did you mean 'diracx'")));
    });

    it("refuses an empty user secret (set, but to nothing) as a config error naming the key", async () => {
        const problems = await configProblems({ stack: "prod", placeholderSecrets: true, secrets: ["jupyterhubOauthClientSecret="] });
        assert.deepEqual(
            problems.filter((p) => p.startsWith("research-platform:jupyterhubOauthClientSecret:")).map((p) => p.split(". Fix:")[0]),
            ["research-platform:jupyterhubOauthClientSecret: is empty (the OAuth client secret of JupyterHub's GenericOAuthenticator)"],
        );
    });

    it("reports a component key that is not an object", async () => {
        const problems = await configProblems({ set: ["metallb=on"] });
        assert.equal(problems.length, 1);
        assert.match(problems[0], /^research-platform:metallb: expected object/);
    });

    it("derives the environment from the stack name unless it is set", async () => {
        const dev = await runProgram({ empty: true, stack: "dev" });
        assert.equal(dev.output("environment").value, "dev");
        const other = await runProgram({ empty: true, stack: "staging" });
        assert.equal(other.output("environment").value, "prod", "any stack but dev gets the safe default");
    });

    it("declares user-supplied secrets only under names ending in ClientSecret, Password or Token", () => {
        for (const s of secretSpecs) assert.match(s.key, /(ClientSecret|Password|Token)$/, s.key);
        assert.equal(new Set(secretSpecs.map((s) => s.key)).size, secretSpecs.length, "secret keys are unique");
    });
});

describe("config: problem helpers", () => {
    it("writes full keys in the form pulumi config uses", () => {
        assert.equal(configKey(["metallb", "addresses", 0]), "research-platform:metallb.addresses[0]");
        assert.equal(configKey(["nvflare", "servers", 1, "flPort"]), "research-platform:nvflare.servers[1].flPort");
    });

    it("suggests only close matches", () => {
        assert.equal(closest("jupyterhb", ["jupyterhub", "diracx"]), "jupyterhub");
        assert.equal(closest("zzzzzz", ["jupyterhub", "diracx"]), undefined);
    });
});
