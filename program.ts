import { loadConfig } from "./config";
import { Platform } from "./components/platform";

/** The whole program: validate config (before any resource exists), then build the platform. */
export function main(): Record<string, unknown> {
    const config = loadConfig();
    const platform = new Platform("platform", { config });
    return platform.stackOutputs;
}
