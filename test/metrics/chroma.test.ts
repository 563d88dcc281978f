import assert from "node:assert/strict";
import { describe, test } from "node:test";
import sharp from "sharp";
import { type ChromaError, chromaError } from "../../src/metrics/chroma.js";
import { fixture } from "../helpers/cli.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";
import { rng } from "../helpers/random.js";

function rgba(...pixels: [number, number, number, number][]): Uint8Array {
  return Uint8Array.from(pixels.flat());
}

/** Random RGB kept within [lo, hi] so shifted copies stay in range; random alpha. */
function randomImage(width: number, height: number, seed: number, lo = 0, hi = 255): Uint8Array {
  const next = rng(seed);
  const img = new Uint8Array(width * height * 4);
  for (let i = 0; i < img.length; i++) {
    img[i] = i % 4 === 3 ? Math.floor(next() * 256) : lo + Math.floor(next() * (hi - lo + 1));
  }
  return img;
}

function shifted(img: Uint8Array, dr: number, dg: number, db: number): Uint8Array {
  const out = img.slice();
  for (let i = 0; i < out.length; i += 4) {
    out[i] = (out[i] as number) + dr;
    out[i + 1] = (out[i + 1] as number) + dg;
    out[i + 2] = (out[i + 2] as number) + db;
  }
  return out;
}

