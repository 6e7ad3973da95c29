// Entry point for `pulumi up` (compiled to bin/index.js by `npm run compile`): the stack outputs
// are the Platform's outputs.
import * as pulumi from "@pulumi/pulumi";
import { main } from "./program";
import { staleBuildProblem } from "./tools/lib/freshBuild";
import { findProjectDir } from "./tools/lib/projectDir";

const stale = staleBuildProblem(__filename, findProjectDir(__dirname));
if (stale) throw new pulumi.RunError(stale);

export = main();
