import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SSIM_WEIGHTS, ssim } from "../../src/metrics/index.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";
import { randomImage, rng } from "../helpers/random.js";

const C1 = (0.01 * 255) ** 2;
const C2 = (0.03 * 255) ** 2;

function withNoise(img: Uint8Array, amplitude: number, seed: number): Uint8Array {
  const next = rng(seed);
  const out = img.slice();
  for (let i = 0; i < out.length; i++) {
    if (i % 4 === 3) continue;
    const v = (out[i] as number) + Math.round((next() - 0.5) * 2 * amplitude);
    out[i] = Math.max(0, Math.min(255, v));
  }
  return out;
}

/** Smooth gradient plus texture: closer to a photo than uniform noise. */
function photoLike(width: number, height: number, seed: number): Uint8Array {
  const next = rng(seed);
  const img = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 4;
      const base = 128 + 80 * Math.sin(x / 9) * Math.cos(y / 7);
      for (let c = 0; c < 3; c++) {
        img[p + c] = Math.max(0, Math.min(255, Math.round(base + 20 * c + (next() - 0.5) * 30)));
      }
      img[p + 3] = 255;
    }
  }
  return img;
}

function gray(width: number, height: number, value: number): Uint8Array {
  const img = new Uint8Array(width * height * 4).fill(value);
  for (let i = 3; i < img.length; i += 4) img[i] = 255;
  return img;
}

/** Direct 2-D definition, O(n·121): the reference the streamed version must reproduce. */
function naiveSsim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const luma = (img: Uint8Array, i: number) =>
    0.299 * (img[i * 4] as number) +
    0.587 * (img[i * 4 + 1] as number) +
    0.114 * (img[i * 4 + 2] as number);
  const w = SSIM_WEIGHTS;
  let total = 0;
  let count = 0;
  for (let cy = 5; cy < height - 5; cy++) {
    for (let cx = 5; cx < width - 5; cx++) {
      let mx = 0;
      let my = 0;
      let exx = 0;
      let eyy = 0;
      let exy = 0;
      for (let dy = -5; dy <= 5; dy++) {
        for (let dx = -5; dx <= 5; dx++) {
          const weight = (w[dy + 5] as number) * (w[dx + 5] as number);
          const i = (cy + dy) * width + cx + dx;
          const x = luma(a, i);
          const y = luma(b, i);
          mx += weight * x;
          my += weight * y;
          exx += weight * x * x;
          eyy += weight * y * y;
          exy += weight * x * y;
        }
      }
      const vx = exx - mx * mx;
      const vy = eyy - my * my;
      const cxy = exy - mx * my;
      total += ((2 * mx * my + C1) * (2 * cxy + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      count++;
    }
  }
  return total / count;
}

// Independent numpy implementation: five separately filtered planes, 'valid' region.
const NUMPY_SSIM = `
import sys
import numpy as np
w, h = int(sys.argv[1]), int(sys.argv[2])
raw = np.frombuffer(sys.stdin.buffer.read(), dtype=np.uint8).astype(np.float64)
a = raw[: w * h * 4].reshape(h, w, 4)
b = raw[w * h * 4 :].reshape(h, w, 4)
def luma(img):
    return 0.299 * img[:, :, 0] + 0.587 * img[:, :, 1] + 0.114 * img[:, :, 2]
k = np.arange(-5, 6, dtype=np.float64)
g = np.exp(-(k ** 2) / (2 * 1.5 ** 2))
g /= g.sum()
def blur(p):
    rows = np.stack([np.convolve(r, g, mode="valid") for r in p])
    return np.stack([np.convolve(c, g, mode="valid") for c in rows.T]).T
x, y = luma(a), luma(b)
ux, uy = blur(x), blur(y)
vx = blur(x * x) - ux * ux
vy = blur(y * y) - uy * uy
vxy = blur(x * y) - ux * uy
c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux ** 2 + uy ** 2 + c1) * (vx + vy + c2))
print(repr(float(s.mean())))
`;

function numpySsim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const out = runPython(NUMPY_SSIM, [String(width), String(height)], Buffer.concat([a, b]));
  return Number(out.toString().trim());
}

