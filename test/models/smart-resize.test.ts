import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type ModelName, modelPlan } from "../../src/models/registry.js";
import { smartResize } from "../../src/models/smart-resize.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

/**
 * qwen-vl-utils' smart_resize as the library has it (vision_process.py), run on every case
 * of a JSON list; an error becomes its message.
 */
const REFERENCE = `
import json, math, sys

MAX_RATIO = 200

def round_by_factor(number, factor):
    return round(number / factor) * factor

def ceil_by_factor(number, factor):
    return math.ceil(number / factor) * factor

def floor_by_factor(number, factor):
    return math.floor(number / factor) * factor

def smart_resize(height, width, factor, min_pixels, max_pixels):
    assert max_pixels >= min_pixels, "The max_pixels of image must be greater than or equal to min_pixels."
    if max(height, width) / min(height, width) > MAX_RATIO:
        raise ValueError(
            f"absolute aspect ratio must be smaller than {MAX_RATIO}, got {max(height, width) / min(height, width)}"
        )
    h_bar = max(factor, round_by_factor(height, factor))
    w_bar = max(factor, round_by_factor(width, factor))
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = floor_by_factor(height / beta, factor)
        w_bar = floor_by_factor(width / beta, factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = ceil_by_factor(height * beta, factor)
        w_bar = ceil_by_factor(width * beta, factor)
    return h_bar, w_bar

out = []
for height, width, factor, min_pixels, max_pixels in json.load(sys.stdin):
    try:
        h, w = smart_resize(height, width, factor, min_pixels, max_pixels)
        out.append({"height": h, "width": w})
    except (ValueError, AssertionError) as e:
        out.append({"error": str(e)})
print(json.dumps(out))
`;

type Case = [height: number, width: number, factor: number, minPixels: number, maxPixels: number];

const Q25 = [28, 4 * 28 * 28, 16384 * 28 * 28] as const;
const Q3 = [32, 4 * 32 * 32, 16384 * 32 * 32] as const;

const SIDES: [number, number][] = [
  [1080, 1920],
  [1920, 1080],
  // Exact .5 ties of side / factor for 28 (28k + 14) and 32 (32k + 16).
  [1022, 1050],
  [14, 42],
  [70, 98],
  [1168, 1200],
  [16, 48],
  [80, 112],
  [126, 154],
  // Aspect ratio: exactly 200 and 199 pass, 201 and 250 fail, either orientation.
  [28, 5572],
  [10, 2000],
  [28, 5628],
  [4, 1000],
  [1000, 4],
  [5628, 28],
  // Tiny: the min_pixels branch.
  [1, 1],
  [10, 10],
  [1, 200],
  [56, 56],
  [55, 57],
  // Huge: the max_pixels branch.
  [10000, 10000],
  [30000, 200],
  [200, 30000],
  [4000, 6000],
  [5000, 7000],
  [3584, 3584],
  [3585, 3585],
  [256, 384],
  [384, 512],
  [160, 120],
];

const CUSTOM: Case[] = [
  [1080, 1920, 28, 256 * 28 * 28, 1280 * 28 * 28],
  [300, 500, 28, 256 * 28 * 28, 1280 * 28 * 28],
  [4000, 3000, 32, 64 * 32 * 32, 1024 * 32 * 32],
  [10, 10, 32, 512 * 32 * 32, 2048 * 32 * 32],
  // A tiny max_pixels and a 190:1 image: the reference floors a side to 0.
  [100, 19000, 28, 28 * 28, 4 * 28 * 28],
  // max_pixels below min_pixels: the reference's assertion.
  [500, 500, 28, 8000, 4000],
];

function cases(): Case[] {
  const list: Case[] = [...CUSTOM];
  for (const [h, w] of SIDES) list.push([h, w, ...Q25], [h, w, ...Q3]);
  // Plus seeded random sizes over four orders of magnitude.
  let s = 2024;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 300; i++) {
    const h = 1 + Math.floor(10 ** (next() * 4.3));
    const w = 1 + Math.floor(10 ** (next() * 4.3));
    list.push([h, w, ...(i % 2 === 0 ? Q25 : Q3)]);
  }
  return list;
}

