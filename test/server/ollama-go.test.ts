import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import sharp from "sharp";
import { decode } from "../../src/image/decode.js";
import { goDecode } from "../../src/image/go-decode.js";
import { ollamaGo } from "../../src/server/ollama-go.js";
import { ROOT } from "../helpers/cli.js";
import { skipUnlessGo } from "../helpers/go.js";
import { noise } from "../helpers/images.js";
import { type GoRequest, pixelDiff, runOllamaGo } from "../helpers/ollama-go.js";
import { randomRows, rawPng, u16 } from "../helpers/png.js";

/** Qwen2.5-VL's and Qwen3-VL's SmartResize parameters in the Go engine, in MODELS order. */
const PLANS: GoRequest["plans"] = [
  { factor: 28, minPixels: 3136, maxPixels: 2097152 },
  { factor: 32, minPixels: 65536, maxPixels: 2097152 },
];
const MODELS = ["qwen2.5-vl", "qwen3-vl"] as const;

const rgbaNoise = (w: number, h: number, seed: number) =>
  sharp(noise(w, h, 4, seed), { raw: { width: w, height: h, channels: 4 } });

/** A BMP with the given header size and bits per pixel, rows bottom-up unless topDown. */
function bmp(width: number, height: number, bpp: 8 | 24 | 32, infoLen: 40 | 108, topDown = false) {
  const paletteBytes = bpp === 8 ? 256 * 4 : 0;
  const stride = bpp === 8 ? (width + 3) & ~3 : bpp === 24 ? (3 * width + 3) & ~3 : 4 * width;
  const offset = 14 + infoLen + paletteBytes;
  const out = Buffer.alloc(offset + stride * height);
  out.write("BM", 0, "latin1");
  out.writeUInt32LE(out.length, 2);
  out.writeUInt32LE(offset, 10);
  out.writeUInt32LE(infoLen, 14);
  out.writeInt32LE(width, 18);
  out.writeInt32LE(topDown ? -height : height, 22);
  out.writeUInt16LE(1, 26);
  out.writeUInt16LE(bpp, 28);
  const body = noise(paletteBytes + stride * height, 1, 3, width + bpp);
  body.copy(out, 14 + infoLen, 0, out.length - 14 - infoLen);
  return out;
}

function photo16(): Uint16Array {
  const bytes = noise(29 * 2, 31, 3, 27);
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
}

