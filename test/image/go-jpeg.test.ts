import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { describe, test } from "node:test";
import sharp from "sharp";
import { decodeGoJpeg } from "../../src/image/go-jpeg.js";
import { fixture, ROOT } from "../helpers/cli.js";
import { runGo, skipUnlessGo } from "../helpers/go.js";
import { noise } from "../helpers/images.js";
import { writeBaselineJpeg } from "../helpers/jpeg-writer.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";
import { rng } from "../helpers/random.js";

// What Ollama does with an image: image.Decode, then Composite onto white (draw.Src of a white
// Uniform, then draw.Over). Each answer is 'K', width and height (u32 BE) and the RGBA pixels,
// or 'E' and Go's error text.
const GO_DECODE = `package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg"
	"io"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for {
		var size uint32
		if binary.Read(in, binary.BigEndian, &size) != nil {
			return
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(in, data); err != nil {
			panic(err)
		}
		var reply []byte
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			reply = append([]byte{'E'}, err.Error()...)
		} else {
			b := img.Bounds()
			dst := image.NewRGBA(b)
			draw.Draw(dst, b, &image.Uniform{color.White}, image.Point{}, draw.Src)
			draw.Draw(dst, b, img, b.Min, draw.Over)
			head := make([]byte, 9)
			head[0] = 'K'
			binary.BigEndian.PutUint32(head[1:], uint32(b.Dx()))
			binary.BigEndian.PutUint32(head[5:], uint32(b.Dy()))
			reply = append(head, dst.Pix...)
		}
		binary.Write(out, binary.BigEndian, uint32(len(reply)))
		out.Write(reply)
	}
}
`;

// Pillow and OpenCV (libjpeg-turbo) encodes: every subsampling Pillow writes, progressive,
// restart intervals, grey and CMYK, qualities 1 and 100. Answers are framed like runGo's.
const PYTHON_ENCODE = `
import io, struct, sys
import cv2, numpy as np
from PIL import Image
rng = np.random.default_rng(1)
out = sys.stdout.buffer
def emit(name, data):
    for part in (name.encode(), data):
        out.write(struct.pack(">I", len(part)) + part)
for w, h in [(1, 1), (2, 3), (7, 5), (16, 16), (17, 9), (37, 23), (64, 48)]:
    y, x = np.mgrid[0:h, 0:w]
    a = np.stack([x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), (x + y) * 7 % 256], -1)
    a = (a + rng.integers(-40, 40, a.shape)).clip(0, 255).astype(np.uint8)
    im = Image.fromarray(a)
    for q in (1, 100):
        for sub in (0, 1, 2):
            for prog in (False, True):
                b = io.BytesIO()
                im.save(b, "JPEG", quality=q, subsampling=sub, progressive=prog)
                emit(f"pillow {w}x{h} q{q} subsampling {sub} progressive {prog}", b.getvalue())
    for mode, prog in (("CMYK", False), ("CMYK", True), ("L", True)):
        b = io.BytesIO()
        im.convert(mode).save(b, "JPEG", quality=80, progressive=prog)
        emit(f"pillow {mode} {w}x{h} progressive {prog}", b.getvalue())
    for prog in (0, 1):
        for rst in (0, 1, 3):
            ok, b = cv2.imencode(".jpg", a, [cv2.IMWRITE_JPEG_PROGRESSIVE, prog, cv2.IMWRITE_JPEG_RST_INTERVAL, rst])
            emit(f"opencv {w}x{h} progressive {prog} restart {rst}", b.tobytes())
    ok, b = cv2.imencode(".jpg", cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), [cv2.IMWRITE_JPEG_RST_INTERVAL, 2])
    emit(f"opencv grey {w}x{h} restart 2", b.tobytes())
`;

interface Case {
  name: string;
  bytes: Uint8Array;
}

function unframe(out: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  for (let at = 0; at < out.length; ) {
    const size = out.readUInt32BE(at);
    parts.push(out.subarray(at + 4, at + 4 + size));
    at += 4 + size;
  }
  return parts;
}

function pythonCases(): Case[] {
  const parts = unframe(runPython(PYTHON_ENCODE));
  const cases: Case[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    cases.push({ name: (parts[i] as Buffer).toString(), bytes: parts[i + 1] as Buffer });
  }
  return cases;
}

async function sharpCases(): Promise<Case[]> {
  const cases: Case[] = [];
  for (const [w, h] of [
    [1, 1],
    [3, 2],
    [9, 17],
    [37, 23],
    [100, 60],
  ] as const) {
    const raw = sharp(noise(w, h), { raw: { width: w, height: h, channels: 3 } });
    for (const chromaSubsampling of ["4:2:0", "4:4:4"]) {
      for (const progressive of [false, true]) {
        for (const quality of [1, 75, 100]) {
          const bytes = await raw
            .clone()
            .jpeg({ quality, chromaSubsampling, progressive })
            .toBuffer();
          cases.push({
            name: `sharp ${w}x${h} ${chromaSubsampling} q${quality} p${progressive}`,
            bytes,
          });
        }
      }
    }
    const tagged = await raw
      .clone()
      .withMetadata({ orientation: 6 })
      .withIccProfile("p3")
      .jpeg({ mozjpeg: true })
      .toBuffer();
    cases.push({ name: `sharp ${w}x${h} mozjpeg with EXIF and ICC`, bytes: tagged });
    const grey = await raw.clone().greyscale().jpeg({ quality: 60 }).toBuffer();
    cases.push({ name: `sharp grey ${w}x${h}`, bytes: grey });
  }
  return cases;
}

