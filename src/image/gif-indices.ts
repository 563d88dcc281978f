/** A GIF's first frame as Pillow holds it: one palette index per pixel. */
export interface GifIndices {
  width: number;
  height: number;
  /** width * height palette indices (mode "P"; mode "L" when the palette is a grey ramp). */
  indices: Uint8Array;
}

/**
 * The first frame's palette indices as Pillow 9.4 loads them (python-pillow/Pillow@a5bbab1
 * src/PIL/GifImagePlugin.py `_seek`, `load_prepare`; src/libImaging/GifDecode.c): the logical
 * screen, grown to hold the frame if it reaches past it, filled with the frame's transparent
 * index (0 without one), then the frame's decoded indices at its offset, de-interlaced. This is
 * what `np.array(image)` returns for an unconverted GIF. Undefined when the bytes hold no frame.
 */
export function pillowGifIndices(bytes: Uint8Array): GifIndices | undefined {
  if (bytes.length < 13) return undefined;
  const u16 = (at: number) => (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
  let width = u16(6);
  let height = u16(8);
  const screenFlags = bytes[10] as number;
  let pos = 13;
  if (screenFlags & 0x80) pos += 3 << ((screenFlags & 7) + 1);
  let transparency: number | undefined;
  while (pos < bytes.length) {
    const block = bytes[pos];
    if (block === 0x21) {
      const label = bytes[pos + 1];
      pos += 2;
      // Only the first sub-block of a graphic control extension is read.
      if (label === 0xf9 && (bytes[pos] as number) >= 4 && ((bytes[pos + 1] as number) & 1) === 1) {
        transparency = bytes[pos + 4];
      }
      pos = skipSubBlocks(bytes, pos);
    } else if (block === 0x2c) {
      const x0 = u16(pos + 1);
      const y0 = u16(pos + 3);
      const frameWidth = u16(pos + 5);
      const frameHeight = u16(pos + 7);
      const flags = bytes[pos + 9] as number;
      pos += 10;
      if (flags & 0x80) pos += 3 << ((flags & 7) + 1);
      width = Math.max(width, x0 + frameWidth);
      height = Math.max(height, y0 + frameHeight);
      const indices = new Uint8Array(width * height).fill(transparency ?? 0);
      const codeSize = bytes[pos] as number;
      const data = joinSubBlocks(bytes, pos + 1);
      const rows = rowOrder(frameHeight, (flags & 0x40) !== 0);
      let written = 0;
      const total = frameWidth * frameHeight;
      lzwDecode(data, codeSize, (index) => {
        if (written >= total) return false;
        const row = rows[Math.floor(written / frameWidth)] as number;
        indices[(y0 + row) * width + x0 + (written % frameWidth)] = index;
        written++;
        return true;
      });
      return { width, height, indices };
    } else {
      return undefined;
    }
  }
  return undefined;
}

function skipSubBlocks(bytes: Uint8Array, pos: number): number {
  let at = pos;
  while (at < bytes.length && bytes[at] !== 0) at += (bytes[at] as number) + 1;
  return at + 1;
}

function joinSubBlocks(bytes: Uint8Array, pos: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = pos;
  while (at < bytes.length && bytes[at] !== 0) {
    const size = bytes[at] as number;
    parts.push(bytes.subarray(at + 1, Math.min(bytes.length, at + 1 + size)));
    at += size + 1;
  }
  return Buffer.concat(parts);
}

/** The frame rows in the order the data stores them: interlaced frames in four passes. */
function rowOrder(height: number, interlaced: boolean): number[] {
  if (!interlaced) return Array.from({ length: height }, (_, y) => y);
  const rows: number[] = [];
  for (const [start, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const) {
    for (let y = start; y < height; y += step) rows.push(y);
  }
  return rows;
}

/** GIF's variable-width LZW; `emit` returns false once it wants no more indices. */
function lzwDecode(data: Uint8Array, minCodeSize: number, emit: (index: number) => boolean): void {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const prefix = new Int32Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const stack = new Uint8Array(4097);
  for (let i = 0; i < clear; i++) {
    suffix[i] = i;
    first[i] = i;
  }
  let size = minCodeSize + 1;
  let next = end + 1;
  let previous = -1;
  let bits = 0;
  let buffer = 0;
  let at = 0;
  for (;;) {
    while (bits < size) {
      if (at >= data.length) return;
      buffer |= (data[at++] as number) << bits;
      bits += 8;
    }
    const code = buffer & ((1 << size) - 1);
    buffer >>>= size;
    bits -= size;
    if (code === clear) {
      size = minCodeSize + 1;
      next = end + 1;
      previous = -1;
      continue;
    }
    if (code === end) return;
    let depth = 0;
    let current = code;
    if (previous === -1) {
      if (code >= clear) return;
    } else if (code >= next) {
      // The code being defined by this very step: the previous string plus its first index.
      if (code > next) return;
      stack[depth++] = first[previous] as number;
      current = previous;
    }
    while (current >= clear) {
      stack[depth++] = suffix[current] as number;
      current = prefix[current] as number;
    }
    stack[depth++] = current;
    if (previous !== -1 && next < 4096) {
      prefix[next] = previous;
      suffix[next] = current;
      first[next] = first[previous] as number;
      next++;
      if (next === 1 << size && size < 12) size++;
    }
    previous = code;
    while (depth > 0) if (!emit(stack[--depth] as number)) return;
  }
}
