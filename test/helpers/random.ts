import { rng } from "../../scripts/random.js";

/** The one seeded PRNG of the scripts and the tests, so failures reproduce. */
export { rng };

/** Random RGBA, alpha included, so any use of alpha would show. */
export function randomImage(width: number, height: number, seed: number): Uint8Array {
  const next = rng(seed);
  const img = new Uint8Array(width * height * 4);
  for (let i = 0; i < img.length; i++) img[i] = Math.floor(next() * 256);
  return img;
}

/** Every byte (alpha too) moved by up to ±amplitude, clamped to 0-255. */
export function withNoise(img: Uint8Array, amplitude: number, seed: number): Uint8Array {
  const next = rng(seed);
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) {
    const v = (img[i] as number) + Math.round((next() * 2 - 1) * amplitude);
    out[i] = Math.max(0, Math.min(255, v));
  }
  return out;
}