/** Every kind of source the Go decoders produce, small, plus SmartResize's edge cases. */
async function stressImages(): Promise<[string, Buffer][]> {
  const grey = (
    bitDepth: 1 | 2 | 4 | 8 | 16,
    w: number,
    h: number,
    chunks: [string, Uint8Array][] = [],
  ) =>
    rawPng({
      width: w,
      height: h,
      bitDepth,
      colourType: 0,
      rows: randomRows(Math.ceil((w * bitDepth) / 8), h, bitDepth),
      chunks,
    });
  const palette = Buffer.from(noise(16, 1, 3, 5));
  const alphas = Uint8Array.from({ length: 12 }, (_, i) => i * 23);
  return [
    ["grey 1-bit", grey(1, 61, 37)],
    ["grey 2-bit with tRNS", grey(2, 45, 33, [["tRNS", u16(2)]])],
    ["grey 4-bit", grey(4, 33, 40)],
    ["grey 8-bit with tRNS", grey(8, 40, 30, [["tRNS", u16(77)]])],
    ["grey 16-bit with tRNS", grey(16, 31, 29, [["tRNS", u16(0x1234)]])],
    [
      "grey+alpha 8-bit",
      rawPng({ width: 37, height: 41, bitDepth: 8, colourType: 4, rows: randomRows(74, 41, 3) }),
    ],
    [
      "grey+alpha 16-bit",
      rawPng({ width: 35, height: 30, bitDepth: 16, colourType: 4, rows: randomRows(140, 30, 4) }),
    ],
    [
      "RGB 8-bit with tRNS",
      rawPng({
        width: 30,
        height: 30,
        bitDepth: 8,
        colourType: 2,
        rows: randomRows(90, 30, 6).map((r) => r.map((v) => v & 0xc0)),
        chunks: [["tRNS", u16(0x40, 0x80, 0xc0)]],
      }),
    ],
    [
      "RGB 16-bit",
      rawPng({ width: 29, height: 33, bitDepth: 16, colourType: 2, rows: randomRows(174, 33, 7) }),
    ],
    [
      "RGB 16-bit with tRNS",
      rawPng({
        width: 29,
        height: 28,
        bitDepth: 16,
        colourType: 2,
        rows: randomRows(174, 28, 8).map((r) => r.map((v) => v & 0x80)),
        chunks: [["tRNS", u16(0x8080, 0, 0x8000)]],
      }),
    ],
    [
      "RGBA 8-bit",
      rawPng({ width: 43, height: 39, bitDepth: 8, colourType: 6, rows: randomRows(172, 39, 9) }),
    ],
    [
      "RGBA 16-bit",
      rawPng({ width: 33, height: 47, bitDepth: 16, colourType: 6, rows: randomRows(264, 47, 10) }),
    ],
    [
      "palette 4-bit with tRNS",
      rawPng({
        width: 50,
        height: 30,
        bitDepth: 4,
        colourType: 3,
        rows: randomRows(25, 30, 11).map((r) => r.map((v) => v & 0xbb)),
        chunks: [
          ["PLTE", palette],
          ["tRNS", alphas],
        ],
      }),
    ],
    ["palette 8-bit", await rgbaNoise(40, 40, 12).png({ palette: true, colours: 200 }).toBuffer()],
    ["1x1", await rgbaNoise(1, 1, 13).png().toBuffer()],
    ["27x100 (under one factor)", await rgbaNoise(27, 100, 14).png().toBuffer()],
    ["28x28", await rgbaNoise(28, 28, 15).png().toBuffer()],
    ["31x29", await rgbaNoise(31, 29, 16).png().toBuffer()],
    ["5600x28 (ratio 200)", await rgbaNoise(5600, 28, 17).png().toBuffer()],
    ["32x6431 (ratio 200.97, integer 200)", await rgbaNoise(32, 6431, 18).png().toBuffer()],
    ["28x5629 (ratio 201)", await rgbaNoise(28, 5629, 19).png().toBuffer()],
    [
      "1450x1450 (over 2,097,152)",
      await sharp(noise(1450, 1450, 3, 20), { raw: { width: 1450, height: 1450, channels: 3 } })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    ],
    ["BMP 24-bit", bmp(31, 29, 24, 40)],
    ["BMP 24-bit top-down", bmp(30, 30, 24, 40, true)],
    ["BMP 32-bit, info header (alpha ignored)", bmp(29, 30, 32, 40)],
    ["BMP 32-bit, V4 header (alpha kept)", bmp(33, 28, 32, 108)],
    ["BMP 8-bit, 256 colours", bmp(35, 29, 8, 40)],
    [
      "TIFF RGB LZW",
      await rgbaNoise(40, 30, 21).removeAlpha().tiff({ compression: "lzw" }).toBuffer(),
    ],
    ["TIFF RGBA deflate", await rgbaNoise(30, 40, 22).tiff({ compression: "deflate" }).toBuffer()],
    [
      "TIFF grey",
      await rgbaNoise(30, 30, 23)
        .removeAlpha()
        .toColourspace("b-w")
        .tiff({ compression: "packbits" })
        .toBuffer(),
    ],
    ["TIFF JPEG-compressed", await rgbaNoise(30, 30, 26).removeAlpha().tiff().toBuffer()],
    [
      "TIFF 16-bit RGB",
      await sharp(photo16(), { raw: { width: 29, height: 31, channels: 3 } })
        .toColourspace("rgb16")
        .tiff({ compression: "deflate" })
        .toBuffer(),
    ],
    ["WebP lossless RGBA", await rgbaNoise(45, 37, 24).webp({ lossless: true }).toBuffer()],
    [
      "WebP lossless RGB",
      await rgbaNoise(37, 45, 25).removeAlpha().webp({ lossless: true }).toBuffer(),
    ],
  ];
}

