import { platformSchema } from "../../config";

/**
 * `--set`s that turn on every component of the platform (not `kubernetes` or `charts`, which are settings) (the stack file supplies the rest; MetalLB
 * gets an example range in case the stack leaves it off). Used by the tests over "everything
 * enabled" and by the benchmark.
 */
export const EVERY_COMPONENT_ON: readonly string[] = [
    ...Object.keys(platformSchema.shape)
        .filter((k) => k !== "kubernetes" && k !== "charts")
        .map((k) => `${k}.enabled=true`),
    'metallb.addresses=["10.10.255.200-10.10.255.250"]',
];
