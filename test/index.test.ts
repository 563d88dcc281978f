import assert from "node:assert/strict";
import { test } from "node:test";
import { compare, decode, ImgencError } from "imgenc";
import { fixture } from "./helpers/cli.js";
import { runPython, skipUnlessPython } from "./helpers/python.js";

/**
 * The public API, imported by package name as users do. Its metrics are checked against
 * independent implementations: scikit-image's SSIM and NumPy's PSNR over the same two payloads.
 */
const REFERENCE = `
import sys, numpy as np
from skimage.metrics import structural_similarity
w, h = int(sys.argv[1]), int(sys.argv[2])
raw = np.frombuffer(sys.stdin.buffer.read(), dtype=np.uint8).reshape(2, h, w, 4).astype(np.float64)
a, b = raw[0, :, :, :3], raw[1, :, :, :3]
luma = lambda x: 0.299 * x[:, :, 0] + 0.587 * x[:, :, 1] + 0.114 * x[:, :, 2]
ssim = structural_similarity(luma(a), luma(b), gaussian_weights=True, sigma=1.5,
                             use_sample_covariance=False, data_range=255)
mse = np.mean((a - b) ** 2)
print(repr(float(ssim)), repr(float(10 * np.log10(255 ** 2 / mse))), repr(float(np.abs(a - b).mean())))
`;

for (const name of [
  "photo.png",
  "text-and-lines.png",
  "gradient.png",
  "logo-alpha.png",
  "photo.jpg",
]) {
  test(`compare(${name}) agrees with scikit-image SSIM and NumPy PSNR`, {
    skip: skipUnlessPython(["numpy", "skimage"]),
  }, async () => {
    const { report, artifacts } = await compare(fixture(name));
    const metrics = report.metrics;
    assert.ok(metrics && metrics.ssim !== null && metrics.psnr !== null);
    const lossless = await decode(artifacts.payloads[0].bytes);
    const lossy = await decode(artifacts.payloads[1].bytes);
    const out = runPython(
      REFERENCE,
      [String(metrics.width), String(metrics.height)],
      Buffer.concat([lossless.rgba, lossy.rgba]),
    );
    const [ssim, psnr, mae] = out.toString().trim().split(" ").map(Number);
    assert.ok(Math.abs(metrics.ssim - (ssim as number)) < 1e-9, `SSIM ${metrics.ssim} vs ${ssim}`);
    assert.ok(Math.abs(metrics.psnr - (psnr as number)) < 1e-9, `PSNR ${metrics.psnr} vs ${psnr}`);
    assert.ok(Math.abs(metrics.meanAbsError - (mae as number)) < 1e-9);
  });
}

test("errors are ImgencError values with stable codes", async () => {
  await assert.rejects(compare("fixtures/no-such.png"), (error: unknown) => {
    assert.ok(error instanceof ImgencError);
    assert.equal(error.code, "not-found");
    assert.equal(error.input, "fixtures/no-such.png");
    return true;
  });
});

test("the report is plain data: it survives a JSON round trip unchanged", async () => {
  const { report } = await compare(fixture("photo.png"), undefined, { gates: { minSsim: 0.5 } });
  assert.deepEqual(JSON.parse(JSON.stringify(report)), report);
  assert.equal(report.passed, true);
});
