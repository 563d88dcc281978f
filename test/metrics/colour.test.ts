import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ciede2000, deltaE, srgbToLab } from "../../src/metrics/colour.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";
import { randomImage, rng } from "../helpers/random.js";

type Lab = [number, number, number];

function uniform(width: number, height: number, rgb: [number, number, number]): Uint8Array {
  const img = new Uint8Array(width * height * 4);
  for (let i = 0; i < img.length; i += 4) img.set([...rgb, 255], i);
  return img;
}

/** A copy with small RGB noise; about a quarter of the pixels are left identical. */
function nearCopy(img: Uint8Array, seed: number): Uint8Array {
  const next = rng(seed);
  const out = img.slice();
  for (let i = 0; i < out.length; i += 4) {
    if (next() < 0.25) continue;
    for (let c = 0; c < 3; c++) {
      const v = (out[i + c] as number) + Math.round((next() - 0.5) * 12);
      out[i + c] = Math.max(0, Math.min(255, v));
    }
  }
  return out;
}

function close(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual} vs ${expected} (off by ${Math.abs(actual - expected)})`,
  );
}

// Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
// supplementary test data, and mathematical observations", Table 1: L1 a1 b1 L2 a2 b2 ΔE00.
// Pairs 7-8 have a zero chroma and 9-16 sit at the 180° hue-mean discontinuity.
const SHARMA: readonly (readonly number[])[] = [
  [50.0, 2.6772, -79.7751, 50.0, 0.0, -82.7485, 2.0425],
  [50.0, 3.1571, -77.2803, 50.0, 0.0, -82.7485, 2.8615],
  [50.0, 2.8361, -74.02, 50.0, 0.0, -82.7485, 3.4412],
  [50.0, -1.3802, -84.2814, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -1.1848, -84.8006, 50.0, 0.0, -82.7485, 1.0],
  [50.0, -0.9009, -85.5211, 50.0, 0.0, -82.7485, 1.0],
  [50.0, 0.0, 0.0, 50.0, -1.0, 2.0, 2.3669],
  [50.0, -1.0, 2.0, 50.0, 0.0, 0.0, 2.3669],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0009, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.001, 7.1792],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0011, 7.2195],
  [50.0, 2.49, -0.001, 50.0, -2.49, 0.0012, 7.2195],
  [50.0, -0.001, 2.49, 50.0, 0.0009, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.001, -2.49, 4.8045],
  [50.0, -0.001, 2.49, 50.0, 0.0011, -2.49, 4.7461],
  [50.0, 2.5, 0.0, 50.0, 0.0, -2.5, 4.3065],
  [50.0, 2.5, 0.0, 73.0, 25.0, -18.0, 27.1492],
  [50.0, 2.5, 0.0, 61.0, -5.0, 29.0, 22.8977],
  [50.0, 2.5, 0.0, 56.0, -27.0, -3.0, 31.903],
  [50.0, 2.5, 0.0, 58.0, 24.0, 15.0, 19.4535],
  [50.0, 2.5, 0.0, 50.0, 3.1736, 0.5854, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2972, 0.0, 1.0],
  [50.0, 2.5, 0.0, 50.0, 1.8634, 0.5757, 1.0],
  [50.0, 2.5, 0.0, 50.0, 3.2592, 0.335, 1.0],
  [60.2574, -34.0099, 36.2677, 60.4626, -34.1751, 39.4387, 1.2644],
  [63.0109, -31.0961, -5.8663, 62.8187, -29.7946, -4.0864, 1.263],
  [61.2901, 3.7196, -5.3901, 61.4292, 2.248, -4.962, 1.8731],
  [35.0831, -44.1164, 3.7933, 35.0232, -40.0716, 1.5901, 1.8645],
  [22.7233, 20.0904, -46.694, 23.0331, 14.973, -42.5619, 2.0373],
  [36.4612, 47.858, 18.3852, 36.2715, 50.5065, 21.2231, 1.4146],
  [90.8027, -2.0831, 1.441, 91.1528, -1.6435, 0.0447, 1.4441],
  [90.9257, -0.5406, -0.9208, 88.6381, -0.8985, -0.7239, 1.5381],
  [6.7747, -0.2908, -2.4247, 5.8714, -0.0985, -2.2286, 0.6377],
  [2.0776, 0.0795, -1.135, 0.9033, -0.0636, -0.5514, 0.9082],
];

function pair(row: readonly number[]): [Lab, Lab, number] {
  const [L1, a1, b1, L2, a2, b2, dE] = row as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return [[L1, a1, b1], [L2, a2, b2], dE];
}

/** sRGB → Lab in numpy, with the constants as parameters (see LAB_CONSTANTS). */
const PY_LAB = `
import numpy as np

