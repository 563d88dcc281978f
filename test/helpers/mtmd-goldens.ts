import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { decode } from "../../src/image/decode.js";
import type { ModelName } from "../../src/models/plan.js";
import type { ServerPath } from "../../src/server/types.js";
import { fixture } from "./cli.js";
import { mtmdStressInputs } from "./mtmd-inputs.js";
import { NEWER_THAN_COMPILED_GOLDENS } from "./pillow-inputs.js";

interface View {
  grid?: [number, number];
  content?: [number, number];
  sha256?: string;
  error?: string;
}

interface Case {
  stb?: { error: string };
  decode: { width?: number; height?: number; sha256?: string; error?: string };
  views?: Record<string, View>;
}

/** Outputs of llama.cpp's own mtmd functions and stb_image (see test/golden/llama-cpp/PROVENANCE.md). */
export const GOLDENS = JSON.parse(
  readFileSync(
    fileURLToPath(new URL("../../../test/golden/llama-cpp/goldens.json", import.meta.url)),
    "utf8",
  ),
) as { cases: Record<string, Case>; sizes: Record<string, number[][]> };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** Every fixture and stress image with the bytes the server receives. */
export async function goldenInputs(): Promise<{ name: string; bytes: Buffer }[]> {
  const fixtures = readdirSync(fixture("."))
    .filter((name) => !name.endsWith(".md") && !NEWER_THAN_COMPILED_GOLDENS.has(name))
    .sort()
    .map((name) => ({ name, bytes: readFileSync(fixture(name)) }));
  const stress = (await mtmdStressInputs()).map((s) => ({
    name: `stress/${s.name}`,
    bytes: s.bytes,
  }));
  return [...fixtures, ...stress];
}

/**
 * Checks a server path against the goldens for one input: the decode exactly where stb is
 * reproduced (everything but JPEG), and every model's view: against the stb-decode goldens, or
 * for JPEG against the compiled resize applied to imgenc's own decode ("libjpeg" goldens).
 */
export async function checkAgainstGoldens(
  server: ServerPath,
  name: string,
  bytes: Buffer,
): Promise<number> {
  const golden = GOLDENS.cases[name];
  assert.ok(golden, `no golden for ${name}`);
  const image = await decode(bytes);
  const pixels = await server.read({ bytes, image });
  const jpeg = name.endsWith(".jpg");
  const stbError = golden.stb?.error ?? golden.decode.error;
  if ("error" in pixels) {
    assert.ok(stbError !== undefined, `${name}: ${pixels.error}`);
    assert.match(pixels.error, new RegExp(stbError));
    return 0;
  }
  if (server.name === "llama.cpp" && golden.stb)
    assert.fail(`${name}: stb refuses it (${golden.stb.error})`);
  assert.equal(pixels.width, golden.decode.width);
  assert.equal(pixels.height, golden.decode.height);
  if (!jpeg) assert.equal(sha256(pixels.rgb), golden.decode.sha256, `${name}: decode`);
  let checked = 0;
  for (const model of server.models as ModelName[]) {
    const view: View | undefined =
      golden.views?.[`${server.name} ${model}${jpeg ? " libjpeg" : ""}`];
    assert.ok(view, `${name}: no golden view for ${model}`);
    const modelPlan = server.plan(model, pixels.width, pixels.height);
    if (view.error !== undefined) {
      assert.match(modelPlan.error ?? "", /src\.nx >= 2 && src\.ny >= 2/, `${name} ${model}`);
      continue;
    }
    const grid = modelPlan.resized ?? modelPlan.input;
    const content = modelPlan.content ?? grid;
    assert.deepEqual([grid.width, grid.height], view.grid, `${name} ${model}: grid`);
    assert.deepEqual([content.width, content.height], view.content, `${name} ${model}: content`);
    assert.equal(
      modelPlan.tokens,
      (grid.width * grid.height) / (model === "qwen3-vl" ? 1024 : 784),
    );
    const out = server.view(pixels, modelPlan);
    assert.equal(sha256(out.rgb), view.sha256, `${name} ${model}: view`);
    checked++;
  }
  return checked;
}
