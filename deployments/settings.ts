/**
 * Pulumi Deployments for the research-platform stacks, as code.
 *
 * `readSettings` validates this project's config up front (every problem names its key and the
 * fix); `declareDeployments` declares, per stack of the platform project that Pulumi Deployments
 * can reach (`STACK_PATHS` says who previews and updates each stack, one owner per stack):
 *   - `DeploymentSettings`: git source (branch, directory), the GitHub integration through the
 *     non-deprecated `vcs` block, pre-run `npm ci`, environment from Pulumi ESC and/or secret env vars;
 *   - `prod`: no pull-request previews here (the `pulumi` GitHub workflow previews prod), never
 *     deployed on its own; a `DriftSchedule` (remediation off unless configured);
 *   - `pr`: the review-stack template (`pullRequestTemplate`): one review stack per pull request,
 *     updated on each push, destroyed when the pull request is merged or closed, then deleted
 *     (`deleteAfterDestroy`).
 * `dev` is a kind cluster on a developer's laptop: nothing in Pulumi Cloud can reach it, so it gets
 * no settings (developers deploy it with `npm run deploy:dev`).
 */
import * as pulumi from "@pulumi/pulumi";
import * as service from "@pulumi/pulumiservice";

export const PROJECT = "research-platform-deployments";

/** The stacks of the platform project that get deployment settings: those Pulumi Deployments can reach. */
export const STACKS = ["prod", "pr"] as const;
export type StackName = (typeof STACKS)[number];

/**
 * One path per stack of the platform project: who previews it on a pull request and who updates
 * it. Every pull request also gets the offline plan diff of dev and prod (the `ci` workflow).
 * The `pulumi` workflow (.github/workflows/pulumi.yml) and this project's settings must agree with
 * it: a stack is previewed by GitHub Actions or by Pulumi Deployments, never both (the tests check).
 */
export const STACK_PATHS = {
    /** kind on a laptop: no hosted runner and no Deployments runner reaches it. */
    dev: { reachable: false, preview: "none", update: "a developer (npm run deploy:dev)" },
    /** A site's cluster: previewed by the `pulumi` workflow; updated by a person; drift detected here. */
    prod: { reachable: true, preview: "github-actions", update: "a person (pulumi up)" },
    /** Review stacks from the `pr` template: created, updated and destroyed by Pulumi Deployments. */
    pr: { reachable: true, preview: "pulumi-deployments", update: "pulumi-deployments" },
} as const;

/** Why a stack gets no deployment settings, for the problem that names it. */
const UNREACHABLE: Record<string, string> = {
    dev: "is the kind cluster on a developer's laptop, which Pulumi Deployments cannot reach: it gets no deployment settings",
};

export interface StackSettings {
    /** Pulumi ESC environment (`project/env`) added to the stack before the operation runs. */
    escEnvironment?: string;
    /** Plain environment variables for the operation. */
    environmentVariables: Record<string, string>;
}

export interface Settings {
    organization: string;
    /** The platform project whose stacks are configured. */
    project: string;
    /** GitHub repository, `owner/name`. */
    repository: string;
    /** Branch deployed and previewed against, e.g. `main`. */
    branch: string;
    /** Directory of the platform's Pulumi.yaml inside the repository. */
    repoDir: string;
    /** Only changes under these paths trigger deployments (empty: every change). */
    paths: string[];
    stacks: Record<StackName, StackSettings>;
    /** Secret environment variables per stack (values stay Pulumi secrets). */
    secretEnvironmentVariables: pulumi.Output<Partial<Record<StackName, Record<string, string>>>>;
    drift: { scheduleCron: string; autoRemediate: boolean };
    reviewStacks: { templateStack: string };
}

