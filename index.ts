// Entry point for `pulumi up` (compiled to bin/index.js by `npm run compile`): the program lives in
// program/; the stack outputs are the Platform's outputs. (`./program/index`, not `./program`: a
// build from before program/ was a folder leaves a bin/program.js that `./program` would load.)
import { start } from "./program/index";

export = start(__filename);