/** The largest difference measured on lossy WebP (decode), with some room. */
const LOSSY_BOUND = 90;

/** Lossy WebP: libwebp (sharp) against Go's x/image/vp8; measured, not exact. */
async function lossyWebp(): Promise<[string, Buffer][]> {
  const photo = readFileSync(join(ROOT, "fixtures", "photo.png"));
  const logo = readFileSync(join(ROOT, "fixtures", "logo-alpha.png"));
  return [
    ["WebP lossy photo q90", await sharp(photo).webp({ quality: 90 }).toBuffer()],
    ["WebP lossy logo with alpha", await sharp(logo).webp({ quality: 80 }).toBuffer()],
  ];
}

function fixtures(): [string, Buffer][] {
  return readdirSync(join(ROOT, "fixtures"))
    .filter((name) => name !== "README.md")
    .map((name) => [name, readFileSync(join(ROOT, "fixtures", name))]);
}

describe("ollama-go against Go (image.Decode, Composite, SmartResize, draw.BiLinear)", () => {
  test("decode, plan and model view are identical on fixtures and stress images", {
    skip: skipUnlessGo(),
  }, async (t) => {
    const exact = [...fixtures(), ...(await stressImages())];
    const lossy = await lossyWebp();
    const inputs = [...exact, ...lossy];
    const replies = runOllamaGo(
      inputs.map(([, bytes]) => ({ request: { op: "image", plans: PLANS }, payload: bytes })),
    );
    for (const [index, [name, bytes]] of inputs.entries()) {
      const { reply, payload } = replies[index] as (typeof replies)[number];
      // Debian's Go is 1.19: its image/jpeg IDCT, not Go 1.26's that Ollama was built with.
      const ours = await goDecode(bytes, "1.19");
      if (reply.error !== undefined) {
        assert.deepEqual(ours, { error: reply.error }, name);
        continue;
      }
      assert.ok(!("error" in ours), `${name}: ${"error" in ours ? ours.error : ""}`);
      assert.equal(ours.width, reply.width, name);
      assert.equal(ours.height, reply.height, name);
      let at = ours.width * ours.height * 3;
      const composite = pixelDiff(ours.rgb, payload.subarray(0, at));
      const isLossy = index >= exact.length;
      if (!isLossy) assert.deepEqual(composite, { max: 0, share: 0 }, `${name} (${reply.type})`);
      const lines = [
        `${name} (${reply.type}) decode: max ${composite.max}, ${(composite.share * 100).toFixed(2)}%`,
      ];
      for (const [m, model] of MODELS.entries()) {
        const goPlan = reply.plans?.[m];
        const plan = ollamaGo.plan(model, ours.width, ours.height);
        if (goPlan?.panic !== undefined) {
          assert.equal(plan.error, `panic: ${goPlan.panic}`, `${name} ${model}`);
          assert.equal(plan.tokens, null);
          continue;
        }
        const target = plan.resized ?? plan.input;
        assert.deepEqual(
          target,
          { width: goPlan?.width, height: goPlan?.height },
          `${name} ${model}`,
        );
        assert.equal(plan.tokens, (target.width * target.height) / (m === 0 ? 28 * 28 : 32 * 32));
        const size = target.width * target.height * 3;
        const view = ollamaGo.view(ours, plan);
        const diff = pixelDiff(view.rgb, payload.subarray(at, at + size));
        at += size;
        if (!isLossy) assert.deepEqual(diff, { max: 0, share: 0 }, `${name} ${model} view`);
        lines.push(
          `${model} ${target.width}x${target.height}: max ${diff.max}, ${(diff.share * 100).toFixed(2)}%`,
        );
      }
      // Lossy WebP goes through libwebp, not Go's VP8 decoder: bounded, not exact.
      if (isLossy) assert.ok(composite.max <= LOSSY_BOUND, `${name}: ${lines.join("; ")}`);
      t.diagnostic(lines.join("; "));
    }
  });

  test("read() takes the bytes as received, and GIF is not a format Go knows", async () => {
    const gif = readFileSync(join(ROOT, "fixtures", "animated.gif"));
    const png = readFileSync(join(ROOT, "fixtures", "logo-alpha.png"));
    assert.deepEqual(await ollamaGo.read({ bytes: gif, image: await decode(gif) }), {
      error: "image: unknown format",
    });
    const pixels = await ollamaGo.read({ bytes: png, image: await decode(png) });
    assert.ok(!("error" in pixels));
    // Transparent magenta composites to white: alpha is applied, not dropped.
    assert.deepEqual(
      [...pixels.rgb.subarray((2 * 320 + 2) * 3, (2 * 320 + 2) * 3 + 3)],
      [255, 255, 255],
    );
  });
});