export class SettingsError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid configuration of ${PROJECT}:\n${problems.map((p) => `  ${p}`).join("\n")}`);
        this.name = "SettingsError";
    }
}

/** The subset of `pulumi.Config` that `readSettings` uses (so tests can pass a fake). */
export interface ConfigSource {
    get(key: string): string | undefined;
    getObject<T>(key: string): T | undefined;
    getSecretObject<T>(key: string): pulumi.Output<T> | undefined;
}

const CRON_FIELD = /^(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?(,(\*|[0-9]+(-[0-9]+)?)(\/[0-9]+)?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESC_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)?$/;
const REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;
const BRANCH = /^(?!\/)(?!.*\.\.)[A-Za-z0-9._/-]+(?<!\/)$/;

/** True when `cron` is a five-field cron expression with numeric fields. */
export function isCron(cron: string): boolean {
    const fields = cron.trim().split(/\s+/);
    return fields.length === 5 && fields.every((f) => CRON_FIELD.test(f));
}

function problem(key: string, what: string, fix: string): string {
    return `${PROJECT}:${key}: ${what}. Fix: ${fix}`;
}

/**
 * Validate this project's config. Throws a `SettingsError` listing every problem. The secret
 * environment variables are only ever handled as a secret Output: their names are checked when
 * the values resolve (`secretEnvironment`).
 */
export function readSettings(config: ConfigSource, defaultOrganization: string): Settings {
    const problems: string[] = [];

    const organization = config.get("organization") ?? defaultOrganization;
    const project = config.get("project") ?? "research-platform";
    const repository = config.get("repository");
    if (!repository) problems.push(problem("repository", "is not set", "pulumi config set repository <owner>/<name> (the GitHub repository of the platform)"));
    else if (!REPOSITORY.test(repository)) problems.push(problem("repository", `"${repository}" is not owner/name`, "set it to the GitHub repository as owner/name, e.g. my-org/research-platform"));

    const branch = (config.get("branch") ?? "main").replace(/^refs\/heads\//, "");
    if (!BRANCH.test(branch)) problems.push(problem("branch", `"${branch}" is not a branch name`, "set it to a branch name such as main"));

    const repoDir = config.get("repoDir") ?? ".";
    if (repoDir.startsWith("/") || repoDir.split("/").includes("..")) problems.push(problem("repoDir", `"${repoDir}" is not a path inside the repository`, "set it relative to the repository root, e.g. . or infra/platform"));

    const paths = config.getObject<unknown>("paths") ?? [];
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === "string" && p.length > 0)) problems.push(problem("paths", "must be a list of path globs", "set it with pulumi config set --path 'paths[0]' 'components/**' or remove it"));

    const rawStacks = config.getObject<Record<string, unknown>>("stacks") ?? {};
    const stacks = {} as Record<StackName, StackSettings>;
    if (typeof rawStacks !== "object" || rawStacks === null || Array.isArray(rawStacks)) {
        problems.push(problem("stacks", "must be an object keyed by stack (prod, pr)", "set e.g. pulumi config set --path stacks.prod.escEnvironment research-platform/prod"));
    } else {
        for (const key of Object.keys(rawStacks)) {
            if (UNREACHABLE[key]) problems.push(problem(`stacks.${key}`, UNREACHABLE[key], `remove stacks.${key}; deploy ${key} with npm run deploy:dev`));
            else if (!(STACKS as readonly string[]).includes(key)) problems.push(problem(`stacks.${key}`, "is not a stack this project configures", `use one of ${STACKS.join(", ")}`));
        }
    }
    for (const stack of STACKS) {
        const raw = (typeof rawStacks === "object" && rawStacks !== null ? (rawStacks as Record<string, unknown>)[stack] : undefined) ?? {};
        const s = raw as { escEnvironment?: unknown; environmentVariables?: unknown };
        const esc = s.escEnvironment;
        if (esc !== undefined && (typeof esc !== "string" || !ESC_NAME.test(esc))) {
            problems.push(problem(`stacks.${stack}.escEnvironment`, `"${String(esc)}" is not an ESC environment name`, "set it to <project>/<environment>, e.g. research-platform/" + stack));
        }
        const env = (s.environmentVariables ?? {}) as Record<string, unknown>;
        const environmentVariables: Record<string, string> = {};
        if (typeof env !== "object" || env === null || Array.isArray(env)) {
            problems.push(problem(`stacks.${stack}.environmentVariables`, "must be an object of NAME: value", "set e.g. pulumi config set --path stacks.prod.environmentVariables.LOG_LEVEL info"));
        } else {
            for (const [name, value] of Object.entries(env)) {
                if (!ENV_NAME.test(name)) problems.push(problem(`stacks.${stack}.environmentVariables.${name}`, "is not a valid environment variable name", "use letters, digits and _ and do not start with a digit"));
                else if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean") problems.push(problem(`stacks.${stack}.environmentVariables.${name}`, "must be a string", "quote the value"));
                else environmentVariables[name] = String(value);
            }
        }
        stacks[stack] = { escEnvironment: typeof esc === "string" ? esc : undefined, environmentVariables };
    }

    const drift = config.getObject<{ scheduleCron?: unknown; autoRemediate?: unknown }>("drift") ?? {};
    const scheduleCron = drift.scheduleCron ?? "0 5 * * *";
    if (typeof scheduleCron !== "string" || !isCron(scheduleCron)) problems.push(problem("drift.scheduleCron", `"${String(scheduleCron)}" is not a five-field cron expression`, "set it like \"0 5 * * *\" (daily at 05:00 UTC)"));
    const autoRemediate = drift.autoRemediate ?? false;
    if (typeof autoRemediate !== "boolean") problems.push(problem("drift.autoRemediate", "must be true or false", "set it to false (report drift only) or true (run pulumi up to remediate)"));

    const review = config.getObject<{ templateStack?: unknown; expiresAt?: unknown }>("reviewStacks") ?? {};
    const templateStack = review.templateStack ?? "pr";
    if (templateStack !== "pr") problems.push(problem("reviewStacks.templateStack", `"${String(templateStack)}" is not supported`, "the review-stack template is the pr stack (Pulumi.pr.yaml); remove the key"));
    // A TTL schedule belongs to the one stack it is created on (POST /api/stacks/{org}/{project}/{stack}/deployments/ttl/schedules):
    // on the template it would destroy only the empty template, never a review stack (those get the
    // template's config, not its schedules), so this project declares none. docs/deployments.md.
    if (review.expiresAt !== undefined) problems.push(problem("reviewStacks.expiresAt", "is no longer used: a TTL schedule on the pr template destroys only the (empty) template, not the review stacks, which Pulumi Deployments destroys when their pull request is merged or closed", "remove it with pulumi config rm --path reviewStacks.expiresAt"));

    if (problems.length > 0) throw new SettingsError(problems);

    const secretEnvironmentVariables = config.getSecretObject<Partial<Record<StackName, Record<string, string>>>>("secretEnvironmentVariables") ?? pulumi.secret({});
    return {
        organization,
        project,
        repository: repository!,
        branch,
        repoDir,
        paths: paths as string[],
        stacks,
        secretEnvironmentVariables,
        drift: { scheduleCron: (scheduleCron as string).trim(), autoRemediate: autoRemediate as boolean },
        reviewStacks: { templateStack: "pr" },
    };
}

/**
 * The operation's environment for one stack: the plain variables plus that stack's secret ones.
 * Throws a `SettingsError` for a bad name, a name set in both places, or an unknown stack.
 */
export function mergeEnvironment(plain: Record<string, string>, secrets: unknown, stack: StackName): Record<string, string> {
    const problems: string[] = [];
    const bad = (key: string, what: string, fix: string) => problems.push(problem(`secretEnvironmentVariables${key ? "." + key : ""}`, what, fix));
    if (typeof secrets !== "object" || secrets === null || Array.isArray(secrets)) {
        bad("", "must be an object keyed by stack", "set it with pulumi config set --secret --path secretEnvironmentVariables.prod.NAME value");
        throw new SettingsError(problems);
    }
    const all = secrets as Record<string, unknown>;
    for (const key of Object.keys(all)) {
        if (UNREACHABLE[key]) bad(key, UNREACHABLE[key], `remove secretEnvironmentVariables.${key}`);
        else if (!(STACKS as readonly string[]).includes(key)) bad(key, "is not a stack this project configures", `use one of ${STACKS.join(", ")}`);
    }
    const mine = (all[stack] ?? {}) as Record<string, unknown>;
    const env: Record<string, string> = { ...plain };
    for (const [name, value] of Object.entries(mine)) {
        if (!ENV_NAME.test(name)) bad(`${stack}.${name}`, "is not a valid environment variable name", "use letters, digits and _ and do not start with a digit");
        else if (name in plain) bad(`${stack}.${name}`, `is also set in stacks.${stack}.environmentVariables`, "keep the variable in one place only (the secret one)");
        else if (typeof value !== "string") bad(`${stack}.${name}`, "must be a string", "set it with pulumi config set --secret --path");
        else env[name] = value;
    }
    if (problems.length > 0) throw new SettingsError(problems);
    return env;
}

/** `mergeEnvironment` over the secret config: the result is a secret Output. */
export function secretEnvironment(settings: Settings, stack: StackName): pulumi.Output<Record<string, string>> {
    return settings.secretEnvironmentVariables.apply((all) => mergeEnvironment(settings.stacks[stack].environmentVariables, all, stack));
}

/** What each stack does with pull requests and commits. */
export const ROLES: Record<StackName, { previewPullRequests: boolean; deployCommits: boolean; pullRequestTemplate: boolean; deleteAfterDestroy: boolean }> = {
    // prod: the `pulumi` GitHub workflow previews pull requests (it also works with a self-managed
    // backend); deployed only by a person (pulumi up or the console). Nothing here previews it too.
    prod: { previewPullRequests: false, deployCommits: false, pullRequestTemplate: false, deleteAfterDestroy: false },
    // pr is the review-stack template; review stacks are thrown away once destroyed.
    pr: { previewPullRequests: false, deployCommits: false, pullRequestTemplate: true, deleteAfterDestroy: true },
};

/** Commands run before every operation, in the platform's directory. */
export function preRunCommands(settings: Settings, stack: StackName): string[] {
    // Pulumi.yaml runs the compiled program (bin/index.js): compile after installing.
    const commands = ["npm ci --no-audit --no-fund", "npm run compile"];
    const esc = settings.stacks[stack].escEnvironment;
    // Attaches the ESC environment to the checked-out stack file for this run only (the
    // environment's `environmentVariables` and `pulumiConfig` then apply to the operation).
    if (esc) commands.push(`pulumi config env add ${esc} --stack ${settings.organization}/${settings.project}/${stack} --yes`);
    return commands;
}

export interface Deployments {
    settings: Record<StackName, service.DeploymentSettings>;
    templateStack: service.Stack;
    drift: service.DriftSchedule;
}

export function declareDeployments(settings: Settings, opts: pulumi.ComponentResourceOptions = {}): Deployments {
    const { organization, project } = settings;

    // dev and prod are created by their operators (`pulumi stack init`); the template is owned here.
    const templateStack = new service.Stack("pr-template-stack", { organizationName: organization, projectName: project, stackName: settings.reviewStacks.templateStack, forceDestroy: false }, opts);

    const built = {} as Record<StackName, service.DeploymentSettings>;
    for (const stack of STACKS) {
        const role = ROLES[stack];
        const environmentVariables = secretEnvironment(settings, stack);
        built[stack] = new service.DeploymentSettings(
            `${stack}-deployment-settings`,
            {
                organization,
                project,
                stack,
                sourceContext: { git: { branch: `refs/heads/${settings.branch}`, repoDir: settings.repoDir } },
                vcs: {
                    provider: "github",
                    repository: settings.repository,
                    previewPullRequests: role.previewPullRequests,
                    deployCommits: role.deployCommits,
                    pullRequestTemplate: role.pullRequestTemplate,
                    ...(settings.paths.length > 0 ? { paths: settings.paths } : {}),
                },
                operationContext: {
                    preRunCommands: preRunCommands(settings, stack),
                    // Secret values stay secret: `environmentVariables` is an Output derived from a secret.
                    environmentVariables,
                    // `npm ci` above installs the dependencies from the lock file.
                    options: { skipInstallDependencies: true, deleteAfterDestroy: role.deleteAfterDestroy },
                },
            },
            { ...opts, dependsOn: stack === "pr" ? [templateStack] : [] },
        );
    }

    const drift = new service.DriftSchedule(
        "prod-drift-schedule",
        { organization, project, stack: "prod", scheduleCron: settings.drift.scheduleCron, autoRemediate: settings.drift.autoRemediate },
        { ...opts, dependsOn: [built.prod] },
    );

    return { settings: built, templateStack, drift };
}
