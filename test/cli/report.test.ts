import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIG_TEXT, writeBigImage } from "../helpers/big.js";
import { fixture, runMain } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-report-cli-"));
const set = join(work, "set");
const big = join(set, "big.png");

before(async () => {
  mkdirSync(set);
  await writeBigImage(big);
  copyFileSync(fixture("photo.png"), join(set, "small.png"));
});
after(() => rmSync(work, { recursive: true, force: true }));

interface PageEntry {
  title: string;
  report: { payloads: { width: number; height: number; bytes: number }[] } | null;
  preview: {
    divisor: number;
    width: number;
    height: number;
    crop: { x: number; y: number; width: number; height: number; by: string } | null;
  } | null;
}

function pageData(html: string): { entries: PageEntry[] } {
  const json = /<script type="application\/json" id="imgenc-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(json, "JSON block present");
  return JSON.parse(json[1] as string);
}

/** The entry's section of the page. */
function section(html: string, title: string): string {
  const all = html.match(
    /<section class="entry"[\s\S]*?<\/section>\n?(?=<section class="entry"|\n?<\/main>)/g,
  );
  const found = all?.find((s) => s.includes(`>${title}</a></h2>`));
  assert.ok(found, `no entry for ${title}`);
  return found;
}

function imageWidths(html: string): number[] {
  return [...html.matchAll(/<img\b[^>]* width="(\d+)"/g)].map((m) => Number(m[1]));
}

describe("--report with an image over the preview bound", () => {
  test("check: the big image is shown downscaled, with a 1:1 crop, and the page says so", async () => {
    const out = join(work, "check-out");
    mkdirSync(out);
    const page = join(out, "report.html");
    const result = await runMain(["check", set, "--report", page, "--jobs", "2"]);
    assert.equal(result.code, 0, result.stderr);
    // The images waited in a spool beside the report: nothing of it is left.
    assert.deepEqual(readdirSync(out), ["report.html"]);
    const html = readFileSync(page, "utf8");
    const data = pageData(html);
    const entry = data.entries.find((e) => e.title === big);
    assert.ok(entry?.preview?.crop);
    assert.deepEqual(
      { ...entry.preview, crop: null },
      { divisor: 2, width: 1200, height: 650, crop: null },
    );
    // The figures are the full image's.
    assert.deepEqual(
      entry.report?.payloads.map((p) => `${p.width}x${p.height}`),
      ["2400x1300", "2400x1300"],
    );
    const { crop } = entry.preview;
    assert.equal(crop.by, "mismatch");
    assert.ok(
      crop.x < BIG_TEXT.x + BIG_TEXT.width &&
        crop.x + crop.width > BIG_TEXT.x &&
        crop.y < BIG_TEXT.y + BIG_TEXT.height &&
        crop.y + crop.height > BIG_TEXT.y,
      `the crop ${JSON.stringify(crop)} misses the text, where the JPEG loses`,
    );
    const shown = section(html, big);
    assert.ok(shown.includes("shown at 50%: 2400×1300 → 1200×650"), "the scale is stated");
    assert.ok(shown.includes(`1:1 crop: 512×512 at x ${crop.x}, y ${crop.y}`));
    assert.deepEqual(imageWidths(shown), [1200, 1200, 1200, 512, 512, 512]);
    // The small image is embedded as it is, with no note.
    const small = section(html, join(set, "small.png"));
    assert.doesNotMatch(small, /shown at/);
    assert.deepEqual(imageWidths(small), [384, 384, 384]);
    assert.equal(data.entries.find((e) => e.title.endsWith("small.png"))?.preview, null);
    // Far smaller than the full-size PNG payload alone.
    assert.ok(
      shown.length < (entry.report?.payloads[0]?.bytes ?? 0),
      `${shown.length} characters for the big image`,
    );
  });

  test("compare: the same preview for one image", async () => {
    const page = join(work, "compare.html");
    const result = await runMain(["compare", big, "--report", page]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(page, "utf8");
    assert.ok(html.includes("shown at 50%: 2400×1300 → 1200×650"));
    assert.deepEqual(imageWidths(html), [1200, 1200, 1200, 512, 512, 512]);
    assert.equal(pageData(html).entries[0]?.preview?.divisor, 2);
  });
});