describe("SSIM_WEIGHTS", () => {
  test("11 symmetric Gaussian weights (sigma 1.5) summing to 1", () => {
    assert.equal(SSIM_WEIGHTS.length, 11);
    const sum = SSIM_WEIGHTS.reduce((s, v) => s + v, 0);
    assert.ok(Math.abs(sum - 1) < 1e-15, `sum ${sum}`);
    for (let k = 0; k < 11; k++) assert.equal(SSIM_WEIGHTS[k], SSIM_WEIGHTS[10 - k]);
    const centre = SSIM_WEIGHTS[5] as number;
    for (let k = 1; k <= 5; k++) {
      const ratio = (SSIM_WEIGHTS[5 + k] as number) / centre;
      assert.ok(Math.abs(ratio - Math.exp(-(k * k) / 4.5)) < 1e-15);
    }
  });
});

describe("ssim", () => {
  test("identical images give 1", () => {
    const a = randomImage(29, 17, 1);
    const value = ssim(a, a.slice(), 29, 17);
    assert.ok(value !== null && Math.abs(value - 1) < 1e-12, `got ${value}`);
  });

  test("two constant images match the closed form (2xy+C1)/(x²+y²+C1)", () => {
    const value = ssim(gray(16, 16, 100), gray(16, 16, 110), 16, 16);
    const expected = (2 * 100 * 110 + C1) / (100 ** 2 + 110 ** 2 + C1);
    assert.ok(value !== null && Math.abs(value - expected) < 1e-12, `got ${value}`);
    assert.ok(Math.abs(expected - 0.9954764440915066) < 1e-15);
  });

  test("null below 11 pixels on either side; 11x11 has one window", () => {
    assert.equal(ssim(gray(10, 20, 0), gray(10, 20, 0), 10, 20), null);
    assert.equal(ssim(gray(20, 10, 0), gray(20, 10, 0), 20, 10), null);
    assert.equal(ssim(new Uint8Array(0), new Uint8Array(0), 0, 0), null);
    const a = randomImage(11, 11, 2);
    const b = randomImage(11, 11, 3);
    const value = ssim(a, b, 11, 11);
    assert.ok(value !== null);
    assert.ok(Math.abs(value - naiveSsim(a, b, 11, 11)) < 1e-10);
  });

  test("alpha is ignored", () => {
    const a = photoLike(20, 15, 4);
    const b = withNoise(a, 10, 5);
    const translucent = b.slice();
    for (let i = 3; i < translucent.length; i += 4) translucent[i] = i % 7;
    assert.equal(ssim(a, b, 20, 15), ssim(a, translucent, 20, 15));
  });

  test("mismatched sizes are a RangeError", () => {
    assert.throws(() => ssim(gray(11, 11, 0), gray(11, 12, 0), 11, 11), RangeError);
  });

  test("streamed result equals the direct 2-D definition on a random 30x20 pair", () => {
    const a = randomImage(30, 20, 6);
    const b = randomImage(30, 20, 7);
    const value = ssim(a, b, 30, 20);
    const expected = naiveSsim(a, b, 30, 20);
    assert.ok(value !== null && Math.abs(value - expected) < 1e-10, `${value} vs ${expected}`);
    const c = withNoise(a, 20, 8);
    const close = ssim(a, c, 30, 20);
    assert.ok(close !== null && Math.abs(close - naiveSsim(a, c, 30, 20)) < 1e-10);
  });

  test("agrees with an independent numpy implementation", {
    skip: skipUnlessPython(["numpy"]),
  }, () => {
    const cases: [string, Uint8Array, Uint8Array, number, number][] = [
      ["random 37x23", randomImage(37, 23, 10), randomImage(37, 23, 11), 37, 23],
      ["random 64x64", randomImage(64, 64, 12), randomImage(64, 64, 13), 64, 64],
    ];
    const noisy = randomImage(64, 64, 14);
    cases.push(["64x64 plus noise", noisy, withNoise(noisy, 12, 15), 64, 64]);
    const photo = photoLike(37, 23, 16);
    cases.push(["photo-like 37x23 plus noise", photo, withNoise(photo, 6, 17), 37, 23]);
    for (const [name, a, b, w, h] of cases) {
      const ours = ssim(a, b, w, h);
      const theirs = numpySsim(a, b, w, h);
      assert.ok(Number.isFinite(theirs), `${name}: numpy printed ${theirs}`);
      assert.ok(
        ours !== null && Math.abs(ours - theirs) < 1e-9,
        `${name}: ${ours} vs numpy ${theirs}`,
      );
    }
  });
});
