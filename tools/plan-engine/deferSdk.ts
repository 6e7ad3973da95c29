/**
 * Loaded first by the offline plan and by the tests (a side-effect import): defers three parts of
 * `@pulumi/pulumi` that it loads eagerly but that this program never uses. Two serve only function
 * serialization (dynamic providers, `pulumi.runtime.serializeFunction`):
 *
 * - `typescript-shim`, which loads the TypeScript compiler (to parse serialized functions);
 * - `runtime/closure/codePaths`, which loads npm's Arborist and its dependencies (to find the
 *   packages a serialized function needs);
 *
 * and one is `pulumi.automation`, the Automation API (`automation/index`, with execa, tmp and
 * their dependencies: about 80 modules and 40 ms).
 *
 * The first two were more than half of the time and the memory of loading the SDK (0.53 s and
 * 127 MB down to 0.23 s and 71 MB on the benchmark machine). Each is replaced in Node's module
 * cache by a stand-in that loads the real module on first use, so nothing changes for code that
 * does use them: it pays the load then. A stand-in is installed only when the SDK has that file
 * and has not loaded it yet; `tests/deferSdk.test.ts` checks that the stand-ins still mirror the
 * real modules' exports, so an SDK upgrade that changes them fails the tests rather than the plan.
 *
 * `pulumi up` does not use this: the Pulumi CLI's Node host loads the SDK before the program.
 */
import * as fs from "node:fs";
import Module from "node:module";
import * as path from "node:path";

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The deferred modules, relative to the SDK's folder, and how each is used by the SDK's own code. */
export const DEFERRED: readonly { file: string; use: { namespace: true; esModule?: true } | { functions: readonly string[] } }[] = [
    // Required as `const ts = require("../../typescript-shim")` and used as `ts.X` inside functions.
    { file: "typescript-shim.js", use: { namespace: true } },
    // `index.js` imports it as `__importStar(require("./automation"))`, which asks for `__esModule`
    // at once (a TypeScript-compiled module says true, and is then used as it is), and exports it
    // as `pulumi.automation`.
    { file: "automation/index.js", use: { namespace: true, esModule: true } },
    // `runtime/index.js` copies these functions at load (`exports.computeCodePaths = codePaths_1.computeCodePaths`).
    { file: "runtime/closure/codePaths.js", use: { functions: ["computeCodePaths", "findWorkspaceRoot"] } },
];

export function sdkDir(): string {
    return path.dirname(require.resolve("@pulumi/pulumi/package.json"));
}

/** Files (absolute) of the deferred modules that are stand-ins right now. */
export const deferred = new Set<string>();

function standIn(file: string, use: (typeof DEFERRED)[number]["use"]): unknown {
    let real: any;
    const load = () => {
        if (real === undefined) {
            delete require.cache[file];
            deferred.delete(file);
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            real = require(file);
        }
        return real;
    };
    if ("functions" in use) return Object.fromEntries(use.functions.map((name) => [name, (...args: unknown[]) => load()[name](...args)]));
    return new Proxy(
        {},
        {
            // Asked by `__importStar` when the SDK loads: answered without loading the module.
            get: (_, key) => ("esModule" in use && key === "__esModule" ? true : load()[key]),
            has: (_, key) => key in load(),
            ownKeys: () => Reflect.ownKeys(load()),
            getOwnPropertyDescriptor: (_, key) => {
                const d = Object.getOwnPropertyDescriptor(load(), key);
                // A proxy may not report a property as non-configurable when its (empty) target lacks it.
                return d && { ...d, configurable: true };
            },
        },
    );
}

/** Install the stand-ins (idempotent). Returns the files it deferred. */
export function deferUnusedSdkModules(dir: string = sdkDir()): string[] {
    const out: string[] = [];
    for (const d of DEFERRED) {
        const file = path.join(dir, d.file);
        if (require.cache[file] || !fs.existsSync(file)) continue;
        const m = new Module(file, module);
        m.filename = file;
        m.loaded = true;
        m.exports = standIn(file, d.use);
        require.cache[file] = m;
        deferred.add(file);
        out.push(file);
    }
    return out;
}

deferUnusedSdkModules();
