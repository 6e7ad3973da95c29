/**
 * Pulumi Deployments settings for the research-platform stacks. Run from this directory:
 *   pulumi stack init <org>/settings && pulumi config set repository <owner>/<name> && pulumi up
 * (see the README, "Pulumi Deployments").
 */
import { main } from "./program";

const out = main();
export const stacks = out.stacks;
export const driftSchedule = out.driftSchedule;
