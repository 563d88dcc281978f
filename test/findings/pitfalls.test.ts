import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { compare } from "../../src/compare.js";
import { PITFALL_CODES } from "../../src/findings/pitfalls.js";
import type { Finding } from "../../src/findings/types.js";
import { inspect } from "../../src/inspect.js";
import { fixture } from "../helpers/cli.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

/** scripts/make-fixtures.ts writes every JPEG fixture at this quality. */
const FIXTURE_JPEG_QUALITY = 90;

const PITFALLS: readonly string[] = PITFALL_CODES;

interface Found {
  compare: Finding[];
  inspect: Finding[];
}

async function findings(path: string): Promise<Found> {
  const [compared, inspected] = await Promise.all([compare(path), inspect(path)]);
  return { compare: compared.report.findings, inspect: inspected.findings };
}

const codes = (list: Finding[]) => list.map((f) => f.code).sort();

/**
 * Every pitfall code describes a loss, and a file source raises no other kind of finding: the
 * codes must be exactly the expected ones, in compare and in inspect.
 */
function assertCodes(list: Finding[], expected: string[], where: string): void {
  for (const code of expected) assert.ok(PITFALLS.includes(code), `${code} is no pitfall code`);
  assert.deepEqual(codes(list), [...expected].sort(), `${where}: ${JSON.stringify(list)}`);
}

function only(list: Finding[], code: string): Record<string, number | string | boolean | null> {
  const found = list.filter((f) => f.code === code);
  assert.equal(found.length, 1, `expected one ${code}, got ${JSON.stringify(codes(list))}`);
  const data = found[0]?.data;
  assert.ok(data, `${code} has no data`);
  return data;
}

function num(data: Record<string, unknown>, key: string): number {
  const value = data[key];
  assert.equal(typeof value, "number", `${key} = ${JSON.stringify(value)}`);
  return value as number;
}

/** A JPEG source is always a second generation: check it carries the quality it was written at. */
function assertSecondGeneration(found: Found): void {
  for (const list of [found.compare, found.inspect]) {
    assert.equal(only(list, "second-jpeg-generation").sourceQuality, FIXTURE_JPEG_QUALITY);
  }
}