/** Files with the sampling factors, ids, Adobe transforms and restarts that Go treats apart. */
function writerCases(): Case[] {
  const cases: Case[] = [];
  const sample = (c: number, x: number, y: number) =>
    (x * 37 + y * 91 + c * 60 + ((x * y) % 13) * 9) & 255;
  const sizes: [number, number][] = [
    [1, 1],
    [13, 7],
    [37, 23],
  ];
  const three: [number, number, number, number][] = [
    [1, 1, 1, 1],
    [2, 1, 1, 1],
    [2, 2, 1, 1],
    [1, 2, 1, 1],
    [4, 1, 1, 1],
    [4, 2, 1, 1],
    [4, 2, 2, 1],
    [4, 2, 1, 2],
    [2, 2, 2, 1],
    [2, 2, 1, 2],
    [2, 2, 2, 2],
    [4, 1, 2, 1],
    [1, 1, 2, 1], // chroma denser than luma: rejected
    [3, 1, 1, 1], // h = 3: rejected
    [1, 4, 1, 1], // luma v = 4: rejected
  ];
  for (const [w, h] of sizes) {
    for (const [yh, yv, ch, cv] of three) {
      const components = [
        { id: 1, h: yh, v: yv },
        { id: 2, h: ch, v: cv },
        { id: 3, h: ch, v: cv },
      ];
      const name = `writer ${w}x${h} Y ${yh}x${yv} C ${ch}x${cv}`;
      cases.push({
        name,
        bytes: writeBaselineJpeg({ width: w, height: h, components, sample, jfif: true }),
      });
    }
    const rgb = [0x52, 0x47, 0x42].map((id) => ({ id, h: 1, v: 1 }));
    cases.push({
      name: `writer RGB ids ${w}x${h}`,
      bytes: writeBaselineJpeg({ width: w, height: h, components: rgb, sample }),
    });
    const ycc = [1, 2, 3].map((id) => ({ id, h: id === 1 ? 2 : 1, v: 1 }));
    for (const adobeTransform of [0, 1]) {
      cases.push({
        name: `writer Adobe transform ${adobeTransform} ${w}x${h}`,
        bytes: writeBaselineJpeg({ width: w, height: h, components: ycc, sample, adobeTransform }),
      });
    }
    cases.push({
      name: `writer Cr sampled unlike Cb ${w}x${h}`,
      bytes: writeBaselineJpeg({
        width: w,
        height: h,
        components: [
          { id: 1, h: 2, v: 2 },
          { id: 2, h: 1, v: 1 },
          { id: 3, h: 2, v: 1 },
        ],
        sample,
      }),
    });
    for (const [hv0, adobeTransform] of [
      [1, 0],
      [2, 0],
      [2, 2],
      [1, 2],
      [2, undefined],
    ] as const) {
      const components = [1, 2, 3, 4].map((id) => ({
        id,
        h: id === 1 || id === 4 ? hv0 : 1,
        v: id === 1 || id === 4 ? hv0 : 1,
      }));
      cases.push({
        name: `writer 4 components ${hv0}x${hv0} Adobe ${adobeTransform} ${w}x${h}`,
        bytes: writeBaselineJpeg({ width: w, height: h, components, sample, adobeTransform }),
      });
    }
    cases.push({
      name: `writer grey with sampling 2x2 ${w}x${h}`,
      bytes: writeBaselineJpeg({
        width: w,
        height: h,
        components: [{ id: 1, h: 2, v: 2 }],
        sample,
      }),
    });
    for (const restartInterval of [1, 2, 5]) {
      const components = [
        { id: 1, h: 2, v: 2 },
        { id: 2, h: 1, v: 1 },
        { id: 3, h: 1, v: 1 },
      ];
      cases.push({
        name: `writer 4:2:0 restart ${restartInterval} ${w}x${h}`,
        bytes: writeBaselineJpeg({
          width: w,
          height: h,
          components,
          sample,
          restartInterval,
          jfif: true,
        }),
      });
    }
  }
  return cases;
}

