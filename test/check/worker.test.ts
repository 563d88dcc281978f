import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { runCheck } from "../../src/check/run.js";
import type { CheckJob } from "../../src/check/types.js";
import { writeBigImage } from "../helpers/big.js";
import { fixture } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-worker-"));
after(() => rmSync(work, { recursive: true, force: true }));

function job(file: string): CheckJob {
  return { file, images: true, options: { gates: {} } };
}

describe("check worker", () => {
  test("sends a large image's views preview-sized, never its full-size payloads", async () => {
    const big = join(work, "big.png");
    await writeBigImage(big);
    const run = await runCheck([job(big), job(fixture("photo.png"))], { jobs: 2 });
    const byFile = new Map(run.items.map((item) => [item.file, item]));
    const large = byFile.get(big)?.images;
    assert.ok(large, "images for the big file");
    assert.equal(large.divisor, 2);
    const bytes = [large.source, large.lossy, large.diff, large.crop?.source, large.crop?.lossy]
      .map((image) => image?.bytes.byteLength ?? 0)
      .reduce((a, b) => a + b, 0);
    const payload = byFile.get(big)?.report?.payloads[0]?.bytes ?? 0;
    assert.ok(bytes < payload / 2, `${bytes} bytes of views for a ${payload}-byte payload`);
    assert.deepEqual(
      [large.source, large.lossy, large.diff].map((i) => `${i?.width}x${i?.height}`),
      ["1200x650", "1200x650", "1200x650"],
    );
    // A small image: the payloads themselves, as before.
    const small = byFile.get(fixture("photo.png"));
    assert.equal(small?.images?.divisor, undefined);
    assert.equal(small?.images?.source.bytes.byteLength, small?.report?.payloads[0]?.bytes);
  });
});