describe("smartResize", () => {
  test("equals qwen-vl-utils' smart_resize in /usr/bin/python3", {
    skip: skipUnlessPython([]),
  }, () => {
    const list = cases();
    const input = Buffer.from(JSON.stringify(list));
    const expected = JSON.parse(runPython(REFERENCE, [], input).toString("utf8")) as unknown[];
    assert.equal(expected.length, list.length);
    const mismatches = list
      .map(([height, width, factor, minPixels, maxPixels], i) => ({
        input: `${height}x${width} factor ${factor} min ${minPixels} max ${maxPixels}`,
        python: expected[i],
        ours: smartResize(height, width, { factor, minPixels, maxPixels }),
      }))
      .filter((m) => JSON.stringify(m.python) !== JSON.stringify(m.ours));
    assert.deepEqual(mismatches, []);
  });

  test("ties round to even: 1022 -> 1008 (36.5 -> 36), 1050 -> 1064 (37.5 -> 38)", () => {
    const options = { factor: 28, minPixels: 3136, maxPixels: 12845056 };
    assert.deepEqual(smartResize(1022, 1050, options), { height: 1008, width: 1064 });
  });

  test("aspect ratio over 200 is the reference's error", () => {
    const options = { factor: 28, minPixels: 3136, maxPixels: 12845056 };
    assert.deepEqual(smartResize(4, 1000, options), {
      error: "absolute aspect ratio must be smaller than 200, got 250.0",
    });
    assert.deepEqual(smartResize(3, 603, options), {
      error: "absolute aspect ratio must be smaller than 200, got 201.0",
    });
    assert.ok(!("error" in smartResize(10, 2000, options)));
  });
});

describe("modelPlan: worked examples", () => {
  const rows: [ModelName, number, number, [number, number] | null, number][] = [
    ["qwen2.5-vl", 1920, 1080, [1932, 1092], 2691],
    ["qwen2-vl", 1920, 1080, [1932, 1092], 2691],
    ["qwen3-vl", 1920, 1080, [1920, 1088], 2040],
    ["qwen2.5-vl", 120, 160, [112, 168], 24],
    ["qwen3-vl", 384, 256, null, 96],
    ["gpt-4o", 1024, 1024, [768, 768], 765],
    ["gpt-4o", 2048, 4096, [768, 1536], 1105],
    ["gpt-4o", 1920, 1080, [1365, 768], 1105],
    // Never scaled up: 512x512 is one tile.
    ["gpt-4o", 512, 512, null, 255],
    ["gpt-4o-low", 4000, 3000, [512, 384], 85],
    ["gpt-4o-low", 300, 200, null, 85],
    ["claude", 200, 200, null, 54],
    ["claude", 1000, 1000, null, 1334],
    ["claude", 1092, 1092, null, 1590],
    // 1568x784 would be 1639 tokens: the token cap wins.
    ["claude", 2000, 1000, [1549, 774], 1599],
    ["claude", 4000, 3000, [1264, 948], 1598],
    ["claude", 3000, 500, [1568, 261], 546],
  ];
  for (const [model, width, height, resized, tokens] of rows) {
    test(`${model} ${width}x${height} -> ${resized ? resized.join("x") : "unchanged"}, ${tokens} tokens`, () => {
      const plan = modelPlan(model, width, height);
      assert.equal(plan.error, null);
      assert.deepEqual(plan.resized, resized ? { width: resized[0], height: resized[1] } : null);
      assert.equal(plan.tokens, tokens);
      assert.deepEqual(plan.input, { width, height });
      assert.equal(plan.model, model);
    });
  }

  test("Qwen over 200:1 is refused with the reference's message and no tokens", () => {
    const plan = modelPlan("qwen2.5-vl", 1000, 4);
    assert.equal(plan.error, "absolute aspect ratio must be smaller than 200, got 250.0");
    assert.equal(plan.tokens, null);
    assert.equal(plan.resized, null);
  });

  test("--min-pixels / --max-pixels override Qwen's limits only", () => {
    const limits = { minPixels: 256 * 28 * 28, maxPixels: 1280 * 28 * 28 };
    const qwen = modelPlan("qwen2.5-vl", 1920, 1080, limits);
    assert.deepEqual(qwen.resized, { width: 1316, height: 728 });
    assert.equal(qwen.tokens, 47 * 26);
    assert.match(qwen.note, /max_pixels 1003520/);
    assert.deepEqual(modelPlan("gpt-4o", 1920, 1080, limits), modelPlan("gpt-4o", 1920, 1080));
    assert.deepEqual(modelPlan("claude", 1920, 1080, limits), modelPlan("claude", 1920, 1080));
  });

  test("a side floored to 0 by a tiny max_pixels is refused, not planned", () => {
    const plan = modelPlan("qwen2.5-vl", 19000, 100, { minPixels: 784, maxPixels: 3136 });
    assert.match(plan.error ?? "", /max_pixels 3136 is too small/);
    assert.equal(plan.tokens, null);
  });

  test("Claude refuses sides over 8000 px", () => {
    assert.match(modelPlan("claude", 8001, 100).error ?? "", /8000x8000/);
  });

  test("the Qwen note says the 2 marker tokens are not counted", () => {
    assert.match(modelPlan("qwen3-vl", 640, 480).note, /2 markers/);
  });
});
