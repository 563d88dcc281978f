import sharp from "sharp";

/** Deterministic noise (xorshift32): a PNG of it is large, which pipe and budget tests need. */
export function noise(width: number, height: number, channels: 3 | 4 = 3, seed = 7): Buffer {
  const raw = Buffer.alloc(width * height * channels);
  let s = seed;
  for (let i = 0; i < raw.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    raw[i] = s & 0xff;
  }
  return raw;
}

export function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(noise(width, height), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
