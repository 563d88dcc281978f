import sharp from "sharp";
import { rng } from "./random.js";

/** Seeded noise: a PNG of it is large, which pipe and budget tests need. */
export function noise(width: number, height: number, channels: 3 | 4 = 3, seed = 7): Buffer {
  const next = rng(seed);
  const raw = Buffer.alloc(width * height * channels);
  for (let i = 0; i < raw.length; i++) raw[i] = Math.floor(next() * 256);
  return raw;
}

export function noisePng(width: number, height: number): Promise<Buffer> {
  return sharp(noise(width, height), { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}