function close(actual: number | null, expected: number, tolerance: number, what: string): void {
  assert.ok(
    actual !== null && Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} vs ${expected}`,
  );
}

/** PSNR of a difference that is the same at every pixel. */
const uniformPsnr = (diff: number) => 20 * Math.log10(255 / Math.abs(diff));

// Independent float64 numpy version: full YCbCr planes, then differences.
const NUMPY_CHROMA = `
import json, sys
import numpy as np
w, h = int(sys.argv[1]), int(sys.argv[2])
raw = np.frombuffer(sys.stdin.buffer.read(), dtype=np.uint8).astype(np.float64)
def ycbcr(img):
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return (
        0.299 * r + 0.587 * g + 0.114 * b,
        128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
        128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
    )
a = ycbcr(raw[: w * h * 4].reshape(h, w, 4))
b = ycbcr(raw[w * h * 4 :].reshape(h, w, 4))
d = [x - y for x, y in zip(a, b)]
psnr = [float(10 * np.log10(255 ** 2 / np.mean(c ** 2))) for c in d]
print(json.dumps({
    "lumaPsnr": psnr[0], "cbPsnr": psnr[1], "crPsnr": psnr[2],
    "cbMaxDiff": float(np.abs(d[1]).max()), "crMaxDiff": float(np.abs(d[2]).max()),
}))
`;

async function jpegRoundTrip(path: string, subsampling: "4:2:0" | "4:4:4"): Promise<Uint8Array> {
  const jpeg = await sharp(path).jpeg({ quality: 75, chromaSubsampling: subsampling }).toBuffer();
  return new Uint8Array(await sharp(jpeg).ensureAlpha().raw().toBuffer());
}

describe("chromaError", () => {
  test("identical images: every PSNR null, no difference", () => {
    const a = randomImage(9, 5, 1);
    assert.deepEqual(chromaError(a, a.slice(), 9, 5), {
      cbPsnr: null,
      crPsnr: null,
      lumaPsnr: null,
      cbMaxDiff: 0,
      crMaxDiff: 0,
    });
  });

  test("hand-worked 2x1: R off by 10 in one pixel", () => {
    const a = rgba([10, 20, 30, 255], [100, 150, 200, 255]);
    const b = rgba([10, 20, 30, 255], [110, 150, 200, 255]);
    const c = chromaError(a, b, 2, 1);
    // ΔY = 0.299·10 = 2.99, ΔCb = −0.168736·10, ΔCr = 0.5·10, each averaged over 2 pixels.
    close(c.lumaPsnr, 10 * Math.log10(65025 / (2.99 ** 2 / 2)), 1e-12, "luma");
    close(c.lumaPsnr, 41.62767979883032, 1e-9, "luma literal");
    close(c.cbPsnr, 46.59694857229152, 1e-9, "cb");
    close(c.crPsnr, 37.16170347859854, 1e-9, "cr");
    assert.equal(c.cbMaxDiff, 1.68736);
    assert.equal(c.crMaxDiff, 5);
  });

  test("a grey shift moves luma only: Cb and Cr are exactly unchanged", () => {
    const a = randomImage(16, 8, 2, 0, 240);
    const c = chromaError(a, shifted(a, 7, 7, 7), 16, 8);
    assert.equal(c.cbPsnr, null);
    assert.equal(c.crPsnr, null);
    assert.equal(c.cbMaxDiff, 0);
    assert.equal(c.crMaxDiff, 0);
    close(c.lumaPsnr, uniformPsnr(7), 1e-9, "luma");
  });

  test("a shift along the Cb axis leaves luma and Cr almost untouched", () => {
    // G −5, B +26 is the closest small step to pure Cb (0, −0.344136, 1.772)·ΔCb.
    const dY = 0.587 * -5 + 0.114 * 26;
    const dCb = -0.331264 * -5 + 0.5 * 26;
    const dCr = -0.418688 * -5 - 0.081312 * 26;
    close(dY, 0.029, 1e-12, "ΔY");
    close(dCb, 14.65632, 1e-12, "ΔCb");
    close(dCr, -0.020672, 1e-12, "ΔCr");
    const a = randomImage(20, 10, 3, 5, 229);
    const c = chromaError(a, shifted(a, 0, -5, 26), 20, 10);
    close(c.cbPsnr, uniformPsnr(dCb), 1e-9, "cb");
    close(c.lumaPsnr, uniformPsnr(dY), 1e-9, "luma");
    close(c.crPsnr, uniformPsnr(dCr), 1e-9, "cr");
    assert.ok(c.cbPsnr !== null && c.cbPsnr < 25);
    assert.ok(c.lumaPsnr !== null && c.lumaPsnr > 78);
    assert.ok(c.crPsnr !== null && c.crPsnr > 80);
    close(c.cbMaxDiff, 14.65632, 1e-12, "cb max");
    close(c.crMaxDiff, 0.020672, 1e-12, "cr max");
  });

  test("alpha is ignored", () => {
    const a = randomImage(7, 7, 4);
    const b = randomImage(7, 7, 5);
    const opaque = b.slice();
    for (let i = 3; i < opaque.length; i += 4) opaque[i] = 255;
    assert.deepEqual(chromaError(a, b, 7, 7), chromaError(a, opaque, 7, 7));
  });

  test("more than one accumulation chunk; empty image; mismatched sizes", () => {
    const a = randomImage(100, 50, 6, 0, 250);
    const c = chromaError(a, shifted(a, 5, 0, 0), 100, 50);
    close(c.lumaPsnr, uniformPsnr(0.299 * 5), 1e-9, "luma");
    close(c.cbPsnr, uniformPsnr(0.168736 * 5), 1e-9, "cb");
    close(c.crPsnr, uniformPsnr(0.5 * 5), 1e-9, "cr");
    assert.deepEqual(chromaError(new Uint8Array(0), new Uint8Array(0), 0, 0), {
      cbPsnr: null,
      crPsnr: null,
      lumaPsnr: null,
      cbMaxDiff: 0,
      crMaxDiff: 0,
    });
    assert.throws(() => chromaError(a, a, 100, 49), RangeError);
  });

  test("agrees with a float64 numpy version on 64x48 pairs", {
    skip: skipUnlessPython(["numpy"]),
  }, () => {
    const random = randomImage(64, 48, 7);
    const noisy = random.slice();
    const next = rng(8);
    for (let i = 0; i < noisy.length; i++) {
      if (i % 4 === 3) continue;
      noisy[i] = Math.max(0, Math.min(255, (noisy[i] as number) + Math.round((next() - 0.5) * 10)));
    }
    const cases: [string, Uint8Array, Uint8Array][] = [
      ["random pair", random, randomImage(64, 48, 9)],
      ["noisy copy", random, noisy],
    ];
    for (const [name, a, b] of cases) {
      const theirs = JSON.parse(
        runPython(NUMPY_CHROMA, ["64", "48"], Buffer.concat([a, b])).toString(),
      ) as Required<{ [K in keyof ChromaError]: number }>;
      const ours = chromaError(a, b, 64, 48);
      for (const key of ["lumaPsnr", "cbPsnr", "crPsnr", "cbMaxDiff", "crMaxDiff"] as const) {
        close(ours[key], theirs[key], 1e-9, `${name} ${key}`);
      }
    }
  });

  test("text-and-lines.png at JPEG q75: 4:2:0 loses far more chroma than 4:4:4, luma alike", async () => {
    const path = fixture("text-and-lines.png");
    const { data, info } = await sharp(path)
      .ensureAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const source = new Uint8Array(data);
    const sub = chromaError(source, await jpegRoundTrip(path, "4:2:0"), info.width, info.height);
    const full = chromaError(source, await jpegRoundTrip(path, "4:4:4"), info.width, info.height);
    const detail = `4:2:0 ${JSON.stringify(sub)} 4:4:4 ${JSON.stringify(full)}`;
    for (const c of [sub, full]) {
      assert.ok(c.cbPsnr !== null && c.crPsnr !== null && c.lumaPsnr !== null, detail);
    }
    const cbLoss = (full.cbPsnr as number) - (sub.cbPsnr as number);
    const crLoss = (full.crPsnr as number) - (sub.crPsnr as number);
    const lumaLoss = Math.abs((full.lumaPsnr as number) - (sub.lumaPsnr as number));
    // Measured with sharp 0.35.5 (libvips 8.18.7, mozjpeg): Cb 17 dB, Cr 12 dB, luma 1.8 dB apart.
    assert.ok(cbLoss > 8, `Cb only ${cbLoss} dB lower: ${detail}`);
    assert.ok(crLoss > 6, `Cr only ${crLoss} dB lower: ${detail}`);
    assert.ok(lumaLoss < Math.min(cbLoss, crLoss) / 2, `luma moved ${lumaLoss} dB: ${detail}`);
    // Red and blue 1-px strokes are smeared across 2x2 blocks: large single-pixel errors.
    assert.ok(sub.cbMaxDiff > full.cbMaxDiff && sub.crMaxDiff > full.crMaxDiff, detail);
  });
});
