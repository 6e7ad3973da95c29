// Entry point for `pulumi up`: the stack outputs are the Platform's outputs.
import { main } from "./program";

export = main();
