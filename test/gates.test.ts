import assert from "node:assert/strict";
import { test } from "node:test";
import { evaluateGates } from "../src/gates.js";
import type { Metrics } from "../src/metrics/measure.js";

const metrics: Metrics = {
  width: 100,
  height: 100,
  pixels: 10_000,
  identical: false,
  changedPixels: 5_000,
  changedShare: 0.5,
  mismatchedPixels: 150,
  mismatchShare: 0.015,
  threshold: 0.1,
  psnr: 33.5,
  ssim: 0.91,
  maxChannelDiff: 40,
  meanAbsError: 2.5,
};

test("each gate compares its metric with its limit, inclusive", () => {
  const at = evaluateGates(metrics, {
    minPsnr: 33.5,
    minSsim: 0.91,
    maxMismatch: { count: 150 },
  });
  assert.deepEqual(
    at.map((g) => [g.gate, g.metric, g.value, g.passed]),
    [
      ["min-psnr", "psnr", 33.5, true],
      ["min-ssim", "ssim", 0.91, true],
      ["max-mismatch", "mismatchedPixels", 150, true],
    ],
  );
  const over = evaluateGates(metrics, {
    minPsnr: 33.6,
    minSsim: 0.92,
    maxMismatch: { count: 149 },
  });
  assert.deepEqual(
    over.map((g) => g.passed),
    [false, false, false],
  );
});

test("a share limit compares the mismatch share", () => {
  const [pass] = evaluateGates(metrics, { maxMismatch: { share: 0.02 } });
  const [fail] = evaluateGates(metrics, { maxMismatch: { share: 0.01 } });
  assert.equal(pass?.metric, "mismatchShare");
  assert.equal(pass?.value, 0.015);
  assert.equal(pass?.passed, true);
  assert.equal(fail?.passed, false);
});

test("identical payloads pass any PSNR limit though PSNR is null", () => {
  const identical = { ...metrics, identical: true, psnr: null, ssim: 1, mismatchedPixels: 0 };
  const [gate] = evaluateGates(identical, { minPsnr: 1000 });
  assert.equal(gate?.value, null);
  assert.equal(gate?.passed, true);
});

test("unmeasured metrics fail their gates; no gates, no results", () => {
  const results = evaluateGates(null, { minPsnr: 10, minSsim: 0, maxMismatch: { share: 1 } });
  assert.deepEqual(
    results.map((g) => [g.value, g.passed]),
    [
      [null, false],
      [null, false],
      [null, false],
    ],
  );
  const tiny = evaluateGates({ ...metrics, ssim: null }, { minSsim: 0 });
  assert.equal(tiny[0]?.passed, false);
  assert.deepEqual(evaluateGates(metrics, {}), []);
});
