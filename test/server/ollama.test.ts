import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ollama } from "../../src/server/ollama.js";
import { checkAgainstGoldens, goldenInputs } from "../helpers/mtmd-goldens.js";

const inputs = await goldenInputs();

describe("ollama server path against llama.cpp b10488's own functions", () => {
  for (const { name, bytes } of inputs) {
    test(`${name}: WebP to PNG, stb decode, 1,024-token minimum, bilinear and padding`, async () => {
      await checkAgainstGoldens(ollama, name, bytes);
    });
  }
});

describe("ollama plan", () => {
  test("--image-min-tokens 1024: a small image is scaled up to at least 1,024 tokens", () => {
    const plan = ollama.plan("qwen2.5-vl", 384, 256);
    assert.ok((plan.tokens ?? 0) >= 1024);
    assert.deepEqual(plan.resized, { width: 1120, height: 756 });
    assert.equal(ollama.plan("qwen2.5-vl", 5000, 5000).tokens, 4096);
  });

  test("no 2,097,152-pixel cap: a large image keeps up to 3,211,264 pixels", () => {
    const { resized } = ollama.plan("qwen2.5-vl", 2100, 2000);
    assert.ok(resized && resized.width * resized.height > 2_097_152);
  });

  test("resize_bilinear's assert: a 1-px side aborts llama-server", () => {
    assert.match(ollama.plan("qwen2.5-vl", 199, 1).error ?? "", /GGML_ASSERT/);
    assert.match(ollama.plan("qwen3-vl", 1, 1).error ?? "", /GGML_ASSERT/);
  });
});

describe("ollama accepts (openai/openai.go decodeImageURL)", () => {
  const png = "iVBORw0KGgo=";
  const cases: [string, boolean, RegExp | null][] = [
    [`data:image/png;base64,${png}`, true, null],
    [`data:image/jpeg;base64,${png}`, true, null],
    [`data:image/jpg;base64,${png}`, true, null],
    [`data:image/webp;base64,${png}`, true, null],
    [`data:;base64,${png}`, true, null],
    [`data:image/png;base64,iVBO\r\nRw0KGgo=`, true, null],
    ["https://example.com/cat.png", false, /image URLs are not currently supported/],
    ["http://127.0.0.1/cat.png", false, /image URLs are not currently supported/],
    [`data:image/gif;base64,${png}`, false, /^invalid image input$/],
    [`data:image/PNG;base64,${png}`, false, /^invalid image input$/],
    [`data:image/png;charset=utf-8;base64,${png}`, false, /^invalid image input$/],
    [`data:image/png;BASE64,${png}`, false, /^invalid image input$/],
    [`data:image/png;base64,iVBORw0KGgo`, false, /^invalid image input$/],
    [`data:image/png;base64,iVBORw0KGg-_`, false, /^invalid image input$/],
    [`data:image/png;base64,${png} `, false, /^invalid image input$/],
    [`data:image/png;base64,${png}AAAA`, false, /^invalid image input$/],
    ["file:///tmp/cat.png", false, /^invalid image input$/],
    [png, false, /^invalid image input$/],
  ];
  for (const [reference, accepted, reason] of cases) {
    test(`${JSON.stringify(reference.slice(0, 48))} ${accepted ? "accepted" : "refused"}`, () => {
      const verdict = ollama.accepts(reference);
      assert.equal(verdict.accepted, accepted, verdict.rule);
      if (reason) assert.match(verdict.reason ?? "", reason);
      else assert.equal(verdict.reason, null);
      assert.match(verdict.rule, /decodeImageURL/);
    });
  }
});
