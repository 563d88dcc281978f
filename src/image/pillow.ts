import type { Sharp } from "sharp";

/**
 * Where Pillow's `Image.open(f).convert("RGB")` reads other colours than a correct decoder, and
 * how to reproduce them. Each function returns RGBA with alpha 255, or undefined when the
 * image needs no special treatment.
 */

/** Pillow's MULDIV255: a*b/255 rounded, exactly as its C code computes it. */
function muldiv255(a: number, b: number): number {
  const t = a * b + 128;
  return ((t >> 8) + t) >> 8;
}

/**
 * CMYK: Pillow ignores any profile and computes R = (255-K) - C*(255-K)/255 per channel,
 * where libvips converts through a CMYK profile.
 */
export async function pillowCmyk(decoder: Sharp): Promise<Buffer> {
  const { data, info } = await decoder
    .pipelineColourspace("cmyk")
    .toColourspace("cmyk")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const pixels = info.width * info.height;
  const out = Buffer.alloc(pixels * 4);
  for (let i = 0, o = 0; i < pixels * info.channels; i += info.channels, o += 4) {
    const nk = 255 - (data[i + 3] as number);
    out[o] = Math.max(0, nk - muldiv255(data[i] as number, nk));
    out[o + 1] = Math.max(0, nk - muldiv255(data[i + 1] as number, nk));
    out[o + 2] = Math.max(0, nk - muldiv255(data[i + 2] as number, nk));
    out[o + 3] = 255;
  }
  return out;
}

/** 16-bit greyscale: Pillow opens it as 32-bit mode "I" and convert("RGB") clips at 255. */
export async function pillowGrey16(decoder: Sharp): Promise<Buffer> {
  const { data, info } = await decoder
    .toColourspace("grey16")
    .raw({ depth: "ushort" })
    .toBuffer({ resolveWithObject: true });
  const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
  const pixels = info.width * info.height;
  const out = Buffer.alloc(pixels * 4);
  for (let p = 0; p < pixels; p++) {
    const v = Math.min(255, samples[p * info.channels] as number);
    out.fill(v, p * 4, p * 4 + 3);
    out[p * 4 + 3] = 255;
  }
  return out;
}

/**
 * The colour a GIF's first frame stores under its transparent palette index. Pillow shows it
 * where libvips decodes transparent pixels as black; undefined when there is none.
 */
export function gifTransparentColour(bytes: Uint8Array): [number, number, number] | undefined {
  if (bytes.length < 13) return undefined;
  const packed = bytes[10] as number;
  let pos = 13;
  let globalTable: number | undefined;
  if (packed & 0x80) {
    globalTable = pos;
    pos += 3 * 2 ** ((packed & 7) + 1);
  }
  let transparentIndex: number | undefined;
  while (pos < bytes.length) {
    const block = bytes[pos];
    if (block === 0x21) {
      if (
        bytes[pos + 1] === 0xf9 &&
        bytes[pos + 2] === 4 &&
        ((bytes[pos + 3] as number) & 1) === 1
      ) {
        transparentIndex = bytes[pos + 6];
      }
      pos += 2;
      while (pos < bytes.length && bytes[pos] !== 0) pos += (bytes[pos] as number) + 1;
      pos += 1;
    } else if (block === 0x2c) {
      if (transparentIndex === undefined) return undefined;
      const local = bytes[pos + 9] as number;
      const table = local & 0x80 ? pos + 10 : globalTable;
      if (table === undefined) return undefined;
      const at = table + 3 * transparentIndex;
      if (at + 2 >= bytes.length) return undefined;
      return [bytes[at] as number, bytes[at + 1] as number, bytes[at + 2] as number];
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Stored colour under fully transparent pixels, alpha dropped, as Pillow's P -> RGB gives it. */
export function withGifTransparentColour(rgba: Buffer, colour: [number, number, number]): Buffer {
  const out = Buffer.from(rgba);
  for (let i = 0; i < out.length; i += 4) {
    if (out[i + 3] === 0) {
      out[i] = colour[0];
      out[i + 1] = colour[1];
      out[i + 2] = colour[2];
    }
    out[i + 3] = 255;
  }
  return out;
}
