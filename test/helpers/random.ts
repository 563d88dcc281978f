/** Deterministic PRNG (mulberry32) so failures reproduce. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
