import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { detectApi, findImages, wantsStream } from "../../src/proxy/request.js";

const URI = "data:image/png;base64,iVBORw0KGgo=";

describe("findImages", () => {
  test("OpenAI chat completions: image_url parts, as an object or a string", () => {
    const body = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "be brief" },
        {
          role: "user",
          content: [
            { type: "text", text: "compare" },
            { type: "image_url", image_url: { url: URI, detail: "high" } },
            { type: "image_url", image_url: "https://x.test/a.jpg" },
          ],
        },
      ],
    };
    assert.deepEqual(findImages(body), [
      { where: "messages[1].content[1]", transport: "data-uri", value: URI },
      { where: "messages[1].content[2]", transport: "url", value: "https://x.test/a.jpg" },
    ]);
    assert.equal(detectApi("/v1/chat/completions", body), "openai-chat");
    assert.equal(detectApi(undefined, body), "openai-chat");
  });

  test("OpenAI Responses: input_image parts", () => {
    const body = {
      model: "gpt-4o",
      input: [
        {
          role: "user",
          content: [
            { type: "input_text", text: "what is it" },
            { type: "input_image", image_url: URI, detail: "auto" },
            { type: "input_image", file_id: "file-1" },
          ],
        },
      ],
    };
    assert.deepEqual(findImages(body), [
      { where: "input[0].content[1]", transport: "data-uri", value: URI },
    ]);
    assert.equal(detectApi("/v1/responses", body), "openai-responses");
    assert.equal(detectApi(undefined, body), "openai-responses");
  });

  test("Anthropic Messages: base64 and url sources, inside tool results too", () => {
    const body = {
      model: "claude",
      max_tokens: 10,
      messages: [
        {
          role: "user",
          content: [
            { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBO" } },
            { type: "image", source: { type: "url", url: "https://x.test/b.png" } },
            {
              type: "tool_result",
              tool_use_id: "t",
              content: [{ type: "image", source: { type: "base64", data: "R0lG" } }],
            },
          ],
        },
      ],
    };
    assert.deepEqual(findImages(body), [
      {
        where: "messages[0].content[0]",
        transport: "base64-source",
        value: "iVBO",
        mediaType: "image/png",
      },
      { where: "messages[0].content[1]", transport: "url", value: "https://x.test/b.png" },
      { where: "messages[0].content[2].content[0]", transport: "base64-source", value: "R0lG" },
    ]);
    assert.equal(detectApi("/v1/messages", body), "anthropic");
    assert.equal(detectApi(undefined, body), "anthropic");
  });

  test("Ollama /api/chat and /api/generate: images arrays of bare base64", () => {
    const chat = {
      model: "qwen",
      messages: [{ role: "user", content: "hi", images: ["iVBO", "R0lG"] }],
    };
    assert.deepEqual(findImages(chat), [
      { where: "messages[0].images[0]", transport: "bare-base64", value: "iVBO" },
      { where: "messages[0].images[1]", transport: "bare-base64", value: "R0lG" },
    ]);
    assert.equal(detectApi("/api/chat", chat), "ollama-chat");
    assert.equal(detectApi(undefined, chat), "ollama-chat");
    const generate = { model: "qwen", prompt: "hi", images: ["iVBO"] };
    assert.deepEqual(findImages(generate), [
      { where: "images[0]", transport: "bare-base64", value: "iVBO" },
    ]);
    assert.equal(detectApi("/api/generate", generate), "ollama-generate");
    assert.equal(detectApi(undefined, generate), "ollama-generate");
  });

  test("other requests and odd bodies: no images, no API, no exception", () => {
    assert.equal(detectApi("/v1/models", undefined), undefined);
    assert.equal(detectApi("/api/tags", { model: "x" }), undefined);
    for (const body of [null, 3, "x", [], { messages: "no" }, { images: [1, 2] }]) {
      assert.deepEqual(findImages(body), []);
    }
    let deep: unknown = { type: "image_url", image_url: { url: URI } };
    for (let i = 0; i < 10_000; i++) deep = [deep];
    assert.deepEqual(findImages(deep), []);
  });

  test("streaming: OpenAI and Anthropic when asked, Ollama unless told not to", () => {
    assert.equal(wantsStream("openai-chat", { stream: true }), true);
    assert.equal(wantsStream("openai-chat", {}), false);
    assert.equal(wantsStream("anthropic", { stream: false }), false);
    assert.equal(wantsStream("ollama-chat", {}), true);
    assert.equal(wantsStream("ollama-generate", { stream: false }), false);
  });
});
