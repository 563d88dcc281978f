/** RGBA pixels and their size. */
export interface RgbaImage {
  rgba: Buffer;
  width: number;
  height: number;
}

/**
 * The stored pixels turned the way an EXIF orientation (2-8) says a viewer shows them: 2-4
 * mirror or turn half-way, 5-8 swap width and height. 1 and undefined return the input.
 */
export function applyOrientation(image: RgbaImage, orientation: number | undefined): RgbaImage {
  if (orientation === undefined || orientation < 2 || orientation > 8) return image;
  const { rgba, width: w, height: h } = image;
  const swaps = orientation >= 5;
  const width = swaps ? h : w;
  const height = swaps ? w : h;
  // For each shown pixel (x, y), the stored pixel it comes from.
  const from: (x: number, y: number) => number = {
    2: (x: number, y: number) => y * w + (w - 1 - x),
    3: (x: number, y: number) => (h - 1 - y) * w + (w - 1 - x),
    4: (x: number, y: number) => (h - 1 - y) * w + x,
    5: (x: number, y: number) => x * w + y,
    6: (x: number, y: number) => (h - 1 - x) * w + y,
    7: (x: number, y: number) => (h - 1 - x) * w + (w - 1 - y),
    8: (x: number, y: number) => x * w + (w - 1 - y),
  }[orientation] as (x: number, y: number) => number;
  const out = Buffer.alloc(rgba.length);
  const stored = aligned(rgba);
  const src = new Uint32Array(stored.buffer, stored.byteOffset, stored.length / 4);
  const dst = new Uint32Array(out.buffer, out.byteOffset, out.length / 4);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o++) dst[o] = src[from(x, y)] as number;
  }
  return { rgba: out, width, height };
}

/** A buffer whose bytes a Uint32Array can view (Node's small pooled buffers may start anywhere). */
function aligned(bytes: Buffer): Buffer {
  if (bytes.byteOffset % 4 === 0) return bytes;
  const copy = Buffer.alloc(bytes.length);
  bytes.copy(copy);
  return copy;
}