/** Raw 8-bit RGB(A) of a file as stored: no EXIF rotation, no colour management. */
async function stored(path: string, autoOrient = false) {
  return sharp(path, { autoOrient, ignoreIcc: true }).raw().toBuffer({ resolveWithObject: true });
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

describe("pitfall fixtures raise exactly their own finding", () => {
  test("photo.png, a clean sRGB photo without alpha or EXIF, raises none", async () => {
    const found = await findings(fixture("photo.png"));
    assertCodes(found.compare, [], "compare");
    assertCodes(found.inspect, [], "inspect");
  });

  test("rotated-exif6.jpg: orientation-lost (6), stored pixels unrotated", async () => {
    const path = fixture("rotated-exif6.jpg");
    const found = await findings(path);
    assertCodes(found.compare, ["orientation-lost", "second-jpeg-generation"], "compare");
    assertCodes(found.inspect, ["orientation-lost", "second-jpeg-generation"], "inspect");
    for (const list of [found.compare, found.inspect]) {
      assert.equal(only(list, "orientation-lost").orientation, 6);
    }
    assertSecondGeneration(found);
    const report = (await inspect(path)).image;
    assert.equal(report?.orientation, 6);
    assert.equal(report?.iccProfile, null);
    assert.deepEqual([report?.width, report?.height], [256, 384]);
    // Turned upright as EXIF says, it is photo.png again away from the "UP" and the arrow.
    const upright = await stored(path, true);
    const photo = await stored(fixture("photo.png"));
    assert.deepEqual([upright.info.width, upright.info.height], [384, 256]);
    const right = (b: Buffer) =>
      Buffer.concat(
        Array.from({ length: 256 }, (_, y) => b.subarray((y * 384 + 128) * 3, (y + 1) * 384 * 3)),
      );
    assert.ok(meanAbsDiff(right(upright.data), right(photo.data)) < 3);
  });

  test("adobe-rgb.jpg: icc-dropped names Adobe RGB (1998) and a visible shift", async () => {
    const path = fixture("adobe-rgb.jpg");
    const found = await findings(path);
    assertCodes(found.compare, ["icc-dropped", "second-jpeg-generation"], "compare");
    assertCodes(found.inspect, ["icc-dropped", "second-jpeg-generation"], "inspect");
    for (const list of [found.compare, found.inspect]) {
      const data = only(list, "icc-dropped");
      assert.equal(data.profile, "Adobe RGB (1998)");
      assert.equal(data.formula, "CIEDE2000");
      assert.ok(num(data, "meanDeltaE") > 1.5, `meanDeltaE ${data.meanDeltaE}`);
      assert.ok(num(data, "maxDeltaE") >= num(data, "meanDeltaE"));
    }
    assertSecondGeneration(found);
    const icc = (await inspect(path)).image?.iccProfile;
    assert.deepEqual(
      { description: icc?.description, colourSpace: icc?.colourSpace, version: icc?.version },
      { description: "Adobe RGB (1998)", colourSpace: "RGB", version: "2.1.0" },
    );
  });

  test("adobe-rgb.jpg holds the photo converted into Adobe RGB (lcms via Pillow)", {
    skip: skipUnlessPython(["PIL", "numpy"]),
  }, () => {
    // Stored values are far from photo.png; through the embedded profile they come back to it.
    const script = `
import io, sys
import numpy as np
from PIL import Image, ImageCms
im = Image.open(sys.argv[1])
photo = np.asarray(Image.open(sys.argv[2]).convert("RGB"), dtype=float)
profile = ImageCms.ImageCmsProfile(io.BytesIO(im.info["icc_profile"]))
managed = ImageCms.profileToProfile(im, profile, ImageCms.createProfile("sRGB"), renderingIntent=1)
print(ImageCms.getProfileDescription(profile).strip())
print(np.abs(np.asarray(im, dtype=float) - photo).mean())
print(np.abs(np.asarray(managed, dtype=float) - photo).mean())
`;
    const [name, raw, managed] = runPython(script, [fixture("adobe-rgb.jpg"), fixture("photo.png")])
      .toString()
      .trim()
      .split("\n");
    assert.equal(name, "Adobe RGB (1998)");
    assert.ok(Number(raw) > 4, `stored vs photo.png: ${raw}`);
    assert.ok(Number(managed) < 2.5, `colour-managed vs photo.png: ${managed}`);
  });

  test("deep16.png: depth-reduced, 16 bits, no clipping", async () => {
    const path = fixture("deep16.png");
    const found = await findings(path);
    assertCodes(found.compare, ["depth-reduced"], "compare");
    assertCodes(found.inspect, ["depth-reduced"], "inspect");
    for (const list of [found.compare, found.inspect]) {
      const data = only(list, "depth-reduced");
      assert.equal(data.bitDepth, 16);
      assert.equal("clippedShare" in data, false);
    }
    // The fixture is worth 16 bits: far more distinct green levels than its high bytes hold.
    const { data, info } = await sharp(path)
      .toColourspace("rgb16")
      .raw({ depth: "ushort" })
      .toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 3);
    const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    const greens = new Set<number>();
    for (let i = 1; i < samples.length; i += 3) greens.add(samples[i] as number);
    const high = new Set([...greens].map((v) => v >> 8));
    assert.ok(high.size >= 16, `${high.size} 8-bit levels`);
    assert.ok(greens.size > 5 * high.size, `${greens.size} levels, ${high.size} at 8 bits`);
  });

  test("grey16.png: depth-reduced with most pixels clipped to white", async () => {
    const path = fixture("grey16.png");
    const found = await findings(path);
    assertCodes(found.compare, ["depth-reduced"], "compare");
    assertCodes(found.inspect, ["depth-reduced"], "inspect");
    // Pillow's mode "I" -> RGB clips every sample from 255 up.
    const { data, info } = await sharp(path)
      .toColourspace("grey16")
      .raw({ depth: "ushort" })
      .toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 1);
    const samples = new Uint16Array(data.buffer, data.byteOffset, data.length / 2);
    const clipped = samples.filter((v) => v >= 255).length / samples.length;
    assert.ok(Math.min(...samples) < 255 && Math.max(...samples) === 65535);
    for (const list of [found.compare, found.inspect]) {
      const d = only(list, "depth-reduced");
      assert.equal(d.bitDepth, 16);
      assert.ok(num(d, "clippedShare") > 0.5);
      assert.equal(d.clippedShare, clipped);
    }
  });

  test("grey16.png: the clipped share is what Pillow's convert('RGB') gives", {
    skip: skipUnlessPython(["PIL", "numpy"]),
  }, async () => {
    const script = `
import sys
import numpy as np
from PIL import Image
im = Image.open(sys.argv[1])
rgb = np.asarray(im.convert("RGB"))
print(im.mode, (rgb[:, :, 0] == 255).mean())
`;
    const [mode, share] = runPython(script, [fixture("grey16.png")])
      .toString()
      .trim()
      .split(" ");
    assert.ok(mode === "I" || mode === "I;16", mode);
    const d = only((await inspect(fixture("grey16.png"))).findings, "depth-reduced");
    assert.ok(
      Math.abs(Number(share) - num(d, "clippedShare")) < 1e-9,
      `${share} vs ${d.clippedShare}`,
    );
  });

  test("animated.gif: frames-dropped, 3 frames", async () => {
    const path = fixture("animated.gif");
    const found = await findings(path);
    assertCodes(found.compare, ["frames-dropped"], "compare");
    assertCodes(found.inspect, ["frames-dropped"], "inspect");
    for (const list of [found.compare, found.inspect]) {
      assert.equal(only(list, "frames-dropped").frames, 3);
    }
    const report = await inspect(path);
    assert.equal(report.image?.frames, 3);
    // libvips gives GIFs an alpha channel; no alpha-dropped because frame 1 is opaque.
    assert.equal(report.image?.alpha.translucentPixels, 0);
  });

  test("cmyk.jpg: cmyk-converted with a visible ΔE", async () => {
    const path = fixture("cmyk.jpg");
    const found = await findings(path);
    assertCodes(found.compare, ["cmyk-converted", "second-jpeg-generation"], "compare");
    assertCodes(found.inspect, ["cmyk-converted", "second-jpeg-generation"], "inspect");
    for (const list of [found.compare, found.inspect]) {
      const data = only(list, "cmyk-converted");
      assert.ok(num(data, "meanDeltaE") > 1, `meanDeltaE ${data.meanDeltaE}`);
      assert.ok(num(data, "maxDeltaE") >= num(data, "meanDeltaE"));
      assert.equal(data.formula, "CIEDE2000");
    }
    assertSecondGeneration(found);
    assert.equal((await inspect(path)).image?.colourSpace, "cmyk");
  });

  test("logo-alpha.png: alpha-dropped counts and means the translucent pixels", async () => {
    const path = fixture("logo-alpha.png");
    const found = await findings(path);
    // The Pillow JPEG is also bigger than this flat-colour PNG: a real second loss.
    assertCodes(found.compare, ["alpha-dropped", "payload-larger-than-source"], "compare");
    assertCodes(found.inspect, ["alpha-dropped"], "inspect");
    const { data, info } = await stored(path);
    assert.equal(info.channels, 4);
    let count = 0;
    const sums = { storedR: 0, storedG: 0, storedB: 0, whiteR: 0, whiteG: 0, whiteB: 0 };
    for (let i = 0; i < data.length; i += 4) {
      const a = data[i + 3] as number;
      if (a === 255) continue;
      count++;
      const [r, g, b] = [data[i] as number, data[i + 1] as number, data[i + 2] as number];
      sums.storedR += r;
      sums.storedG += g;
      sums.storedB += b;
      // Onto white: c·α + 255·(1 − α).
      sums.whiteR += (r * a + 255 * (255 - a)) / 255;
      sums.whiteG += (g * a + 255 * (255 - a)) / 255;
      sums.whiteB += (b * a + 255 * (255 - a)) / 255;
    }
    assert.ok(count > 0);
    for (const list of [found.compare, found.inspect]) {
      const d = only(list, "alpha-dropped");
      assert.equal(d.pixels, count);
      assert.equal(d.share, count / (info.width * info.height));
      for (const [key, sum] of Object.entries(sums)) {
        // data keeps 2 decimals.
        assert.ok(Math.abs(num(d, key) - sum / count) <= 0.005 + 1e-9, `${key}: ${d[key]}`);
      }
    }
    // Transparent pixels store magenta and black, so Pillow's view is far from white.
    const d = only(found.inspect, "alpha-dropped");
    assert.ok(num(d, "whiteG") - num(d, "storedG") > 100);
  });

  test("logo-alpha.png: the stored means are what Pillow's convert('RGB') shows", {
    skip: skipUnlessPython(["PIL", "numpy"]),
  }, async () => {
    const script = `
import sys
import numpy as np
from PIL import Image
im = Image.open(sys.argv[1])
alpha = np.asarray(im.getchannel("A"))
rgb = np.asarray(im.convert("RGB"), dtype=float)[alpha < 255]
print(len(rgb), *rgb.mean(axis=0))
`;
    const [count, r, g, b] = runPython(script, [fixture("logo-alpha.png")])
      .toString()
      .trim()
      .split(" ")
      .map(Number);
    const d = only((await inspect(fixture("logo-alpha.png"))).findings, "alpha-dropped");
    assert.equal(d.pixels, count);
    for (const [key, value] of [
      ["storedR", r],
      ["storedG", g],
      ["storedB", b],
    ] as const) {
      assert.ok(Math.abs(num(d, key) - (value ?? Number.NaN)) <= 0.005 + 1e-9, `${key}: ${d[key]}`);
    }
  });

  test("text-and-lines.png: payload-larger-than-source and chroma-subsampling", async () => {
    const path = fixture("text-and-lines.png");
    const found = await findings(path);
    assertCodes(found.compare, ["chroma-subsampling", "payload-larger-than-source"], "compare");
    // Both are about the lossy payload, which inspect does not build.
    assertCodes(found.inspect, [], "inspect");
    const larger = only(found.compare, "payload-larger-than-source");
    assert.equal(larger.sourceBytes, statSync(path).size);
    assert.ok(num(larger, "payloadBytes") > num(larger, "sourceBytes"));
    const chroma = only(found.compare, "chroma-subsampling");
    const worst = Math.min(num(chroma, "cbPsnr"), num(chroma, "crPsnr"));
    const worst444 = Math.min(num(chroma, "cbPsnr444"), num(chroma, "crPsnr444"));
    assert.ok(worst444 - worst >= 6, `4:2:0 ${worst} dB, 4:4:4 ${worst444} dB`);
  });

  test("photo-p3.png: icc-dropped for a Display P3 profile over sRGB-intended values", async () => {
    const found = await findings(fixture("photo-p3.png"));
    assertCodes(found.compare, ["icc-dropped"], "compare");
    assertCodes(found.inspect, ["icc-dropped"], "inspect");
    for (const list of [found.compare, found.inspect]) {
      const data = only(list, "icc-dropped");
      // libvips' built-in compact P3 profile calls itself "sP3C".
      assert.equal(data.profile, "sP3C");
      assert.ok(num(data, "meanDeltaE") > 1, `meanDeltaE ${data.meanDeltaE}`);
    }
  });
});

