/**
 * Pulumi Deployments settings for the research-platform stacks. Run from this directory:
 *   pulumi stack init <org>/settings && pulumi config set repository <owner>/<name> && pulumi up
 * (see docs/delivery.md, "Pulumi Deployments").
 */
import * as pulumi from "@pulumi/pulumi";
import { declareDeployments, readSettings, STACKS } from "./settings";

const settings = readSettings(new pulumi.Config(), pulumi.getOrganization());
const deployments = declareDeployments(settings);

/** The stacks configured, with what each does. */
export const stacks = STACKS.map((s) => `${settings.organization}/${settings.project}/${s}`);
export const driftSchedule = deployments.drift.scheduleId;
export const reviewStackTtl = deployments.reviewStackTtl.scheduleId;
