/**
 * A worker thread beside the plan's main thread, for the work of the check phase that can run in
 * parallel (the plan runs on machines with at least two cores). It is started before the program
 * runs, so it has loaded by the time the plan is ready.
 *
 * - It renders manifests as YAML: for a large plan (a thousand NVIDIA FLARE clients) the YAML is
 *   the largest part of the checks' time. It renders chunks from the front of the list; once the
 *   main thread's own checks are done, it renders chunks from the back, and the two meet in the
 *   middle. The output is byte for byte what `render.ts` writes on the main thread (the same
 *   `artifactYaml()`, from `manifests.ts`); if the worker fails, the main thread renders what is left.
 * - It runs a function of a compiled module that a check hands it (`call`), e.g. the Helm values
 *   check, whose schemas ajv compiles while the main thread runs the manifest check. The result
 *   must be plain data; a call that fails rejects, and the check does the work itself.
 */
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { artifactYaml } from "./manifests";
import type { OffThreadCall } from "./types";

/** Documents per message: small enough for the two threads to meet near the middle. */
const CHUNK = 25;

export interface PlanWorker {
    /**
     * Start rendering `docs` on the worker. `help()` renders the rest on the calling thread and
     * resolves with the YAML of every document, in order.
     */
    render(docs: readonly unknown[]): { help(): Promise<string[]> };
    call: OffThreadCall;
    close(): void;
}

/** The YAML of the documents from `start` on. */
type Chunk = { start: number; texts: string[] };
type Reply = Chunk | { id: number; result?: unknown; error?: string };

/** Start the worker (compiled JavaScript only: it loads this file's `.js`). */
export function startPlanWorker(): PlanWorker {
    const worker = new Worker(__filename.replace(/\.ts$/, ".js"));
    worker.unref();
    let failed: Error | undefined;
    const calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
    let nextCall = 0;
    const onChunk: ((r: Chunk) => void)[] = [];
    const onFail: (() => void)[] = [];
    // A worker that fails, or exits (closed, or gone without an error), answers nothing more: what waits on it stops waiting.
    const fail = (e: Error) => {
        failed ??= e;
        for (const c of calls.values()) c.reject(failed);
        calls.clear();
        for (const f of onFail) f();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the plan's worker thread exited (code ${code})`)));
    worker.on("message", (r: Reply) => {
        if ("id" in r) {
            const c = calls.get(r.id);
            calls.delete(r.id);
            if (r.error !== undefined) c?.reject(new Error(r.error));
            else c?.resolve(r.result);
        } else {
            for (const f of onChunk) f(r);
        }
    });
    return {
        render(docs) {
            const texts: (string | undefined)[] = new Array(docs.length);
            let front = 0; // next document to send to the worker
            let back = docs.length; // documents from here on are the main thread's
            let pending = 0; // chunks sent and not answered
            let wake: (() => void) | undefined;
            const send = () => {
                if (failed || front >= back) return;
                const start = front;
                const end = Math.min(front + CHUNK, back);
                front = end;
                pending++;
                worker.postMessage({ start, docs: docs.slice(start, end) });
            };
            onChunk.push(({ start, texts: got }) => {
                got.forEach((t, i) => (texts[start + i] = t));
                pending--;
                send();
                wake?.();
            });
            onFail.push(() => {
                pending = 0;
                wake?.();
            });
            // Two chunks in flight keep the worker busy while an answer travels back.
            send();
            send();
            return {
                async help() {
                    while (front < back) {
                        const start = Math.max(front, back - CHUNK);
                        for (let i = start; i < back; i++) texts[i] = artifactYaml(docs[i]);
                        back = start;
                        // Let the worker's answers in, and send it the next chunk.
                        await new Promise((resolve) => setImmediate(resolve));
                    }
                    while (pending > 0 && !failed) await new Promise<void>((resolve) => (wake = resolve));
                    // Anything a failed worker left undone.
                    return texts.map((t, i) => t ?? artifactYaml(docs[i]));
                },
            };
        },
        call<T>(file: string, fn: string, args: readonly unknown[]): Promise<T> {
            if (failed) return Promise.reject(failed);
            if (!file.endsWith(".js")) return Promise.reject(new Error(`${file}: the worker loads compiled modules only`));
            const id = nextCall++;
            return new Promise<T>((resolve, reject) => {
                calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
                try {
                    worker.postMessage({ id, file, fn, args });
                } catch (e) {
                    // Arguments that cannot be copied to the worker.
                    calls.delete(id);
                    reject(e);
                }
            });
        },
        close: () => void worker.terminate(),
    };
}

if (!isMainThread && parentPort) {
    const port = parentPort;
    port.on("message", (m: { start: number; docs: unknown[] } | { id: number; file: string; fn: string; args: unknown[] }) => {
        if (!("id" in m)) {
            port.postMessage({ start: m.start, texts: m.docs.map(artifactYaml) });
            return;
        }
        try {
            // eslint-disable-next-line @typescript-eslint/no-require-imports
            const f = require(m.file)[m.fn] as (...args: unknown[]) => unknown;
            if (typeof f !== "function") throw new Error(`${m.file} has no function ${m.fn}`);
            port.postMessage({ id: m.id, result: f(...m.args) });
        } catch (e) {
            port.postMessage({ id: m.id, error: e instanceof Error ? e.message : String(e) });
        }
    });
}