describe("sRGB profiles are no pitfall", () => {
  let work = "";
  before(() => {
    work = mkdtempSync(join(tmpdir(), "imgenc-pitfalls-"));
  });
  after(() => {
    if (work !== "") rmSync(work, { recursive: true, force: true });
  });

  test("photo.png with an embedded sRGB profile raises no icc-dropped (nor anything)", async () => {
    const path = join(work, "photo-srgb.png");
    writeFileSync(path, await sharp(fixture("photo.png")).withIccProfile("srgb").png().toBuffer());
    const report = await inspect(path);
    assert.equal(report.image?.iccProfile?.description, "sRGB");
    const found = await findings(path);
    assertCodes(found.compare, [], "compare");
    assertCodes(found.inspect, [], "inspect");
  });

  test("an sRGB profile under another name is measured, and still raises nothing", async () => {
    // sharp's sRGB profile with its mluc description renamed: only the ΔE check can clear it.
    const srgb = (await sharp(fixture("photo.png"))
      .withIccProfile("srgb")
      .png()
      .toBuffer()) as Buffer;
    const icc = (await sharp(srgb).metadata()).icc;
    assert.ok(icc);
    const name = Buffer.from("sRGB", "utf16le").swap16();
    const at = icc.indexOf(name);
    assert.ok(at > 0, "no UTF-16 'sRGB' in the profile");
    Buffer.from("Mine", "utf16le").swap16().copy(icc, at);
    const profile = join(work, "renamed.icc");
    writeFileSync(profile, icc);
    const path = join(work, "photo-renamed.png");
    writeFileSync(path, await sharp(fixture("photo.png")).withIccProfile(profile).png().toBuffer());
    const report = await inspect(path);
    assert.equal(report.image?.iccProfile?.description, "Mine");
    const found = await findings(path);
    assertCodes(found.compare, [], "compare");
    assertCodes(found.inspect, [], "inspect");
    // The renamed file keeps photo.png's values: an identity conversion.
    const [a, b] = await Promise.all([stored(path), stored(fixture("photo.png"))]);
    assert.ok(meanAbsDiff(a.data, b.data) < 0.5);
  });
});
