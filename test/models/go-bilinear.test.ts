import assert from "node:assert/strict";
import { test } from "node:test";
import { goBilinearScale } from "../../src/models/go-bilinear.js";
import { skipUnlessGo } from "../helpers/go.js";
import { noise } from "../helpers/images.js";
import { runOllamaGo } from "../helpers/ollama-go.js";

/** Shrinks, enlargements, one axis each way, 1-px sides and non-integer ratios. */
const SIZES: [sw: number, sh: number, dw: number, dh: number][] = [
  [64, 48, 28, 28],
  [300, 200, 56, 28],
  [29, 31, 28, 28],
  [10, 7, 33, 29],
  [1, 1, 28, 56],
  [1, 40, 28, 28],
  [97, 3, 140, 28],
  [28, 5600, 28, 5600],
  [123, 77, 84, 112],
  [250, 250, 252, 224],
  [17, 300, 56, 196],
];

test("goBilinearScale is byte-identical to x/image draw.BiLinear.Scale", {
  skip: skipUnlessGo(),
}, () => {
  const cases = SIZES.map(([sw, sh, dw, dh], i) => ({
    sw,
    sh,
    dw,
    dh,
    rgb: noise(sw, sh, 3, 100 + i),
  }));
  const replies = runOllamaGo(
    cases.map(({ rgb, ...size }) => ({ request: { op: "scale", ...size }, payload: rgb })),
  );
  cases.forEach(({ sw, sh, dw, dh, rgb }, i) => {
    const ours = goBilinearScale(rgb, sw, sh, dw, dh);
    assert.deepEqual(Buffer.from(ours), replies[i]?.payload, `${sw}x${sh} -> ${dw}x${dh}`);
  });
});

test("a flat image stays flat (the colour clamp to alpha never lowers white)", () => {
  const white = new Uint8Array(37 * 23 * 3).fill(255);
  assert.ok(goBilinearScale(white, 37, 23, 56, 28).every((v) => v === 255));
});