describe("ollama-go plans", () => {
  test("SmartResize rounds half to even, has no one-factor floor, and caps at 2,097,152", () => {
    assert.deepEqual(ollamaGo.plan("qwen2.5-vl", 42, 42).resized, { width: 56, height: 56 });
    assert.deepEqual(ollamaGo.plan("qwen2.5-vl", 98, 70).resized, { width: 112, height: 56 });
    // 27 px is under one factor: the Go engine panics where qwen-vl-utils would pad to 28.
    assert.equal(
      ollamaGo.plan("qwen2.5-vl", 27, 500).error,
      "panic: height:500 or width:27 must be larger than factor:28",
    );
    const big = ollamaGo.plan("qwen2.5-vl", 1500, 1500);
    assert.deepEqual(big.resized, { width: 1428, height: 1428 });
    assert.equal(big.tokens, 51 * 51);
    assert.deepEqual(ollamaGo.plan("qwen2.5-vl", 1500, 1500, { maxPixels: 1 << 20 }).resized, {
      width: 1008,
      height: 1008,
    });
  });

  test("a model the Go engine did not serve is refused with the list it serves", () => {
    assert.equal(
      ollamaGo.plan("qwen2-vl", 100, 100).error,
      "ollama-go does not serve qwen2-vl; it serves qwen2.5-vl, qwen3-vl",
    );
  });
});

/** decodeImageURL's inputs: prefixes, URLs, and what base64.StdEncoding takes. */
const REFERENCES = [
  "data:image/png;base64,aGk=",
  "data:image/jpeg;base64,aGk=",
  "data:image/jpg;base64,aGk=",
  "data:image/webp;base64,aGk=",
  "data:;base64,aGk=",
  "data:image/gif;base64,aGk=",
  "data:image/PNG;base64,aGk=",
  "DATA:image/png;base64,aGk=",
  "data:image/png;charset=utf-8;base64,aGk=",
  "data:image/png;BASE64,aGk=",
  "data:image/png; base64,aGk=",
  "data:image/png,aGk=",
  "data:image/png;base64,aGk",
  "data:image/png;base64,aGk=\n",
  "data:image/png;base64,aG\r\nk=",
  "data:image/png;base64,aG k=",
  "data:image/png;base64,aG\tk=",
  "data:image/png;base64,aGl=",
  "data:image/png;base64,aGk==",
  "data:image/png;base64,aGk=aGk=",
  "data:image/png;base64,",
  "data:image/png;base64,aGk-",
  "https://example.com/cat.png",
  "http://example.com/cat.png",
  "HTTPS://example.com/cat.png",
  "ftp://example.com/cat.png",
  "/9j/4AAQ",
];

test("accepts() gives decodeImageURL's verdict and error on every reference", {
  skip: skipUnlessGo(),
}, () => {
  const replies = runOllamaGo(REFERENCES.map((url) => ({ request: { op: "url", url } })));
  for (const [i, url] of REFERENCES.entries()) {
    const verdict = ollamaGo.accepts(url);
    const go = replies[i]?.reply;
    assert.equal(verdict.accepted, go?.error === undefined, JSON.stringify(url));
    assert.equal(verdict.reason, go?.error ?? null, JSON.stringify(url));
  }
});
