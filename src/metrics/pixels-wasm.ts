import { type ChromaError, chromaError, chromaErrorFromSums } from "./chroma.js";
import { PIXELS_WASM_BASE64 } from "./pixels-wasm-module.js";
import { assertPixelPair, type ErrorStats, errorStats, errorStatsFromSums } from "./psnr.js";
import { align16, lazyWasm, WASM_PAGE } from "./wasm.js";

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  /** errorStats() sums of n pixels, added to results [changed, max, sum |d|, sum d²]. */
  errors(pa: number, pb: number, n: number): void;
  /** chromaError() sums of n pixels, added to results [Y², Cb², Cr², max |cb|/32, max |cr|/32]. */
  chroma(pa: number, pb: number, n: number): void;
}

/** Results area: float64s at the start of wasm memory. */
const RESULTS = 64;
/**
 * Pixels of each image copied into wasm memory at a time (1 MiB of RGBA): a multiple of
 * chroma.ts's 4096-pixel chunks, so the kernel's blocks fall on the same boundaries.
 */
const CHUNK_PIXELS = 1 << 18;

const load = lazyWasm<Kernel>(PIXELS_WASM_BASE64);

/** Whether the WebAssembly SIMD pixel kernels can run here (compiles them once, lazily). */
export function pixelsWasmAvailable(): boolean {
  return load() !== null;
}

/**
 * Copies a and b into wasm memory chunk by chunk (zero-padding both to whole 16-byte groups)
 * and runs `run` on each chunk; returns the float64 results area.
 */
function stream(
  k: Kernel,
  a: Uint8Array,
  b: Uint8Array,
  pixels: number,
  run: (pa: number, pb: number, n: number) => void,
): Float64Array {
  const chunkPixels = Math.min(pixels, CHUNK_PIXELS);
  const chunkBytes = align16(chunkPixels * 4);
  const chunkA = RESULTS;
  const chunkB = chunkA + chunkBytes;
  const needed = chunkB + chunkBytes;
  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / WASM_PAGE));
  const memory = k.memory.buffer;
  const results = new Float64Array(memory, 0, RESULTS / 8);
  results.fill(0);
  const bytes = new Uint8Array(memory);
  const end = pixels * 4;
  for (let start = 0; start < end; start += CHUNK_PIXELS * 4) {
    const stop = Math.min(end, start + CHUNK_PIXELS * 4);
    const length = stop - start;
    bytes.set(a.subarray(start, stop), chunkA);
    bytes.set(b.subarray(start, stop), chunkB);
    const padded = align16(length);
    if (padded > length) {
      bytes.fill(0, chunkA + length, chunkA + padded);
      bytes.fill(0, chunkB + length, chunkB + padded);
    }
    run(chunkA, chunkB, length / 4);
  }
  return results;
}

/**
 * errorStats() computed by a WebAssembly i8x16/i16x8/i32x4 SIMD kernel: the same exact integer
 * sums, so the result is identical. Streams ~1 MiB chunks of each image through wasm memory.
 * Falls back to errorStats() when WebAssembly SIMD is unavailable.
 */
export function errorStatsWasm(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): ErrorStats {
  assertPixelPair(a, b, width, height);
  const k = load();
  if (k === null) return errorStats(a, b, width, height);
  const pixels = width * height;
  const r = stream(k, a, b, pixels, (pa, pb, n) => k.errors(pa, pb, n));
  return errorStatsFromSums(pixels, r[0] as number, r[1] as number, r[2] as number, r[3] as number);
}

/**
 * chromaError() computed by a WebAssembly i32x4 SIMD kernel. Identical results: the kernel
 * reproduces chroma.ts's float64 sums exactly (see pixels.wat for why). Streams ~1 MiB chunks
 * of each image through wasm memory. Falls back to chromaError() when WebAssembly SIMD is
 * unavailable.
 */
export function chromaErrorWasm(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): ChromaError {
  assertPixelPair(a, b, width, height);
  const k = load();
  if (k === null) return chromaError(a, b, width, height);
  const pixels = width * height;
  const r = stream(k, a, b, pixels, (pa, pb, n) => k.chroma(pa, pb, n));
  // The kernel tracks max |cb/32|; cb itself is a multiple of 32.
  return chromaErrorFromSums(
    pixels,
    r[0] as number,
    r[1] as number,
    r[2] as number,
    (r[3] as number) * 32,
    (r[4] as number) * 32,
  );
}
