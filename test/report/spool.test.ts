import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ImageSpool } from "../../src/report/spool.js";
import type { ReportImage, ReportImages } from "../../src/report/types.js";
import { noise } from "../helpers/images.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-spool-"));
after(() => rmSync(work, { recursive: true, force: true }));

function image(bytes: Uint8Array): ReportImage {
  return { mime: "image/png", width: 1, height: 1, bytes };
}

async function bytesOf(image: ReportImage): Promise<Uint8Array> {
  return image.bytes instanceof Uint8Array ? image.bytes : await image.bytes.read();
}

describe("ImageSpool", () => {
  test("keeps images in an unlinked file and reads each back exactly", async () => {
    const folder = mkdtempSync(join(work, "spool-"));
    const spool = await ImageSpool.open(folder);
    try {
      assert.equal(spool.onDisk, true);
      // Unlinked at once: nothing to clean up, whatever ends the process.
      assert.deepEqual(readdirSync(folder), []);
      const parts = [1, 2, 3, 4, 5, 6].map((seed) => noise(300, 100 * seed, 3, seed));
      const images: ReportImages = {
        source: image(parts[0] as Buffer),
        lossy: image(parts[1] as Buffer),
        diff: image(parts[2] as Buffer),
        divisor: 4,
        crop: {
          x: 1,
          y: 2,
          width: 3,
          height: 4,
          by: "mismatch",
          source: image(parts[3] as Buffer),
          lossy: image(parts[4] as Buffer),
          diff: image(parts[5] as Buffer),
        },
      };
      // Stored concurrently, as items arrive from several workers.
      const [a, b] = await Promise.all([spool.store(images), spool.store(images)]);
      for (const stored of [a, b]) {
        const all = [
          stored.source,
          stored.lossy,
          stored.diff,
          stored.crop?.source,
          stored.crop?.lossy,
          stored.crop?.diff,
        ];
        for (const [i, img] of all.entries()) {
          assert.ok(img);
          assert.ok(!(img.bytes instanceof Uint8Array), "moved out of memory");
          assert.equal(img.bytes.byteLength, parts[i]?.byteLength);
          assert.deepEqual(Buffer.from(await bytesOf(img)), parts[i]);
        }
        assert.deepEqual(
          { ...stored.crop, source: 0, lossy: 0, diff: 0 },
          { ...images.crop, source: 0, lossy: 0, diff: 0 },
        );
        assert.equal(stored.divisor, 4);
      }
    } finally {
      await spool.close();
    }
  });

  test("without a folder to write in, images stay in memory", async () => {
    const spool = await ImageSpool.open(join(work, "no", "such", "folder"));
    const bytes = Buffer.from("png");
    const stored = await spool.store({ source: image(bytes), lossy: image(bytes) });
    assert.equal(spool.onDisk, false);
    assert.equal(stored.source.bytes, bytes);
    await spool.close();
  });
});
