import assert from "node:assert/strict";
import { test } from "node:test";
import { junitXml } from "../../src/check/junit.js";
import type { CheckItem } from "../../src/check/types.js";

const totals = { images: 2, passed: 0, failed: 1, errors: 1, durationMs: 1500, interrupted: false };

test("names and messages are escaped; control characters cannot break the XML", () => {
  const items: CheckItem[] = [
    {
      file: 'odd <name> & "quotes"\u0001.png',
      status: "error",
      durationMs: 12,
      error: { code: "not-image", message: "an HTML page, not an image" },
    },
  ];
  const xml = junitXml(items, { ...totals, images: 1, failed: 0 });
  assert.match(xml, /name="odd &lt;name&gt; &amp; &quot;quotes&quot;\uFFFD\.png"/);
  assert.match(xml, /<failure type="not-image" message="not-image: an HTML page, not an image">/);
  assert.ok(!xml.includes("\u0001"));
});

test("a failed gate gives the metric, its value and the limit", () => {
  const items: CheckItem[] = [
    {
      file: "a.png",
      status: "failed",
      durationMs: 40,
      report: {
        gates: [
          { gate: "min-ssim", metric: "ssim", limit: 0.95, value: 0.9, passed: false },
          { gate: "min-psnr", metric: "psnr", limit: 30, value: 35, passed: true },
        ],
      } as unknown as CheckItem["report"],
    },
  ];
  const xml = junitXml(items, { ...totals, images: 1, errors: 0 });
  assert.match(xml, /tests="1" failures="1"/);
  assert.equal(xml.match(/<failure /g)?.length, 1);
  assert.match(
    xml,
    /<failure type="min-ssim" message="ssim 0\.9 does not meet --min-ssim &gt;= 0\.95">metric: ssim\nvalue: 0\.9\nlimit: &gt;= 0\.95<\/failure>/,
  );
});
