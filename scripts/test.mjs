#!/usr/bin/env node
/* global process */
// npm test: the type-check (TypeScript 7, strict) and the whole mocha suite, side by side. The
// suite keeps both cores busy for half a minute, and the type-check, run first, added its two
// seconds in front of it; run beside it, it costs about one. Mocha's output streams as it runs;
// the type-check's errors follow it. Fails (exit 1) when either fails. Arguments go to mocha.
//
// The files that spawn processes run first, so that both workers end together rather than one
// waiting for the other (docs/performance.md).
import { spawn } from "node:child_process";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const FIRST = ["planTool", "delivery.workflows", "referenceData", "deferSdk"];
const specs = [...FIRST.map((f) => `tests/${f}.test.ts`), `tests/!(${FIRST.join("|")}).test.ts`];

function run(args, capture) {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, args, { cwd: root, stdio: capture ? ["ignore", "pipe", "pipe"] : "inherit" });
        let out = "";
        if (capture) for (const s of [child.stdout, child.stderr]) s.on("data", (d) => (out += d));
        child.on("error", (e) => resolve({ code: 1, out: `${out}${e.message}\n` }));
        child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
    });
}

const [types, tests] = await Promise.all([
    run([path.join(root, "node_modules", "typescript-7", "bin", "tsc"), "-p", "tsconfig.json", "--noEmit"], true),
    run([path.join(root, "node_modules", "mocha", "bin", "mocha.js"), ...specs, ...process.argv.slice(2)], false),
]);
if (types.code !== 0) {
    process.stderr.write(`\nnpm test: the type-check failed (tsc -p tsconfig.json --noEmit, TypeScript 7):\n${types.out}`);
}
process.exitCode = types.code !== 0 || tests.code !== 0 ? 1 : 0;
