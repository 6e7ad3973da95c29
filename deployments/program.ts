import * as pulumi from "@pulumi/pulumi";
import { declareDeployments, readSettings, STACKS } from "./settings";

/** The whole program: read and validate the config, declare the settings and schedules. */
export function main() {
    const settings = readSettings(new pulumi.Config(), pulumi.getOrganization());
    const deployments = declareDeployments(settings);
    return {
        /** The stacks configured, fully qualified. */
        stacks: STACKS.map((s) => `${settings.organization}/${settings.project}/${s}`),
        driftSchedule: deployments.drift.scheduleId,
    };
}
