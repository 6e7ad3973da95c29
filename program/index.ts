/**
 * What `pulumi up` runs: validate config (before any resource exists), then build the platform.
 * The root `index.ts` (compiled to `bin/index.js`, which `Pulumi.yaml` names) calls `start`; the
 * tests and the offline plan run the same `main` under mocks.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "../config";
import { Platform } from "../components/platform";
import { staleBuildProblem } from "./freshBuild";
import { findProjectDir } from "./projectDir";

/** The whole program: validate config (before any resource exists), then build the platform. */
export function main(): Record<string, unknown> {
    const config = loadConfig();
    const platform = new Platform("platform", { config });
    return platform.stackOutputs;
}

/**
 * Run the program from its entry file (`__filename` of the root `index.ts`): refuse to run
 * JavaScript older than its TypeScript sources, then `main()`. The stack outputs are the
 * Platform's outputs.
 */
export function start(entryFile: string): Record<string, unknown> {
    const stale = staleBuildProblem(entryFile, findProjectDir(path.dirname(entryFile)));
    if (stale) throw new pulumi.RunError(stale);
    return main();
}