def xyz_of(x, y):
    return np.array([x / y, 1.0, (1 - x - y) / y])

def srgb_matrix():
    # From the sRGB primaries and D65 white, not copied from the code under test.
    p = np.array([xyz_of(0.64, 0.33), xyz_of(0.30, 0.60), xyz_of(0.15, 0.06)]).T
    white = xyz_of(0.3127, 0.3290)
    return p * np.linalg.solve(p, white), white

def lab(rgb, matrix, white, eps, slope):
    c = np.asarray(rgb, dtype=np.float64) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    t = (lin @ matrix.T) / white
    f = np.where(t > eps, np.cbrt(t), slope * t + 16 / 116)
    return np.stack(
        [116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])],
        axis=-1,
    )

def ours(rgb):
    matrix, white = srgb_matrix()
    return lab(rgb, matrix, white, 216 / 24389, (24389 / 27) / 116)

def skimage_constants(rgb):
    from skimage.color import colorconv
    return lab(rgb, colorconv.xyz_from_rgb, np.array([0.95047, 1.0, 1.08883]), 0.008856, 7.787)
`;

const PY_SRGB_TO_LAB = `${PY_LAB}
import json, sys
from skimage.color import rgb2lab
rgb = np.array(json.load(sys.stdin), dtype=np.float64)
print(json.dumps({
    "ours": ours(rgb).tolist(),
    "skimageConstants": skimage_constants(rgb).tolist(),
    "skimage": rgb2lab(rgb[None] / 255, illuminant="D65", observer="2")[0].tolist(),
}))
`;

const PY_DELTA_E = `${PY_LAB}
import json, sys
from skimage.color import deltaE_ciede2000
w, h = int(sys.argv[1]), int(sys.argv[2])
raw = np.frombuffer(sys.stdin.buffer.read(), dtype=np.uint8)
a = raw[: w * h * 4].reshape(h, w, 4)[..., :3]
b = raw[w * h * 4 :].reshape(h, w, 4)[..., :3]
la, lb = ours(a), ours(b)
out = {}
for name, d in (
    ("ciede2000", deltaE_ciede2000(la, lb)),
    ("cie76", np.sqrt(((la - lb) ** 2).sum(axis=-1))),
):
    d = np.sort(d.ravel())
    rank = -(-95 * d.size // 100)  # nearest rank: ceil(0.95 n)
    out[name] = {"mean": float(d.mean()), "max": float(d[-1]), "p95": float(d[rank - 1])}
print(json.dumps(out))
`;

describe("ciede2000", () => {
  test("Sharma, Wu & Dalal's 34 test pairs, both ways round", () => {
    for (const [i, row] of SHARMA.entries()) {
      const [lab1, lab2, expected] = pair(row);
      close(ciede2000(lab1, lab2), expected, 5e-5, `pair ${i + 1}`);
      close(ciede2000(lab2, lab1), expected, 5e-5, `pair ${i + 1} swapped`);
    }
  });

  test("cases with known answers", () => {
    assert.equal(ciede2000([50, 10, -20], [50, 10, -20]), 0);
    assert.equal(ciede2000([0, 0, 0], [0, 0, 0]), 0);
    // Lightness alone at mean L 50: S_L = 1, so ΔE00 = |ΔL|.
    close(ciede2000([40, 0, 0], [60, 0, 0]), 20, 1e-12, "ΔL 20 around 50");
    close(ciede2000([0, 0, 0], [100, 0, 0]), 100, 1e-12, "black to white");
    // Away from L 50, S_L = 1 + 0.015 (L̄ − 50)² / √(20 + (L̄ − 50)²).
    const sl = 1 + (0.015 * 900) / Math.sqrt(920);
    close(ciede2000([79, 0, 0], [81, 0, 0]), 2 / sl, 1e-12, "ΔL 2 around 80");
  });

  test("agrees with skimage.color.deltaE_ciede2000 on 420 pairs within 1e-9", {
    skip: skipUnlessPython(["numpy", "skimage"]),
  }, () => {
    const next = rng(2005);
    const anyLab = (): Lab => [next() * 100, next() * 256 - 128, next() * 256 - 128];
    const pairs: [Lab, Lab][] = [];
    for (let i = 0; i < 150; i++) pairs.push([anyLab(), anyLab()]);
    for (let i = 0; i < 100; i++) {
      const p = anyLab();
      pairs.push([
        p,
        [p[0] + (next() - 0.5) * 4, p[1] + (next() - 0.5) * 4, p[2] + (next() - 0.5) * 4],
      ]);
    }
    // Hues 179-181° apart, either side of Sharma's hue-mean switch.
    for (let i = 0; i < 60; i++) {
      const p = anyLab();
      const turn = Math.PI + (next() - 0.5) * 2 * (i < 30 ? 0.02 : 0.0005);
      const k = 0.5 + next();
      const a = k * (p[1] * Math.cos(turn) - p[2] * Math.sin(turn));
      const b = k * (p[1] * Math.sin(turn) + p[2] * Math.cos(turn));
      pairs.push([p, [p[0] + next() - 0.5, a, b]]);
    }
    // One side neutral: hue undefined, Sharma's zero-chroma rule.
    for (let i = 0; i < 30; i++) pairs.push([[next() * 100, 0, 0], anyLab()]);
    for (let i = 0; i < 10; i++) pairs.push([anyLab(), [next() * 100, 0, 0]]);
    // Mean hue near 275°, where the rotation term R_T is largest.
    for (let i = 0; i < 50; i++) {
      const h1 = (275 + (next() - 0.5) * 100) * (Math.PI / 180);
      const h2 = h1 + (next() - 0.5) * 0.6;
      const c1 = next() * 80;
      const c2 = c1 + (next() - 0.5) * 20;
      pairs.push([
        [next() * 100, c1 * Math.cos(h1), c1 * Math.sin(h1)],
        [next() * 100, c2 * Math.cos(h2), c2 * Math.sin(h2)],
      ]);
    }
    for (let i = 0; i < 20; i++) {
      const p = anyLab();
      pairs.push([p, [p[0], p[1] + (next() - 0.5) * 1e-6, p[2] + (next() - 0.5) * 1e-6]]);
    }
    assert.ok(pairs.length >= 420);
    const script = `
import json, sys
import numpy as np
from skimage.color import deltaE_ciede2000
pairs = np.array(json.load(sys.stdin), dtype=np.float64)
print(json.dumps(deltaE_ciede2000(pairs[:, 0], pairs[:, 1]).tolist()))
`;
    const theirs = JSON.parse(
      runPython(script, [], Buffer.from(JSON.stringify(pairs))).toString(),
    ) as number[];
    assert.equal(theirs.length, pairs.length);
    for (const [i, [lab1, lab2]] of pairs.entries()) {
      close(
        ciede2000(lab1, lab2),
        theirs[i] as number,
        1e-9,
        `pair ${i} ${JSON.stringify([lab1, lab2])}`,
      );
    }
  });
});

describe("srgbToLab", () => {
  test("white is L 100 with a* = b* = 0, black is 0, greys are neutral", () => {
    const white = srgbToLab(255, 255, 255);
    close(white[0], 100, 1e-12, "white L");
    close(white[1], 0, 1e-12, "white a");
    close(white[2], 0, 1e-12, "white b");
    assert.deepEqual(srgbToLab(0, 0, 0), [0, 0, 0]);
    for (const v of [1, 10, 50, 128, 200]) {
      const [, a, b] = srgbToLab(v, v, v);
      assert.ok(Math.abs(a) < 1e-12 && Math.abs(b) < 1e-12, `grey ${v}: ${a}, ${b}`);
    }
  });

  test("agrees with numpy on the 16-step cube and random colours; with skimage's rgb2lab up to its constants", {
    skip: skipUnlessPython(["numpy", "skimage"]),
  }, () => {
    const rgb: [number, number, number][] = [];
    for (let r = 0; r < 16; r++) {
      for (let g = 0; g < 16; g++) {
        for (let b = 0; b < 16; b++) rgb.push([r * 17, g * 17, b * 17]);
      }
    }
    const next = rng(61966);
    for (let i = 0; i < 500; i++) {
      rgb.push([Math.floor(next() * 256), Math.floor(next() * 256), Math.floor(next() * 256)]);
    }
    // Dark colours, where t ≤ ε takes the linear segment of f.
    for (let v = 0; v < 40; v++) rgb.push([v, Math.floor(v / 2), 39 - v]);
    const out = JSON.parse(
      runPython(PY_SRGB_TO_LAB, [], Buffer.from(JSON.stringify(rgb))).toString(),
    ) as { ours: Lab[]; skimageConstants: Lab[]; skimage: Lab[] };
    for (const [i, colour] of rgb.entries()) {
      const mine = srgbToLab(...colour);
      const reference = out.ours[i] as Lab;
      const skimage = out.skimage[i] as Lab;
      const skimageConstants = out.skimageConstants[i] as Lab;
      for (let k = 0; k < 3; k++) {
        const what = `${JSON.stringify(colour)}[${k}]`;
        // The numpy reference is skimage's rgb2lab exactly, given skimage's constants ...
        close(skimageConstants[k] as number, skimage[k] as number, 1e-12, `reference ${what}`);
        // ... and given ours, it matches srgbToLab.
        close(mine[k] as number, reference[k] as number, 1e-9, what);
        // skimage uses the 6-digit sRGB matrix, white (0.95047, 1, 1.08883) and ε, κ/116
        // rounded to 0.008856 and 7.787: its white is a* -0.0025, b* 0.0047, and no colour
        // is more than 0.015 away from ours.
        close(mine[k] as number, skimage[k] as number, 0.02, `skimage ${what}`);
      }
    }
  });
});

describe("deltaE", () => {
  test("identical images: all zero", () => {
    const a = randomImage(13, 7, 1);
    for (const formula of ["ciede2000", "cie76"] as const) {
      assert.deepEqual(deltaE(a, a.slice(), 13, 7, { formula }), {
        pixels: 91,
        mean: 0,
        max: 0,
        p95: 0,
      });
    }
  });

  test("uniform greys differ by a known ΔL", () => {
    // Greys have a* = b* = 0 and Y = the linearised value, so L = 116·∛Y − 16.
    const lightness = (v: number) => 116 * Math.cbrt(((v / 255 + 0.055) / 1.055) ** 2.4) - 16;
    const dL = lightness(140) - lightness(100);
    close(dL, 58.25006721669163 - 42.374603257198885, 1e-12, "ΔL");
    const a = uniform(6, 5, [100, 100, 100]);
    const b = uniform(6, 5, [140, 140, 140]);
    const cie76 = deltaE(a, b, 6, 5, { formula: "cie76" });
    close(cie76.mean, dL, 1e-9, "cie76 mean");
    close(cie76.max, dL, 1e-9, "cie76 max");
    // Every pixel is equal, so p95 is capped at max.
    assert.equal(cie76.p95, cie76.max);
    const lBar = (lightness(140) + lightness(100)) / 2 - 50;
    const sl = 1 + (0.015 * lBar * lBar) / Math.sqrt(20 + lBar * lBar);
    const de00 = deltaE(a, b, 6, 5);
    close(de00.mean, dL / sl, 1e-9, "ciede2000 mean");
    close(de00.max, dL / sl, 1e-9, "ciede2000 max");
    assert.equal(de00.p95, de00.max);
  });

  test("uniform colours match ciede2000 of srgbToLab", () => {
    const from: [number, number, number] = [200, 30, 60];
    const to: [number, number, number] = [190, 45, 52];
    const expected = ciede2000(srgbToLab(...from), srgbToLab(...to));
    const s = deltaE(uniform(9, 9, from), uniform(9, 9, to), 9, 9);
    close(s.mean, expected, 1e-12, "mean");
    assert.equal(s.max, expected);
    const [L1, a1, b1] = srgbToLab(...from);
    const [L2, a2, b2] = srgbToLab(...to);
    const euclid = Math.hypot(L1 - L2, a1 - a2, b1 - b2);
    close(
      deltaE(uniform(3, 2, from), uniform(3, 2, to), 3, 2, { formula: "cie76" }).max,
      euclid,
      1e-12,
      "cie76",
    );
  });

  test("p95 is the nearest-rank value: 19 of 20 unchanged pixels gives 0", () => {
    const a = uniform(20, 1, [10, 200, 30]);
    const b = a.slice();
    b.set([60, 20, 230], 4 * 7);
    const one = deltaE(a, b, 20, 1);
    assert.equal(one.p95, 0);
    assert.ok(one.max > 50);
    close(one.mean, one.max / 20, 1e-12, "mean");
    // With two changed, rank 19 is the smaller ΔE: reported as its bin's upper edge.
    b.set([11, 200, 30], 4 * 3);
    const two = deltaE(a, b, 20, 1);
    const small = deltaE(a.subarray(12, 16), b.subarray(12, 16), 1, 1).max;
    assert.ok(small > 0 && small < 1);
    assert.equal(two.p95, (Math.floor(small * 100) + 1) / 100);
    assert.ok(two.p95 - small < 0.01 && two.p95 > small);
  });

  test("alpha is ignored", () => {
    const a = randomImage(10, 10, 3);
    const b = nearCopy(a, 4);
    const translucent = b.slice();
    for (let i = 3; i < translucent.length; i += 4) translucent[i] = i % 5;
    assert.deepEqual(deltaE(a, b, 10, 10), deltaE(a, translucent, 10, 10));
  });

  test("sample measures the stride grid", () => {
    const a = randomImage(17, 11, 5);
    const b = nearCopy(a, 6);
    assert.deepEqual(deltaE(a, b, 17, 11, { sample: 1 }), deltaE(a, b, 17, 11));
    // Pixels with x and y multiples of 3, as their own 6x4 image.
    const pick = (img: Uint8Array) => {
      const out: number[] = [];
      for (let y = 0; y < 11; y += 3) {
        for (let x = 0; x < 17; x += 3)
          out.push(...img.subarray((y * 17 + x) * 4, (y * 17 + x + 1) * 4));
      }
      return Uint8Array.from(out);
    };
    const sampled = deltaE(a, b, 17, 11, { sample: 3 });
    assert.equal(sampled.pixels, 24);
    assert.deepEqual(sampled, deltaE(pick(a), pick(b), 6, 4));
  });

  test("bad options and mismatched sizes are RangeErrors", () => {
    const a = randomImage(4, 4, 7);
    assert.throws(() => deltaE(a, a, 4, 4, { sample: 0 }), RangeError);
    assert.throws(() => deltaE(a, a, 4, 4, { sample: 1.5 }), RangeError);
    assert.throws(() => deltaE(a, a, 4, 4, { formula: "cie94" as unknown as "cie76" }), RangeError);
    assert.throws(() => deltaE(a, a, 4, 3), RangeError);
  });

  test("empty image", () => {
    assert.deepEqual(deltaE(new Uint8Array(0), new Uint8Array(0), 0, 0), {
      pixels: 0,
      mean: 0,
      max: 0,
      p95: 0,
    });
  });

  test("agrees with numpy + skimage on 64x48 pairs", {
    skip: skipUnlessPython(["numpy", "skimage"]),
  }, () => {
    const random = randomImage(64, 48, 8);
    const cases: [string, Uint8Array, Uint8Array][] = [
      ["random pair", random, randomImage(64, 48, 9)],
      ["noisy copy", random, nearCopy(random, 10)],
    ];
    for (const [name, a, b] of cases) {
      const out = runPython(PY_DELTA_E, ["64", "48"], Buffer.concat([a, b])).toString();
      const reference = JSON.parse(out) as Record<
        string,
        { mean: number; max: number; p95: number }
      >;
      for (const formula of ["ciede2000", "cie76"] as const) {
        const ours = deltaE(a, b, 64, 48, { formula });
        const theirs = reference[formula];
        assert.ok(theirs !== undefined);
        const what = `${name} ${formula}`;
        close(ours.mean, theirs.mean, 1e-9, `${what} mean`);
        close(ours.max, theirs.max, 1e-9, `${what} max`);
        // The upper edge of the 0.01 bin holding the exact nearest-rank value.
        assert.ok(
          ours.p95 >= theirs.p95 - 1e-9 && ours.p95 < theirs.p95 + 0.01,
          `${what} p95 ${ours.p95} vs ${theirs.p95}`,
        );
      }
    }
  });
});
