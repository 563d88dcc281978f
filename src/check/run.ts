import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import type { CheckItem, CheckJob, CheckTotals } from "./types.js";

/** A worker thread with sharp loaded, before it holds any image (measured: about 35 MB). */
export const WORKER_BASE_BYTES = 40 * 1024 ** 2;
/**
 * A worker's peak per pixel of the image it compares (measured about 15 on 12 and 24 MP
 * photos): the decoded RGBA and Pillow views, the JPEG and PNG payloads, the JPEG decoded back,
 * and the metrics' and diff's buffers.
 */
export const WORKER_BYTES_PER_PIXEL = 16;

/** The most one worker may hold while comparing an image of `maxInputPixels` pixels. */
export function workerMemoryBound(maxInputPixels: number): number {
  return WORKER_BASE_BYTES + WORKER_BYTES_PER_PIXEL * maxInputPixels;
}

/** Worker threads a run starts: as many as asked for, never more than there are images. */
export function workerCount(requested: number, images: number): number {
  return Math.max(1, Math.min(requested, images));
}

export interface RunOptions {
  /** Worker threads to run at once (each compares one image at a time). */
  jobs: number;
  /** Aborting stops the workers; the run resolves with what finished. */
  signal?: AbortSignal;
  /**
   * Cases already failed before any comparison (found but unreadable while discovering): they
   * are recorded first and count in the totals like any other error.
   */
  failed?: readonly CheckItem[];
  /** Called as each image finishes, in finishing order. */
  onItem?: (item: CheckItem, finished: number, total: number) => void;
}

export interface CheckRun {
  items: CheckItem[];
  totals: CheckTotals;
  /** Worker threads started at once. */
  workers: number;
}

const WORKER = new URL("./worker.js", import.meta.url);

/**
 * Workers left over from earlier runs in this process. Starting one costs about 0.45 s of CPU
 * (sharp, the pipeline's modules, WebAssembly), more than comparing a small image, so a library
 * or test calling check() again reuses them. They are unreferenced while idle, so they never
 * keep the process alive; at most one per core is kept.
 */
const idle: Worker[] = [];

/** Thread ids of the idle workers, oldest first. */
export function idleWorkerIds(): number[] {
  return idle.map((worker) => worker.threadId);
}

/** The listeners an idle worker carries, removed when it is taken again. */
const idleListeners = new WeakMap<Worker, () => void>();

function takeWorker(): Worker {
  const worker = idle.pop();
  // Loaded here, not at the top: the settings table reads this module's sizes for --help.
  if (worker === undefined)
    return new (process.getBuiltinModule("node:worker_threads").Worker)(WORKER);
  idleListeners.get(worker)?.();
  worker.ref();
  return worker;
}

/** Keeps a worker whose run's own listeners are already removed, or ends it. */
function releaseWorker(worker: Worker): void {
  if (idle.length >= availableParallelism()) {
    void worker.terminate();
    return;
  }
  // A worker that dies while idle is simply forgotten.
  const forget = () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
  };
  worker.on("error", forget);
  worker.on("exit", forget);
  idleListeners.set(worker, () => {
    worker.off("error", forget);
    worker.off("exit", forget);
  });
  worker.unref();
  idle.push(worker);
}

function totalsOf(items: CheckItem[], durationMs: number, interrupted: boolean): CheckTotals {
  return {
    images: items.length,
    passed: items.filter((i) => i.status === "passed").length,
    failed: items.filter((i) => i.status === "failed").length,
    errors: items.filter((i) => i.status === "error").length,
    durationMs,
    interrupted,
  };
}

/**
 * Compares every job's image in a pool of worker threads: sharp's libvips work and imgenc's
 * JavaScript metrics both run off the main thread, so N workers use N cores.
 */
export function runCheck(jobs: readonly CheckJob[], options: RunOptions): Promise<CheckRun> {
  const started = performance.now();
  const items: CheckItem[] = [];
  const queue = [...jobs];
  const known = options.failed ?? [];
  const total = known.length + jobs.length;
  const workers = new Set<Worker>();
  const count = jobs.length === 0 ? 0 : workerCount(options.jobs, jobs.length);
  let settled = false;

  return new Promise((resolve) => {
    const finish = (interrupted: boolean) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      // Interrupted workers are busy with an image: end them. After a whole run each worker is
      // between images and goes back to the idle pool.
      if (interrupted) for (const worker of workers) void worker.terminate();
      resolve({
        items,
        totals: totalsOf(items, performance.now() - started, interrupted),
        workers: count,
      });
    };
    const onAbort = () => finish(true);
    if (options.signal?.aborted) return finish(true);
    options.signal?.addEventListener("abort", onAbort);

    const record = (item: CheckItem) => {
      items.push(item);
      options.onItem?.(item, items.length, total);
      if (items.length === total) finish(false);
    };

    const start = () => {
      const worker = takeWorker();
      workers.add(worker);
      let current: CheckJob | undefined;
      const next = () => {
        current = queue.shift();
        if (current === undefined) {
          workers.delete(worker);
          worker.off("message", onMessage);
          worker.off("error", onError);
          releaseWorker(worker);
          return;
        }
        worker.postMessage(current);
      };
      const onMessage = (item: CheckItem) => {
        if (settled) return;
        record(item);
        next();
      };
      // A worker that dies (out of memory, a native crash) fails its image; the run goes on.
      const onError = (error: Error) => {
        workers.delete(worker);
        if (settled || current === undefined) return;
        record({
          file: current.file,
          status: "error",
          durationMs: 0,
          error: { code: "internal", message: `worker failed: ${error.message}` },
        });
        if (queue.length > 0) start();
      };
      worker.on("message", onMessage);
      worker.on("error", onError);
      next();
    };

    for (const item of known) record(item);
    if (total === 0) return finish(false);
    for (let i = 0; i < count; i++) start();
  });
}
