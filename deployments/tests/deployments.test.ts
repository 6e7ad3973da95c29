import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { main } from "../program";
import { BASE_CONFIG, run, type Run } from "./mocks";
import { declareDeployments, isCron, mergeEnvironment, readSettings, ROLES, SettingsError, STACK_PATHS, STACKS, type Deployments } from "../settings";

const SETTINGS = "pulumiservice:index:DeploymentSettings";
const DRIFT = "pulumiservice:index:DriftSchedule";
const STACK = "pulumiservice:index:Stack";

function program(): Deployments {
    return declareDeployments(readSettings(new pulumi.Config(), pulumi.getOrganization()));
}

async function problemsOf(config: Record<string, unknown>): Promise<string[]> {
    try {
        await run(program, { config });
    } catch (e) {
        if (e instanceof SettingsError) return e.problems;
        throw e;
    }
    assert.fail("expected a SettingsError");
}

type Vcs = { provider: string; repository: string; previewPullRequests: boolean; deployCommits: boolean; pullRequestTemplate: boolean; paths?: string[] };
type OperationContext = { preRunCommands: string[]; environmentVariables: Record<string, string>; options: { skipInstallDependencies: boolean; deleteAfterDestroy: boolean } };

describe("deployments: Pulumi Deployments as code", () => {
    describe("default settings (repository set)", () => {
        let r: Run;
        before(async () => {
            r = await run(program);
        });

        it("configures deployment settings for prod and the pr template only: never dev, a laptop's kind cluster", () => {
            assert.deepEqual(r.all(SETTINGS).map((s) => s.inputs.stack).sort(), ["pr", "prod"]);
            assert.deepEqual([...new Set(r.resources.map((x) => x.type))].sort(), [SETTINGS, DRIFT, STACK].sort());
            for (const s of r.all(SETTINGS)) {
                assert.equal(s.inputs.organization, "example-org");
                assert.equal(s.inputs.project, "research-platform");
            }
        });

        it("takes the source from the main branch, at the repository root", () => {
            for (const stack of STACKS) {
                const s = r.one(SETTINGS, `${stack}-deployment-settings`);
                assert.deepEqual(s.inputs.sourceContext, { git: { branch: "refs/heads/main", repoDir: "." } });
            }
        });

        it("uses the vcs block (not the deprecated github one) with the repository", () => {
            for (const stack of STACKS) {
                const s = r.one(SETTINGS, `${stack}-deployment-settings`);
                assert.equal(s.inputs.github, undefined, `${stack}: the deprecated github block is set`);
                const vcs = s.inputs.vcs as Vcs;
                assert.equal(vcs.provider, "github");
                assert.equal(vcs.repository, "example-org/research-platform");
                assert.equal(vcs.paths, undefined);
            }
        });

        it("prod is neither previewed (the pulumi workflow does it) nor deployed from here; pr is the review-stack template", () => {
            const vcs = (stack: string) => r.one(SETTINGS, `${stack}-deployment-settings`).inputs.vcs as Vcs;
            assert.deepEqual(
                { previewPullRequests: vcs("prod").previewPullRequests, deployCommits: vcs("prod").deployCommits, pullRequestTemplate: vcs("prod").pullRequestTemplate },
                { previewPullRequests: false, deployCommits: false, pullRequestTemplate: false },
            );
            assert.deepEqual(
                { previewPullRequests: vcs("pr").previewPullRequests, deployCommits: vcs("pr").deployCommits, pullRequestTemplate: vcs("pr").pullRequestTemplate },
                { previewPullRequests: false, deployCommits: false, pullRequestTemplate: true },
            );
        });

        it("runs npm ci and compiles before every operation, and skips the default install", () => {
            for (const stack of STACKS) {
                const ctx = r.one(SETTINGS, `${stack}-deployment-settings`).inputs.operationContext as OperationContext;
                assert.deepEqual(ctx.preRunCommands, ["npm ci --no-audit --no-fund", "npm run compile"]);
                assert.equal(ctx.options.skipInstallDependencies, true);
            }
        });

        it("deletes review stacks after they are destroyed, never prod", () => {
            const del = (stack: string) => (r.one(SETTINGS, `${stack}-deployment-settings`).inputs.operationContext as OperationContext).options.deleteAfterDestroy;
            assert.equal(del("pr"), true);
            assert.equal(del("prod"), false);
        });

        it("creates the pr template stack and configures it after it exists", () => {
            const stack = r.one(STACK, "pr-template-stack");
            assert.deepEqual(stack.inputs, { organizationName: "example-org", projectName: "research-platform", stackName: "pr", forceDestroy: false });
            assert.ok(r.one(SETTINGS, "pr-deployment-settings").dependsOn.includes(stack.urn));
        });

        it("schedules drift detection on prod daily, without remediation, after prod's settings", () => {
            const drift = r.one(DRIFT, "prod-drift-schedule");
            assert.deepEqual(drift.inputs, { organization: "example-org", project: "research-platform", stack: "prod", scheduleCron: "0 5 * * *", autoRemediate: false });
            assert.deepEqual(drift.dependsOn, [r.one(SETTINGS, "prod-deployment-settings").urn]);
            assert.equal(r.all(DRIFT).length, 1, "drift detection runs on prod only");
        });

        it("declares no TTL schedule: one on the template would destroy only the empty template, never a review stack", () => {
            assert.equal(r.all("pulumiservice:index:TtlSchedule").length, 0);
        });
    });

    describe("environment", () => {
        it("adds the ESC environment before the operation and sets plain variables", async () => {
            const r = await run(program, {
                config: { ...BASE_CONFIG, stacks: { prod: { escEnvironment: "research-platform/prod", environmentVariables: { LOG_LEVEL: "info" } } } },
            });
            const prod = r.one(SETTINGS, "prod-deployment-settings").inputs.operationContext as OperationContext;
            assert.deepEqual(prod.preRunCommands, ["npm ci --no-audit --no-fund", "npm run compile", "pulumi config env add research-platform/prod --stack example-org/research-platform/prod --yes"]);
            assert.deepEqual(prod.environmentVariables, { LOG_LEVEL: "info" });
            const pr = r.one(SETTINGS, "pr-deployment-settings").inputs.operationContext as OperationContext;
            assert.deepEqual(pr.preRunCommands, ["npm ci --no-audit --no-fund", "npm run compile"]);
        });

        it("passes secret environment variables to their stack only, still secret", async () => {
            const r = await run(program, {
                config: { ...BASE_CONFIG, stacks: { prod: { environmentVariables: { LOG_LEVEL: "info" } } } },
                secrets: { secretEnvironmentVariables: { prod: { KUBECONFIG_DATA: "kube-s3cret" } } },
            });
            const prod = r.one(SETTINGS, "prod-deployment-settings");
            assert.deepEqual((prod.inputs.operationContext as OperationContext).environmentVariables, { LOG_LEVEL: "info", KUBECONFIG_DATA: "kube-s3cret" });
            const wire = prod.wire.operationContext as { environmentVariables: unknown };
            assert.deepEqual(wire.environmentVariables, { secret: { LOG_LEVEL: "info", KUBECONFIG_DATA: "kube-s3cret" } }, "the environment must be sent as a secret");
            const pr = r.one(SETTINGS, "pr-deployment-settings");
            assert.deepEqual((pr.inputs.operationContext as OperationContext).environmentVariables, {});
            for (const x of r.resources) assert.ok(!JSON.stringify(x.wire).replace(/"secret":\{[^}]*\}/g, "").includes("kube-s3cret"), `${x.name} carries the secret in plain text`);
        });

        it("rejects a secret variable also set in plain text, a bad name and an unknown stack", () => {
            assert.throws(
                () => mergeEnvironment({ TOKEN: "x" }, { prod: { TOKEN: "y", "bad-name": "z" }, staging: {}, dev: {} }, "prod"),
                (e: Error) =>
                    e instanceof SettingsError &&
                    e.problems.length === 4 &&
                    e.problems.some((p) => /^research-platform-deployments:secretEnvironmentVariables\.prod\.TOKEN: is also set in stacks\.prod\.environmentVariables\. Fix: /.test(p)) &&
                    e.problems.some((p) => p.includes("secretEnvironmentVariables.prod.bad-name: is not a valid environment variable name")) &&
                    e.problems.some((p) => p.includes("secretEnvironmentVariables.staging: is not a stack")) &&
                    e.problems.some((p) => p.includes("secretEnvironmentVariables.dev: is the kind cluster on a developer's laptop")),
            );
            assert.deepEqual(mergeEnvironment({ A: "1" }, { pr: { B: "2" }, prod: { C: "3" } }, "pr"), { A: "1", B: "2" });
        });
    });

    describe("overrides", () => {
        it("honours branch, directory, paths, drift schedule and remediation", async () => {
            const r = await run(program, {
                config: {
                    ...BASE_CONFIG,
                    project: "platform",
                    branch: "refs/heads/release",
                    repoDir: "infra",
                    paths: ["components/**", "config/**"],
                    drift: { scheduleCron: "*/30 * * * *", autoRemediate: true },
                },
            });
            const pr = r.one(SETTINGS, "pr-deployment-settings").inputs;
            assert.equal(pr.project, "platform");
            assert.deepEqual(pr.sourceContext, { git: { branch: "refs/heads/release", repoDir: "infra" } });
            assert.deepEqual((pr.vcs as Vcs).paths, ["components/**", "config/**"]);
            assert.deepEqual(r.one(DRIFT, "prod-drift-schedule").inputs, { organization: "example-org", project: "platform", stack: "prod", scheduleCron: "*/30 * * * *", autoRemediate: true });
        });
    });

    describe("invalid configuration: every problem with its key and fix, nothing created", () => {
        it("requires the repository", async () => {
            const problems = await problemsOf({});
            assert.deepEqual(problems.map((p) => p.split(":").slice(0, 2).join(":")), ["research-platform-deployments:repository"]);
            for (const p of problems) assert.match(p, /\. Fix: /);
        });

        it("refuses settings for dev (a laptop's kind cluster) and a review-stack expiry that would only destroy the template", async () => {
            const problems = await problemsOf({ ...BASE_CONFIG, stacks: { dev: {} }, reviewStacks: { expiresAt: "2027-01-01T00:00:00Z" } });
            assert.deepEqual(problems.map((p) => p.split(": ")[0].replace("research-platform-deployments:", "")).sort(), ["reviewStacks.expiresAt", "stacks.dev"]);
            assert.match(problems.find((p) => p.includes("stacks.dev"))!, /cannot reach.*Fix: remove stacks\.dev; deploy dev with npm run deploy:dev/);
            assert.match(problems.find((p) => p.includes("expiresAt"))!, /destroys only the \(empty\) template, not the review stacks/);
        });

        it("rejects a bad repository, cron, ESC name, variable name and unknown stack", async () => {
            const problems = await problemsOf({
                repository: "just-a-name",
                drift: { scheduleCron: "every day", autoRemediate: "yes" },
                stacks: { staging: {}, prod: { escEnvironment: "bad env; rm -rf /", environmentVariables: { "1BAD": "x" } } },
            });
            const keys = problems.map((p) => p.split(": ")[0].replace("research-platform-deployments:", ""));
            assert.deepEqual(keys.sort(), ["drift.autoRemediate", "drift.scheduleCron", "repository", "stacks.prod.environmentVariables.1BAD", "stacks.prod.escEnvironment", "stacks.staging"].sort());
        });

        it("checks cron expressions", () => {
            for (const ok of ["0 5 * * *", "*/15 * * * *", "0 0 1,15 * 1-5"]) assert.ok(isCron(ok), ok);
            for (const bad of ["", "0 5 * *", "0 5 * * * *", "@daily", "a b c d e"]) assert.ok(!isCron(bad), bad);
        });
    });

    describe("one path per stack (with .github/workflows/pulumi.yml)", () => {
        const workflow = fs.readFileSync(path.join(__dirname, "..", "..", ".github", "workflows", "pulumi.yml"), "utf8");
        /** The stacks the workflow previews: its `PREVIEW_STACK` values. */
        const actionsPreviews = [...workflow.matchAll(/^\s+PREVIEW_STACK: (\S+)\s*$/gm)].map((m) => m[1]);

        it("GitHub Actions previews exactly the stacks STACK_PATHS gives it, and Deployments none of those", () => {
            const byActions = Object.entries(STACK_PATHS).filter(([, p]) => p.preview === "github-actions").map(([s]) => s);
            assert.deepEqual(actionsPreviews.sort(), byActions.sort());
            for (const s of byActions) assert.equal(ROLES[s as keyof typeof ROLES]?.previewPullRequests ?? false, false, `${s} is previewed by both`);
        });

        it("nothing deploys on merge, and nothing in the workflow updates a stack", () => {
            for (const s of STACKS) assert.equal(ROLES[s].deployCommits, false, `${s} is deployed on every commit`);
            assert.ok(!/command:\s*(up|destroy|refresh)\b/.test(workflow), "the workflow runs more than preview");
        });

        it("leaves dev to developers: unreachable, so neither previewed nor deployed by anything in the cloud", () => {
            assert.equal(STACK_PATHS.dev.reachable, false);
            assert.ok(!(STACKS as readonly string[]).includes("dev"));
            assert.ok(!actionsPreviews.includes("dev"));
        });

        it("review stacks are Pulumi Deployments' alone: created from the pr template, which needs Pulumi.pr.yaml", () => {
            assert.equal(STACK_PATHS.pr.preview, "pulumi-deployments");
            assert.equal(ROLES.pr.pullRequestTemplate, true);
            assert.ok(fs.existsSync(path.join(__dirname, "..", "..", "Pulumi.pr.yaml")), "the template's config file is missing");
            assert.ok(!/\bpr\b/.test(actionsPreviews.join(" ")));
        });
    });

    describe("the program", () => {
        it("runs under mocks and exports the configured stacks", async () => {
            const r = await run(main);
            assert.deepEqual(r.result.stacks, ["example-org/research-platform/prod", "example-org/research-platform/pr"]);
            assert.equal(r.all(SETTINGS).length, 2);
        });

        it("pins @pulumi/pulumiservice 1.3.0 and @pulumi/pulumi 3.248.0", () => {
            const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { dependencies: Record<string, string> };
            assert.equal(pkg.dependencies["@pulumi/pulumiservice"], "1.3.0");
            assert.equal(pkg.dependencies["@pulumi/pulumi"], "3.248.0");
        });
    });
});
