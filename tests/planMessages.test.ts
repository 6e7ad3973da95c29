import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { configProblems, PROJECT_DIR } from "./harness";
import { forOfflinePlan } from "../tools/plan-engine/messages";

const line = (sets: string[] = [], stack = "prod", placeholderSecrets = false) => ({ stack, sets, placeholderSecrets });

describe("offline plan: config problems phrased for the command that was run", () => {
    it("under `pulumi up`, names the stack's own file (Pulumi.dev.yaml, not Pulumi.<stack>.yaml)", async () => {
        const problems = await configProblems({ stack: "dev", set: ["metallb.enabled=maybe"] });
        const p = problems.find((x) => x.startsWith("research-platform:metallb.enabled:"));
        assert.ok(p, problems.join("\n"));
        assert.match(p, /Pulumi\.dev\.yaml/);
        assert.doesNotMatch(p, /<stack>/);
    });

    it("a missing secret suggests --secret KEY=VALUE or --placeholder-secrets, and how to encrypt it for a deploy", () => {
        const p = forOfflinePlan({ key: "research-platform:jupyterhubOauthClientSecret", problem: "is required (x) but not set", fix: "run `pulumi config set --secret jupyterhubOauthClientSecret <value>`" }, line());
        assert.equal(p.fix, "pass `--secret jupyterhubOauthClientSecret=<value>` (or `--placeholder-secrets` to stand in a placeholder for every user-supplied secret); to deploy, encrypt it in Pulumi.prod.yaml with `pulumi config set --secret jupyterhubOauthClientSecret <value>`");
        const withPlaceholders = forOfflinePlan({ key: "research-platform:x", problem: "is required", fix: "run `pulumi config set --secret x <value>`" }, line([], "prod", true));
        assert.doesNotMatch(withPlaceholders.fix, /--placeholder-secrets/, "not suggested when already given");
    });

    it("a plaintext secret that came from --set is not called 'stored in the stack file'", () => {
        const p = forOfflinePlan({ key: "research-platform:jupyterhubOauthClientSecret", problem: "is stored in plaintext in the stack file", fix: "run `pulumi config set --secret jupyterhubOauthClientSecret <value>` so it is encrypted" }, line(["jupyterhubOauthClientSecret=abc"]));
        assert.equal(p.problem, "was given with --set, as plain text");
        assert.equal(p.fix, "pass it with `--secret jupyterhubOauthClientSecret=<value>` instead");
        const fromFile = forOfflinePlan({ key: "research-platform:jupyterhubOauthClientSecret", problem: "is stored in plaintext in the stack file", fix: "run `pulumi config set --secret jupyterhubOauthClientSecret <value>` so it is encrypted" }, line());
        assert.equal(fromFile.problem, "is stored in plaintext in the stack file");
        assert.match(fromFile.fix, /encrypt it in Pulumi\.prod\.yaml with `pulumi config set --secret jupyterhubOauthClientSecret <value>`/);
    });

    it("a misspelt --set key suggests the corrected --set; a misspelt stack-file key the file to edit", () => {
        const top = forOfflinePlan({ key: "research-platform:metalb", problem: "unknown key (did you mean 'metallb'?)", fix: "rename it with `pulumi config rm metalb` and set 'metallb' instead" }, line(["metalb.enabled=true"]));
        assert.equal(top.fix, "use `--set metallb.enabled=true`");
        const nested = forOfflinePlan({ key: "research-platform:metallb.enabeld", problem: "unknown key (did you mean 'enabled'?)", fix: "rename it to 'enabled'" }, line(["metallb.enabeld=true"]));
        assert.equal(nested.fix, "use `--set metallb.enabled=true`");
        const inArray = forOfflinePlan({ key: "research-platform:nvflare.servers[1].flPrt", problem: "unknown key (did you mean 'flPort'?)", fix: "rename it to 'flPort'" }, line(["nvflare.servers[1].flPrt=8102"]));
        assert.equal(inArray.fix, "use `--set nvflare.servers[1].flPort=8102`");
        const inFile = forOfflinePlan({ key: "research-platform:metalb", problem: "unknown key (did you mean 'metallb'?)", fix: "rename it with `pulumi config rm metalb` and set 'metallb' instead" }, line([], "dev"));
        assert.equal(inFile.fix, "rename it to 'metallb' in Pulumi.dev.yaml");
    });

    it("`pulumi config set --path` becomes --set, `pulumi config rm` the stack file or the --set to drop", () => {
        const set = forOfflinePlan({ key: "research-platform:kruise.enabled", problem: "is false", fix: "set kruise.enabled to true (`pulumi config set --path kruise.enabled true`) or disable distributedNotebook" }, line());
        assert.equal(set.fix, "set kruise.enabled to true (`--set kruise.enabled=true`) or disable distributedNotebook");
        const rm = forOfflinePlan({ key: "research-platform:foo", problem: "unknown key", fix: "remove it with `pulumi config rm foo`; known keys are: a" }, line(["foo=1"]));
        assert.equal(rm.fix, "drop the `--set foo…`; known keys are: a");
        const rmFile = forOfflinePlan({ key: "research-platform:foo", problem: "unknown key", fix: "remove it with `pulumi config rm foo`; known keys are: a" }, line());
        assert.equal(rmFile.fix, "remove it from Pulumi.prod.yaml; known keys are: a");
    });

    it("the plan command prints them so (exit 2)", () => {
        const r = spawnSync(process.execPath, [path.join(PROJECT_DIR, "bin", "tools", "plan.js"), "--stack", "prod", "--set", "metalb.enabled=true", "--out", path.join(PROJECT_DIR, "plan", "never-written")], { cwd: PROJECT_DIR, encoding: "utf8" });
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /research-platform:metalb: unknown key \(did you mean 'metallb'\?\)\. Fix: use `--set metallb\.enabled=true`/);
        assert.match(r.stderr, /research-platform:jupyterhubOauthClientSecret: is required .* Fix: pass `--secret jupyterhubOauthClientSecret=<value>`/);
        assert.doesNotMatch(r.stderr, /Pulumi\.<stack>\.yaml/);
    });
});
