import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { llamaBase64Decode, llamaCpp } from "../../src/server/llama-cpp.js";
import { checkAgainstGoldens, GOLDENS, goldenInputs } from "../helpers/mtmd-goldens.js";

const inputs = await goldenInputs();

describe("llama.cpp server path against llama.cpp's own functions", () => {
  for (const { name, bytes } of inputs) {
    test(`${name}: stb decode, grid, Pillow bicubic and padding`, async () => {
      await checkAgainstGoldens(llamaCpp, name, bytes);
    });
  }

  test("JPEG: stb's decoder differs from libjpeg-turbo by a few levels (measured on the goldens)", () => {
    const jpegs = Object.entries(GOLDENS.cases).filter(([name]) => name.endsWith(".jpg"));
    assert.ok(jpegs.length >= 4);
    for (const [name, golden] of jpegs) {
      const measured = (golden.decode as { versusLibjpeg?: { maxAbsDiff: number } }).versusLibjpeg;
      assert.ok(measured, name);
      // Colour JPEGs: at most 3 levels; CMYK: stb's naive CMYK against libvips' profile.
      assert.ok(
        measured.maxAbsDiff <= (name === "cmyk.jpg" ? 80 : 3),
        `${name}: ${measured.maxAbsDiff}`,
      );
    }
  });
});

describe("llama.cpp plan", () => {
  test("Qwen2.5-VL: 8..4,096 tokens of 28x28 px, std::round, padded content", () => {
    const plan = llamaCpp.plan("qwen2.5-vl", 384, 256);
    assert.deepEqual(plan.resized, { width: 392, height: 252 });
    assert.deepEqual(plan.content, { width: 378, height: 252 });
    assert.equal(plan.tokens, 126);
    assert.equal(llamaCpp.plan("qwen2.5-vl", 10000, 10000).tokens, 4096);
    assert.equal(llamaCpp.plan("qwen3-vl", 8, 8).tokens, 9);
  });

  test("a 1-px side is resized (Pillow handles it); 199x1 gets 1,120x28", () => {
    const plan = llamaCpp.plan("qwen2-vl", 199, 1);
    assert.equal(plan.error, null);
    assert.deepEqual(plan.resized, { width: 1120, height: 28 });
  });

  test("models it does not serve are refused", () => {
    assert.match(llamaCpp.plan("gpt-4o", 100, 100).error ?? "", /not served/);
  });
});

describe("llama.cpp accepts (server-common.cpp handle_media)", () => {
  const png = "iVBORw0KGgo=";
  const cases: [string, boolean, RegExp | null][] = [
    [`data:image/png;base64,${png}`, true, null],
    [`data:image/jpeg;base64,${png}`, true, null],
    [`data:image/gif;base64,${png}`, true, null],
    [`data:image/webp;base64,${png}`, true, null],
    [`data:image/png;charset=utf-8;base64,${png}`, true, null],
    [`data:image/anything-base64,${png}`, true, null],
    [`data:image/png;base64,${png}\n`, true, null],
    [`data:image/png;base64,iVBORw0KGgo`, true, null],
    ["https://example.com/cat.png", true, null],
    ["http://127.0.0.1/x", true, null],
    ["httpx-not-a-url", true, null],
    ["file:///etc/passwd", false, /--media-path/],
    [`data:image/png;BASE64,${png}`, false, /must be base64 encoded/],
    [`data:image/png,${png}`, false, /must be base64 encoded/],
    [`DATA:image/png;base64,${png}`, false, /^Invalid url format: DATA:image\/png;base64$/],
    [`data:;base64,${png}`, false, /^Invalid url format/],
    [`data:application/octet-stream;base64,${png}`, false, /^Invalid url format/],
    [png, false, /^Invalid url value$/],
    [`data:image/png;base64,${png},more`, false, /^Invalid url value$/],
  ];
  for (const [reference, accepted, reason] of cases) {
    test(`${JSON.stringify(reference.slice(0, 48))} ${accepted ? "accepted" : "refused"}`, () => {
      const verdict = llamaCpp.accepts(reference);
      assert.equal(verdict.accepted, accepted, verdict.rule);
      if (reason) assert.match(verdict.reason ?? "", reason);
      else assert.equal(verdict.reason, null);
      assert.match(verdict.rule, /handle_media/);
    });
  }

  test("base64_decode stops at the first non-base64 character and needs no padding", () => {
    assert.deepEqual(llamaBase64Decode("aGVsbG8"), Buffer.from("hello"));
    assert.deepEqual(llamaBase64Decode("aGVsbG8=garbage"), Buffer.from("hello"));
    assert.deepEqual(llamaBase64Decode("aGVs\nbG8="), Buffer.from("hel"));
    assert.deepEqual(llamaBase64Decode("aGVsbG8-_"), Buffer.from("hello"));
    assert.deepEqual(llamaBase64Decode("a"), Buffer.alloc(0));
  });
});
