import sharp from "sharp";
import { rng } from "./random.js";

/** A stress image: a name and the bytes a server receives. */
export interface StressInput {
  name: string;
  bytes: Buffer;
}

function pattern(width: number, height: number, channels: number, seed: number): Buffer {
  const next = rng(seed);
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) {
        // A gradient with noise: edges and smooth areas for the resamplers.
        raw[i + c] = ((x * (c + 3) * 7 + y * (5 - c) * 3) & 255) ^ Math.floor(next() * 24);
      }
    }
  }
  return raw;
}

async function png(
  width: number,
  height: number,
  channels: 1 | 2 | 3 | 4,
  seed: number,
  palette = false,
) {
  return sharp(pattern(width, height, channels, seed), { raw: { width, height, channels } })
    .png({ palette, compressionLevel: 1 })
    .toBuffer();
}

/**
 * Small images the llama.cpp and Ollama paths are checked on beside the fixtures: alpha that hides
 * colour, palette + tRNS, grey, grey+alpha, 16 bits, a transparent GIF, tiny and odd sizes, extreme
 * aspect ratios (1-px sides trip the bilinear assert) and one image over the 4,096-token cap.
 */
export async function mtmdStressInputs(): Promise<StressInput[]> {
  const rgba = pattern(40, 30, 4, 3);
  // Every other pixel fully transparent, with its colour kept.
  for (let i = 3; i < rgba.length; i += 8) rgba[i] = 0;
  const deep = new Uint16Array(33 * 21 * 3);
  const next = rng(5);
  for (let i = 0; i < deep.length; i++) deep[i] = Math.floor(next() * 65536);
  const big = Buffer.alloc(2100 * 2000 * 3);
  for (let y = 0; y < 2000; y++) {
    for (let x = 0; x < 2100; x++) {
      const i = (y * 2100 + x) * 3;
      big[i] = x & 255;
      big[i + 1] = y & 255;
      big[i + 2] = (x ^ y) & 255;
    }
  }
  return [
    {
      name: "alpha-hiding-colour.png",
      bytes: await sharp(rgba, { raw: { width: 40, height: 30, channels: 4 } })
        .png()
        .toBuffer(),
    },
    {
      name: "palette-trns.png",
      bytes: await sharp(rgba, { raw: { width: 40, height: 30, channels: 4 } })
        .png({ palette: true, colours: 16, dither: 0 })
        .toBuffer(),
    },
    { name: "palette.png", bytes: await png(45, 29, 3, 7, true) },
    { name: "grey.png", bytes: await png(31, 17, 1, 9) },
    { name: "grey-alpha.png", bytes: await png(29, 31, 2, 11) },
    {
      name: "rgb16.png",
      bytes: await sharp(Buffer.from(deep.buffer), {
        raw: { width: 33, height: 21, channels: 3, premultiplied: false },
      })
        .toColourspace("rgb16")
        .png()
        .toBuffer(),
    },
    {
      name: "transparent.gif",
      bytes: await sharp(rgba, { raw: { width: 40, height: 30, channels: 4 } })
        .gif()
        .toBuffer(),
    },
    { name: "tiny-1x1.png", bytes: await png(1, 1, 3, 13) },
    { name: "tiny-2x2.png", bytes: await png(2, 2, 3, 15) },
    { name: "odd-3x5.png", bytes: await png(3, 5, 3, 17) },
    { name: "odd-37x23.png", bytes: await png(37, 23, 3, 19) },
    { name: "grid-56x84.png", bytes: await png(56, 84, 3, 21) },
    { name: "wide-400x2.png", bytes: await png(400, 2, 3, 23) },
    { name: "tall-3x300.png", bytes: await png(3, 300, 3, 25) },
    { name: "line-199x1.png", bytes: await png(199, 1, 3, 27) },
    {
      name: "over-cap-2100x2000.png",
      bytes: await sharp(big, { raw: { width: 2100, height: 2000, channels: 3 } })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    },
    {
      name: "lossless.webp",
      bytes: await sharp(rgba, { raw: { width: 40, height: 30, channels: 4 } })
        .webp({ lossless: true, exact: true })
        .toBuffer(),
    },
    {
      name: "q90-420.jpg",
      bytes: await sharp(pattern(50, 38, 3, 29), { raw: { width: 50, height: 38, channels: 3 } })
        .jpeg({ quality: 90 })
        .toBuffer(),
    },
  ];
}
