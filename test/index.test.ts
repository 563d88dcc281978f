import assert from "node:assert/strict";
import { before, test } from "node:test";
import { type CompareReport, compare, decode, ImgencError } from "imgenc";
import { fixture } from "./helpers/cli.js";
import { runPython, skipUnlessPython } from "./helpers/python.js";

/**
 * The public API, imported by package name as users do. Its metrics are checked against
 * independent implementations: scikit-image's SSIM and NumPy's PSNR over the same two payloads.
 * One Python run takes every pair in turn (argv: width height per pair; stdin: the pairs' RGBA)
 * and prints a line per pair.
 */
const REFERENCE = `
import sys, numpy as np
from skimage.metrics import structural_similarity
sizes = [int(v) for v in sys.argv[1:]]
data = sys.stdin.buffer.read()
at = 0
for w, h in zip(sizes[0::2], sizes[1::2]):
    n = 2 * h * w * 4
    raw = np.frombuffer(data[at:at + n], dtype=np.uint8).reshape(2, h, w, 4).astype(np.float64)
    at += n
    a, b = raw[0, :, :, :3], raw[1, :, :, :3]
    luma = lambda x: 0.299 * x[:, :, 0] + 0.587 * x[:, :, 1] + 0.114 * x[:, :, 2]
    ssim = structural_similarity(luma(a), luma(b), gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False, data_range=255)
    mse = np.mean((a - b) ** 2)
    print(repr(float(ssim)), repr(float(10 * np.log10(255 ** 2 / mse))), repr(float(np.abs(a - b).mean())))
`;

const NAMES = ["photo.png", "text-and-lines.png", "gradient.png", "logo-alpha.png", "photo.jpg"];
const skipReference = skipUnlessPython(["numpy", "skimage"]);

type Metrics = NonNullable<CompareReport["metrics"]>;
/** Each fixture's metrics, and the reference figures [ssim, psnr, mae] when it has metrics. */
const results = new Map<string, { metrics: Metrics | null; reference?: number[] }>();

before(async () => {
  if (skipReference !== false) return;
  const pairs: { name: string; metrics: Metrics; rgba: Buffer }[] = [];
  for (const name of NAMES) {
    const { report, artifacts } = await compare(fixture(name));
    results.set(name, { metrics: report.metrics });
    if (!report.metrics) continue;
    const lossless = await decode(artifacts.payloads[0].bytes);
    const lossy = await decode(artifacts.payloads[1].bytes);
    pairs.push({ name, metrics: report.metrics, rgba: Buffer.concat([lossless.rgba, lossy.rgba]) });
  }
  const out = runPython(
    REFERENCE,
    pairs.flatMap(({ metrics }) => [String(metrics.width), String(metrics.height)]),
    Buffer.concat(pairs.map(({ rgba }) => rgba)),
  );
  const lines = out.toString().trim().split("\n");
  for (const [i, { name, metrics }] of pairs.entries()) {
    results.set(name, { metrics, reference: (lines[i] ?? "").split(" ").map(Number) });
  }
});

for (const name of NAMES) {
  test(`compare(${name}) agrees with scikit-image SSIM and NumPy PSNR`, {
    skip: skipReference,
  }, () => {
    const { metrics, reference } = results.get(name) ?? { metrics: null };
    assert.ok(metrics && metrics.ssim !== null && metrics.psnr !== null);
    const [ssim, psnr, mae] = reference ?? [];
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
