import { assertPixelPair } from "./psnr.js";
import { SSIM_WEIGHTS, ssim } from "./ssim.js";
import { SSIM_WASM_BASE64 } from "./ssim-wasm-module.js";
import { align16, lazyWasm, WASM_PAGE } from "./wasm.js";

interface Kernel {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  setup(
    width: number,
    ow: number,
    stride: number,
    lx: number,
    ly: number,
    lss: number,
    lxy: number,
    ring: number,
  ): void;
  rows(pa: number, pb: number, row0: number, n: number): void;
  total(): number;
}

const RADIUS = 5;
const WINDOW = 2 * RADIUS + 1;
const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;
/** RGBA bytes of each image copied into wasm memory at a time (whole rows, at least one). */
const CHUNK_BYTES = 1 << 20;
/** Beyond this much linear memory, use the JavaScript implementation instead. */
const MAX_WASM_BYTES = 1 << 30;

const load = lazyWasm<Kernel>(SSIM_WASM_BASE64);

/** Whether the WebAssembly SIMD SSIM kernel can run here (compiles it once, lazily). */
export function wasmAvailable(): boolean {
  return load() !== null;
}

/**
 * ssim() computed by a WebAssembly f64x2 SIMD kernel: same definition, same float64 operations
 * in the same order, so the result is bit-identical to ssim(). Streams rows like ssim() (wasm
 * memory is O(width): the filter ring plus ~1 MiB chunks of each image's rows copied in).
 * Falls back to ssim() when WebAssembly SIMD is unavailable. Null when either side is under
 * 11 pixels.
 */
export function ssimWasm(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
): number | null {
  assertPixelPair(a, b, width, height);
  if (width < WINDOW || height < WINDOW) return null;
  const k = load();
  const ow = width - 2 * RADIUS;
  const oh = height - 2 * RADIUS;
  const rowBytes = width * 4;
  const chunkRows = Math.max(1, Math.min(height, Math.floor(CHUNK_BYTES / rowBytes)));

  const lineBytes = align16((width + 2) * 8);
  const stride = ((ow + 1) >> 1) * 64;
  const lx = 64;
  const ly = lx + lineBytes;
  const lss = ly + lineBytes;
  const lxy = lss + lineBytes;
  const ring = lxy + lineBytes;
  const chunkA = ring + WINDOW * stride;
  const chunkBytes = align16(chunkRows * rowBytes + 8);
  const chunkB = chunkA + chunkBytes;
  const needed = chunkB + chunkBytes;
  if (k === null || needed > MAX_WASM_BYTES) return ssim(a, b, width, height);

  const have = k.memory.buffer.byteLength;
  if (needed > have) k.memory.grow(Math.ceil((needed - have) / WASM_PAGE));
  const memory = k.memory.buffer;
  const constants = new Float64Array(memory, 0, 8);
  for (let i = 0; i < 6; i++) constants[i] = SSIM_WEIGHTS[RADIUS + i] as number;
  constants[6] = C1;
  constants[7] = C2;
  const bytes = new Uint8Array(memory);

  k.setup(width, ow, stride, lx, ly, lss, lxy, ring);
  for (let row = 0; row < height; row += chunkRows) {
    const n = Math.min(chunkRows, height - row);
    const start = row * rowBytes;
    const end = start + n * rowBytes;
    bytes.set(a.subarray(start, end), chunkA);
    bytes.set(b.subarray(start, end), chunkB);
    k.rows(chunkA, chunkB, row, n);
  }
  return k.total() / (ow * oh);
}
