/**
 * Renders manifests as YAML on a worker thread, beside the checks on the main thread: for a large
 * plan (a thousand NVIDIA FLARE clients) the YAML is the largest part of the checks' time, and the
 * plan runs on machines with at least two cores. The worker is started before the program runs,
 * so it has loaded by the time the manifests are ready. It renders chunks from the front of the
 * list; once the main thread's own checks are done, it renders chunks from the back, and the two
 * meet in the middle. The output is byte for byte what `render.ts` writes on the main thread (the
 * same `yaml()`, from `manifests.ts`); if the worker fails, the main thread renders what is left.
 */
import { Worker, isMainThread, parentPort } from "node:worker_threads";
import { yaml } from "./manifests";

/** Documents per message: small enough for the two threads to meet near the middle. */
const CHUNK = 25;

export interface RenderWorker {
    /**
     * Start rendering `docs` on the worker. `help()` renders the rest on the calling thread and
     * resolves with the YAML of every document, in order.
     */
    render(docs: readonly unknown[]): { help(): Promise<string[]> };
    close(): void;
}

/** Start the worker (compiled JavaScript only: it loads this file's `.js`). */
export function startRenderWorker(): RenderWorker {
    const worker = new Worker(__filename.replace(/\.ts$/, ".js"));
    worker.unref();
    let failed = false;
    worker.on("error", () => (failed = true));
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
            worker.on("message", ({ start, texts: got }: { start: number; texts: string[] }) => {
                got.forEach((t, i) => (texts[start + i] = t));
                pending--;
                send();
                wake?.();
            });
            worker.on("error", () => {
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
                        for (let i = start; i < back; i++) texts[i] = yaml(docs[i]);
                        back = start;
                        // Let the worker's answers in, and send it the next chunk.
                        await new Promise((resolve) => setImmediate(resolve));
                    }
                    while (pending > 0 && !failed) await new Promise<void>((resolve) => (wake = resolve));
                    // Anything a failed worker left undone.
                    return texts.map((t, i) => t ?? yaml(docs[i]));
                },
            };
        },
        close: () => void worker.terminate(),
    };
}

if (!isMainThread && parentPort) {
    const port = parentPort;
    port.on("message", ({ start, docs }: { start: number; docs: unknown[] }) => port.postMessage({ start, texts: docs.map(yaml) }));
}
