import { Worker } from "node:worker_threads";
import { ssim } from "./ssim.js";

/** Below this, starting a worker (~30 ms) costs more than it saves. */
const WORKER_MIN_PIXELS = 2_000_000;

/** A whole SharedArrayBuffer can be handed to a worker as is; anything else is copied. */
function shareable(view: Uint8Array): SharedArrayBuffer | Uint8Array {
  const buffer = view.buffer;
  if (
    buffer instanceof SharedArrayBuffer &&
    view.byteOffset === 0 &&
    view.byteLength === buffer.byteLength
  ) {
    return buffer;
  }
  return view;
}

/**
 * SSIM is the slowest metric (about a second at 24 MP): on large images it runs in a worker
 * thread while the caller computes the others and libvips encodes the PNG.
 */
export function ssimOffThread(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): Promise<number | null> {
  if (width * height < WORKER_MIN_PIXELS) return Promise.resolve(ssim(a, b, width, height));
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./ssim-worker.js", import.meta.url));
    worker.once("message", (value: number | null) => {
      resolve(value);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.postMessage({ a: shareable(a), b: shareable(b), width, height });
  });
}

/** Copies pixels into shared memory, so a worker can read them without another copy. */
export function toShared(pixels: Buffer): Buffer {
  const shared = new SharedArrayBuffer(pixels.length);
  const copy = Buffer.from(shared);
  copy.set(pixels);
  return copy;
}
