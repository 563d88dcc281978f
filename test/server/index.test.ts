import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { decode } from "../../src/image/decode.js";
import { modelView } from "../../src/models/pillow-resize.js";
import { modelPlan } from "../../src/models/registry.js";
import { defaultServer, serverFor, serverPaths } from "../../src/server/index.js";
import { SERVER_NAMES } from "../../src/server/types.js";
import { fixture } from "../helpers/cli.js";

describe("the server registry", () => {
  test("every registered server is named in SERVER_NAMES, in that order, and serves a model", () => {
    const names = serverPaths().map((s) => s.name);
    assert.deepEqual(
      names,
      SERVER_NAMES.filter((n) => names.includes(n)),
    );
    for (const server of serverPaths()) {
      assert.ok(server.models.length > 0, server.name);
      assert.match(server.source, /\S/, server.name);
      assert.match(server.reproduces, /\S/, server.name);
    }
  });

  test("a model runs on its own API by default, Qwen on qwen-vl-utils", () => {
    assert.equal(defaultServer("qwen2.5-vl").name, "qwen-vl-utils");
    assert.equal(defaultServer("qwen3-vl").name, "qwen-vl-utils");
    assert.equal(defaultServer("gpt-4o-low").name, "openai");
    assert.equal(defaultServer("claude").name, "anthropic");
  });

  test("a named server plans for its first model unless told; a model it lacks is a usage error", () => {
    assert.equal(serverFor("openai", undefined).model, "gpt-4o");
    assert.equal(serverFor("qwen-vl-utils", "qwen3-vl").model, "qwen3-vl");
    assert.throws(
      () => serverFor("anthropic", "qwen2.5-vl"),
      (error: Error & { code?: string }) =>
        error.code === "usage" &&
        error.message === "server anthropic does not serve qwen2.5-vl; it serves claude",
    );
  });

  test("the default servers' view is modelView, pixel for pixel, on every fixture", async () => {
    for (const name of ["photo.png", "logo-alpha.png", "grey16.png", "cmyk.jpg", "animated.gif"]) {
      const bytes = readFileSync(fixture(name));
      const image = await decode(bytes);
      for (const model of ["qwen2.5-vl", "qwen3-vl", "gpt-4o", "claude"] as const) {
        const server = defaultServer(model);
        const pixels = await server.read({ bytes, image });
        assert.ok(!("error" in pixels));
        const plan = server.plan(model, pixels.width, pixels.height);
        assert.deepEqual(plan, modelPlan(model, image.width, image.height));
        const view = server.view(pixels, plan);
        assert.deepEqual(view, modelView(image, plan), `${name} ${model}`);
      }
    }
  });
});
