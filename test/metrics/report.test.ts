import assert from "node:assert/strict";
import { test } from "node:test";
import { toShared } from "../../src/metrics/off-thread.js";
import { measure, measureParallel } from "../../src/metrics/report.js";
import { noise } from "../helpers/images.js";

/** Large enough (2.25 MP) that SSIM runs in a worker thread. */
const SIZE = 1500;

function pair(): [Buffer, Buffer] {
  const a = noise(SIZE, SIZE, 4, 11);
  const b = Buffer.from(a);
  for (let i = 0; i < b.length; i += 7) b[i] = (b[i] as number) ^ 0x15;
  for (let i = 3; i < a.length; i += 4) {
    a[i] = 255;
    b[i] = 255;
  }
  return [a, b];
}

test("measureParallel gives exactly measure's figures, from shared or plain memory", async () => {
  const [a, b] = pair();
  const serial = measure(a, b, SIZE, SIZE);
  assert.ok(serial.metrics.ssim !== null && serial.metrics.ssim < 1);
  assert.deepEqual(await measureParallel(a, b, SIZE, SIZE), serial);
  assert.deepEqual(await measureParallel(toShared(a), toShared(b), SIZE, SIZE), serial);
});

test("identical large images: SSIM 1 and PSNR null without a worker round trip", async () => {
  const [a] = pair();
  const { metrics } = await measureParallel(a, Buffer.from(a), SIZE, SIZE);
  assert.equal(metrics.identical, true);
  assert.equal(metrics.ssim, 1);
  assert.equal(metrics.psnr, null);
});

test("toShared copies into a SharedArrayBuffer", () => {
  const shared = toShared(Buffer.from([1, 2, 3]));
  assert.ok(shared.buffer instanceof SharedArrayBuffer);
  assert.deepEqual([...shared], [1, 2, 3]);
});