/** Truncated, corrupted and unsupported variants of a few files: Go's errors, or what it decodes. */
function damagedCases(sources: Case[]): Case[] {
  const cases: Case[] = [];
  const random = rng(99);
  for (const { name, bytes } of sources) {
    for (const cut of [0.3, 0.9]) {
      cases.push({
        name: `${name} truncated at ${cut}`,
        bytes: bytes.subarray(0, Math.floor(bytes.length * cut)),
      });
    }
    cases.push({ name: `${name} without EOI`, bytes: bytes.subarray(0, bytes.length - 2) });
    for (let k = 0; k < 6; k++) {
      const copy = Uint8Array.from(bytes);
      const at = Math.floor(bytes.length * (0.2 + 0.75 * random()));
      copy[at] = Math.floor(random() * 256);
      cases.push({ name: `${name} byte ${at} set`, bytes: copy });
    }
    const sof = bytes.findIndex(
      (b, i) => b === 0xff && [0xc0, 0xc1, 0xc2].includes(bytes[i + 1] ?? 0),
    );
    for (const [what, patch] of [
      ["arithmetic coding", (c: Uint8Array) => (c[sof + 1] = 0xc9)],
      ["lossless", (c: Uint8Array) => (c[sof + 1] = 0xc3)],
      ["12-bit", (c: Uint8Array) => (c[sof + 4] = 12)],
    ] as const) {
      const copy = Uint8Array.from(bytes);
      patch(copy);
      cases.push({ name: `${name} as ${what}`, bytes: copy });
    }
  }
  cases.push({ name: "empty", bytes: new Uint8Array(0) });
  cases.push({ name: "SOI only", bytes: Uint8Array.from([0xff, 0xd8]) });
  cases.push({ name: "SOI EOI", bytes: Uint8Array.from([0xff, 0xd8, 0xff, 0xd9]) });
  return cases;
}

function compare(cases: Case[]): string[] {
  const answers = runGo(
    GO_DECODE,
    cases.map((c) => c.bytes),
  );
  const failures: string[] = [];
  cases.forEach(({ name, bytes }, i) => {
    const answer = answers[i] as Buffer;
    const mine = decodeGoJpeg(bytes, "1.19");
    if (answer[0] === 0x45) {
      const error = answer.subarray(1).toString();
      if (!("error" in mine) || mine.error !== error) {
        failures.push(
          `${name}: Go fails with "${error}", ours gives ${"error" in mine ? `"${mine.error}"` : "an image"}`,
        );
      }
      return;
    }
    const width = answer.readUInt32BE(1);
    const height = answer.readUInt32BE(5);
    if ("error" in mine) {
      failures.push(`${name}: Go decodes ${width}x${height}, ours fails with "${mine.error}"`);
      return;
    }
    const pixels = answer.subarray(9);
    let differing = 0;
    for (let k = 0; k < pixels.length; k++) if (pixels[k] !== mine.rgba[k]) differing++;
    if (mine.width !== width || mine.height !== height || differing > 0) {
      failures.push(
        `${name}: ${mine.width}x${mine.height} against ${width}x${height}, ${differing} bytes differ`,
      );
    }
  });
  return failures;
}

describe("decodeGoJpeg against Go's image/jpeg and image/draw (Debian's Go, with its IDCT)", () => {
  test("the fixtures", { skip: skipUnlessGo() }, () => {
    const cases = readdirSync(fixture("."))
      .filter((name) => name.endsWith(".jpg"))
      .map((name) => ({ name, bytes: readFileSync(fixture(name)) }));
    assert.equal(cases.length, 4);
    assert.deepEqual(compare(cases), []);
  });

  test("Pillow, OpenCV, sharp and hand-written files, damaged ones, in one Go run", {
    skip: skipUnlessGo() || skipUnlessPython(["PIL", "numpy", "cv2"]),
  }, async () => {
    const made = [...pythonCases(), ...(await sharpCases()), ...writerCases()];
    const damaged = damagedCases(made.filter((_, i) => i % 23 === 0));
    const cases = [...made, ...damaged];
    const failures = compare(cases);
    assert.deepEqual(failures, [], `${failures.length} of ${cases.length} differ`);
  });
});

describe("decodeGoJpeg with Go 1.26's IDCT (Ollama's Go)", () => {
  // Built outside the repository from Go 1.26's dct.go: see test/golden/go-jpeg/PROVENANCE.md.
  const golden = JSON.parse(
    readFileSync(`${ROOT}test/golden/go-jpeg/go1.26.json`, "utf8"),
  ) as Record<string, { width: number; height: number; sha256: string }>;

  test("matches the golden RGBA of every input", () => {
    assert.equal(Object.keys(golden).length, 14);
    for (const [name, expected] of Object.entries(golden)) {
      const result = decodeGoJpeg(readFileSync(`${ROOT}${name}`));
      assert.ok(!("error" in result), name);
      const sha256 = createHash("sha256").update(result.rgba).digest("hex");
      assert.deepEqual({ width: result.width, height: result.height, sha256 }, expected, name);
    }
  });

  test("differs from Go 1.19's IDCT by a few levels on about one byte in a hundred", () => {
    const bytes = readFileSync(fixture("photo.jpg"));
    const now = decodeGoJpeg(bytes);
    const before = decodeGoJpeg(bytes, "1.19");
    assert.ok(!("error" in now) && !("error" in before));
    let differing = 0;
    let max = 0;
    now.rgba.forEach((v, i) => {
      const d = Math.abs(v - (before.rgba[i] as number));
      if (d > 0) differing++;
      max = Math.max(max, d);
    });
    assert.ok(max > 0 && max <= 3, `max ${max}`);
    assert.ok(differing / now.rgba.length < 0.02, `${differing} bytes differ`);
  });
});
