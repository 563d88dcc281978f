import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import sharp from "sharp";
import { fixture, runMain } from "../helpers/cli.js";
import { noisePng } from "../helpers/images.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-model-"));

function dataUriBytes(stdout: string): Buffer {
  const match = /^data:image\/png;base64,([A-Za-z0-9+/]+=*)\n$/.exec(stdout);
  assert.ok(match, stdout.slice(0, 80));
  return Buffer.from(match[1] as string, "base64");
}

describe("--model", () => {
  test("compare reports the plan, tokens and metrics at the model's size", async () => {
    const result = await runMain([
      "compare",
      fixture("text-and-lines.png"),
      "--model",
      "qwen2.5-vl",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    // 512x384: round(512/28)=18 -> 504, round(384/28)=14 -> 392; 18*14 = 252 visual tokens.
    assert.deepEqual(report.model.plan.resized, { width: 504, height: 392 });
    assert.equal(report.model.plan.tokens, 252);
    assert.equal(report.model.metrics.width, 504);
    assert.equal(report.model.metrics.pixels, 504 * 392);
    // At nearly full size the smeared text stays: the model keeps the loss.
    assert.equal(report.model.hidesLoss, false);
    assert.match(report.model.summary, /keeps the JPEG loss/);
  });

  test("a downscale hides most of the JPEG loss, and the report says so", async () => {
    // Pixel-level noise: JPEG mangles every pixel, and a 3x downscale averages most of it out.
    const path = join(work, "noise.png");
    writeFileSync(path, await noisePng(1536, 1024));
    const result = await runMain([
      "compare",
      path,
      "--model",
      "qwen2.5-vl",
      "--max-pixels",
      "200704",
      "--json",
    ]);
    const report = JSON.parse(result.stdout);
    assert.equal(report.model.hidesLoss, true, report.model.summary);
    assert.ok(report.model.metrics.psnr - report.metrics.psnr >= 3);
    assert.match(report.model.summary, /hides/);
    const text = await runMain([
      "compare",
      path,
      "--model",
      "qwen2.5-vl",
      "--max-pixels",
      "200704",
    ]);
    assert.match(text.stdout, /what qwen2\.5-vl sees/);
    assert.match(text.stdout, /hides .*JPEG loss/);
  });

  test("an aspect ratio over 200 is the model's error, not a crash", async () => {
    const path = join(work, "strip.png");
    writeFileSync(
      path,
      await sharp({ create: { width: 2010, height: 10, channels: 3, background: "#888" } })
        .png()
        .toBuffer(),
    );
    const result = await runMain(["compare", path, "--model", "qwen2-vl", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout);
    assert.match(report.model.plan.error, /aspect ratio/);
    assert.equal(report.model.metrics, null);
    assert.ok(report.metrics !== null, "full-size metrics still reported");
  });

  test("inspect gives the size and token cost per model", async () => {
    const cases: [string, { width: number; height: number } | null, number][] = [
      // 384x256 is already a multiple of 32: Qwen3-VL keeps it, 12 x 8 patches of 32 px.
      ["qwen3-vl", null, 96],
      ["gpt-4o", null, 255],
      ["claude", null, 132],
    ];
    for (const [model, resized, tokens] of cases) {
      const result = await runMain(["inspect", fixture("photo.png"), "--model", model, "--json"]);
      const report = JSON.parse(result.stdout);
      assert.deepEqual(report.model.resized, resized, model);
      assert.equal(report.model.tokens, tokens, model);
    }
  });
});

describe("encode --model-view", () => {
  test("a 120x160 RGBA image under qwen2.5-vl becomes 112x168 with transparent areas white", async () => {
    const rgba = Buffer.alloc(120 * 160 * 4);
    for (let y = 0; y < 160; y++) {
      for (let x = 0; x < 120; x++) {
        const i = (y * 120 + x) * 4;
        // Left half opaque red; right half fully transparent with black stored underneath.
        if (x < 60) rgba.set([220, 20, 20, 255], i);
      }
    }
    const path = join(work, "half-transparent.png");
    writeFileSync(
      path,
      await sharp(rgba, { raw: { width: 120, height: 160, channels: 4 } })
        .png()
        .toBuffer(),
    );
    const result = await runMain(["encode", path, "--model-view", "qwen2.5-vl"]);
    assert.equal(result.code, 0, result.stderr);
    const png = dataUriBytes(result.stdout);
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [112, 168, 3]);
    const at = (x: number, y: number) => [
      ...data.subarray((y * 112 + x) * 3, (y * 112 + x) * 3 + 3),
    ];
    assert.deepEqual(at(100, 80), [255, 255, 255], "transparent area is white, not black");
    assert.deepEqual(at(10, 80), [220, 20, 20]);
    assert.match(result.stderr, /resized 120x160 to 112x168/);
  });

  test("cannot be combined with other encodings", async () => {
    const result = await runMain([
      "encode",
      fixture("photo.png"),
      "--model-view",
      "claude",
      "--lossy",
    ]);
    assert.equal(result.code, 2);
  });
});
