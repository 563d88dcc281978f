import assert from "node:assert/strict";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { pillow } from "../../src/client/pillow.js";
import { decode } from "../../src/image/decode.js";
import { fixture } from "./cli.js";
import { type OcrServer, startOcrServer } from "./ocr-server.js";
import { readText, skipUnlessTesseract } from "./tesseract.js";

const KEY = "sk-test-0123456789abcdef";
const INVOICE = "Invoice 48213 total 1204.50 EUR";
const skip = skipUnlessTesseract();

const png = (name: string) => readFileSync(fixture(name));
const dataUri = (prefix: string, bytes: Buffer) => `${prefix}${bytes.toString("base64")}`;

/** The bytes the `pillow` client path sends for a fixture. */
async function pillowPayload(name: string): Promise<Buffer> {
  const bytes = png(name);
  return (await pillow.encode({ image: await decode(bytes), bytes, name })).bytes;
}

function openaiAsk(client: OpenAI, url: string, model = "tesseract") {
  return client.chat.completions.create({
    model,
    temperature: 0,
    seed: 1,
    max_tokens: 64,
    messages: [
      {
        role: "user",
        content: [
          { type: "image_url", image_url: { url } },
          { type: "text", text: "What does the invoice say?" },
        ],
      },
    ],
  });
}

function anthropicAsk(client: Anthropic, data: Buffer, mediaType: "image/png" | "image/jpeg") {
  return client.messages.create({
    model: "tesseract",
    max_tokens: 64,
    system: "Read the image.",
    messages: [
      {
        role: "user",
        content: [
          {
            type: "image",
            source: { type: "base64", media_type: mediaType, data: data.toString("base64") },
          },
          { type: "text", text: "What does the invoice say?" },
        ],
      },
    ],
  });
}

describe("the OCR model over OpenAI chat completions", () => {
  let server: OcrServer;
  let client: OpenAI;
  before(async () => {
    server = await startOcrServer({ apiKey: KEY });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
  });
  after(() => server.close());

  test("reads the PNG exactly and nothing from Pillow's JPEG of the red-on-blue text", {
    skip,
  }, async () => {
    const sent = png("invoice-red-on-blue.png");
    const fromPng = await openaiAsk(client, dataUri("data:image/png;base64,", sent));
    assert.equal(fromPng.object, "chat.completion");
    assert.equal(fromPng.model, "tesseract");
    assert.equal(fromPng.choices[0]?.finish_reason, "stop");
    assert.equal(fromPng.choices[0]?.message.role, "assistant");
    assert.equal(fromPng.choices[0]?.message.content, INVOICE);
    const usage = fromPng.usage;
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);

    const jpeg = await pillowPayload("invoice-red-on-blue.png");
    const fromJpeg = await openaiAsk(client, dataUri("data:image;base64,", jpeg));
    assert.equal(fromJpeg.choices[0]?.message.content, "");

    const [first, second] = server.requests.slice(-2);
    assert.equal(first?.headers.authorization, `Bearer ${KEY}`);
    assert.deepEqual(
      first?.images.map((i) => [i.kind, i.prefix]),
      [["data-uri", "data:image/png;base64,"]],
    );
    assert.ok(first?.images[0]?.bytes.equals(sent));
    assert.deepEqual(
      second?.images.map((i) => [i.kind, i.prefix]),
      [["data-uri", "data:image;base64,"]],
    );
    assert.ok(second?.images[0]?.bytes.equals(jpeg));
    assert.deepEqual(second?.texts, ["What does the invoice say?"]);
    const { temperature, seed, max_tokens } = (second?.body ?? {}) as Record<string, unknown>;
    assert.deepEqual(
      { temperature, seed, max_tokens },
      { temperature: 0, seed: 1, max_tokens: 64 },
    );
  });

  test("Pillow's JPEG changes a number in the grey-on-grey text", { skip }, async () => {
    const jpeg = await pillowPayload("invoice-grey-on-grey.png");
    const answer = await openaiAsk(client, dataUri("data:image;base64,", jpeg));
    assert.equal(answer.choices[0]?.message.content, "Invoice 48233 total 1204.40 EUR");
  });

  test("fetches an http image URL from 127.0.0.1, records it, and reads it", { skip }, async () => {
    const sent = png("invoice-black-on-white.png");
    const images = createServer((_req, res) => res.end(sent)).listen(0, "127.0.0.1");
    await once(images, "listening");
    const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/invoice.png`;
    try {
      const answer = await openaiAsk(client, url);
      assert.equal(answer.choices[0]?.message.content, INVOICE);
      assert.deepEqual(server.fetched.slice(-1), [url]);
      const image = server.requests.at(-1)?.images[0];
      assert.equal(image?.url, url);
      assert.ok(image?.bytes.equals(sent));
    } finally {
      images.close();
    }
  });

  test("401 without the key or with another, in OpenAI's shape, the key never echoed", async () => {
    const noKey = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(noKey.status, 401);
    const body = (await noKey.json()) as { error: { type: string; code: null; message: string } };
    assert.equal(body.error.type, "invalid_request_error");
    assert.equal(body.error.code, null);
    assert.match(body.error.message, /You didn't provide an API key/);

    const wrong = "sk-wrong-key-abcdefghijkl";
    const other = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: wrong, maxRetries: 0 });
    const error = await openaiAsk(other, "data:image/png;base64,AAAA").catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.AuthenticationError);
    assert.equal(error.status, 401);
    assert.equal(error.code, "invalid_api_key");
    assert.ok(!error.message.includes(wrong));
    assert.match(error.message, /^401 Incorrect API key provided: sk-\*+ijkl\.$/);
  });

  test("404 model_not_found for a model it does not serve", async () => {
    const error = await openaiAsk(client, "data:image/png;base64,AAAA", "gpt-4o").catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof OpenAI.NotFoundError);
    assert.equal(error.code, "model_not_found");
    assert.equal(error.type, "invalid_request_error");
  });

  test("400 invalid_request_error for malformed requests", async () => {
    const bad = async (body: unknown) => {
      const error = await client.chat.completions
        .create(body as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .catch((e: unknown) => e);
      assert.ok(error instanceof OpenAI.BadRequestError, JSON.stringify(body));
      assert.equal(error.type, "invalid_request_error");
      return error;
    };
    const user = (content: unknown) => [{ role: "user", content }];
    assert.equal((await bad({ messages: user("hi") })).param, "model");
    assert.equal((await bad({ model: "tesseract", messages: [] })).param, "messages");
    assert.equal(
      (await bad({ model: "tesseract", messages: user("hi"), temperature: 3 })).param,
      "temperature",
    );
    assert.equal(
      (await bad({ model: "tesseract", messages: user("hi"), seed: 1.5 })).param,
      "seed",
    );
    assert.equal(
      (await bad({ model: "tesseract", messages: user("hi"), max_tokens: 0 })).param,
      "max_tokens",
    );
    assert.equal(
      (await bad({ model: "tesseract", messages: user([{ type: "image_url", image_url: {} }]) }))
        .param,
      "messages[0].content[0].image_url.url",
    );
    const notBase64 = await bad({
      model: "tesseract",
      messages: user([{ type: "image_url", image_url: { url: "data:image/png,raw" } }]),
    });
    assert.equal(notBase64.code, "invalid_image_url");
    const notImage = await bad({
      model: "tesseract",
      messages: user([{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }]),
    });
    assert.equal(notImage.code, "invalid_image_format");
    const remote = await bad({
      model: "tesseract",
      messages: user([{ type: "image_url", image_url: { url: "http://192.0.2.1/x.png" } }]),
    });
    assert.equal(remote.code, "invalid_image_url");
    assert.deepEqual(server.fetched.includes("http://192.0.2.1/x.png"), false);

    const notJson = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: "{not json",
    });
    assert.equal(notJson.status, 400);
    assert.match(
      ((await notJson.json()) as { error: { message: string } }).error.message,
      /could not parse the JSON/,
    );
  });
});

describe("the OCR model over Anthropic Messages", () => {
  let server: OcrServer;
  let client: Anthropic;
  before(async () => {
    server = await startOcrServer({ apiKey: KEY });
    client = new Anthropic({ baseURL: server.url, apiKey: KEY, maxRetries: 0 });
  });
  after(() => server.close());

  test("the PNG reads exactly, Pillow's JPEG reads nothing", { skip }, async () => {
    const sent = png("invoice-red-on-blue.png");
    const fromPng = await anthropicAsk(client, sent, "image/png");
    assert.equal(fromPng.type, "message");
    assert.equal(fromPng.role, "assistant");
    assert.equal(fromPng.stop_reason, "end_turn");
    assert.deepEqual(fromPng.content, [{ type: "text", text: INVOICE }]);
    assert.ok(fromPng.usage.input_tokens > 0 && fromPng.usage.output_tokens > 0);
    const jpeg = await pillowPayload("invoice-red-on-blue.png");
    const fromJpeg = await anthropicAsk(client, jpeg, "image/jpeg");
    assert.deepEqual(fromJpeg.content, [{ type: "text", text: "" }]);

    const [first, second] = server.requests.slice(-2);
    assert.equal(first?.headers.authorization, `Bearer ${KEY}`);
    assert.ok(first?.headers["anthropic-version"]);
    assert.deepEqual(first?.texts, ["Read the image.", "What does the invoice say?"]);
    assert.equal(second?.images[0]?.mediaType, "image/jpeg");
    assert.ok(second?.images[0]?.bytes.equals(jpeg));
  });

  test("a url source is fetched from 127.0.0.1 and read", { skip }, async () => {
    const sent = png("invoice-black-on-white.png");
    const images = createServer((_req, res) => res.end(sent)).listen(0, "127.0.0.1");
    await once(images, "listening");
    const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/invoice.png`;
    try {
      const answer = await client.messages.create({
        model: "tesseract",
        max_tokens: 64,
        messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url } }] }],
      });
      assert.deepEqual(answer.content, [{ type: "text", text: INVOICE }]);
      assert.deepEqual(server.fetched, [url]);
      assert.ok(server.requests.at(-1)?.images[0]?.bytes.equals(sent));
    } finally {
      images.close();
    }
  });

  test("typed errors: 401, 404, 400 (media type that does not match the bytes)", async () => {
    const other = new Anthropic({ baseURL: server.url, apiKey: "sk-ant-wrong", maxRetries: 0 });
    const auth = await anthropicAsk(other, Buffer.alloc(4), "image/png").catch((e: unknown) => e);
    assert.ok(auth instanceof Anthropic.AuthenticationError);
    assert.deepEqual((auth.error as { error: unknown }).error, {
      type: "authentication_error",
      message: "invalid x-api-key",
    });

    const missing = await client.messages
      .create({ model: "claude-x", max_tokens: 8, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    assert.ok(missing instanceof Anthropic.NotFoundError);
    assert.equal((missing.error as { error: { type: string } }).error.type, "not_found_error");

    const mismatch = await anthropicAsk(client, png("invoice-red-on-blue.png"), "image/jpeg").catch(
      (e: unknown) => e,
    );
    assert.ok(mismatch instanceof Anthropic.BadRequestError);
    assert.match(mismatch.message, /does not match the provided media type image\/jpeg/);
  });

  test("anthropic-version is required", async () => {
    const response = await fetch(`${server.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": KEY, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(response.status, 400);
    assert.deepEqual(((await response.json()) as { error: unknown }).error, {
      type: "invalid_request_error",
      message: "anthropic-version: header is required",
    });
  });
});

describe("scripted behaviours (no OCR)", () => {
  const textOnly = (client: OpenAI) =>
    client.chat.completions.create({
      model: "tesseract",
      messages: [{ role: "user", content: "hi" }],
    });

  test("429 with Retry-After, then 500, then an answer: the SDK retries and gets it", async () => {
    const server = await startOcrServer({
      script: [
        { status: 429, retryAfter: "0" },
        { status: 500, retryAfterMs: "1" },
      ],
      otherwise: { text: "done" },
    });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 2 });
      const answer = await textOnly(client);
      assert.equal(answer.choices[0]?.message.content, "done");
      assert.deepEqual(
        server.requests.map((r) => r.status),
        [429, 500, 200],
      );
      const limited = await startOcrServer({ otherwise: { status: 429, retryAfter: "0" } });
      const noRetry = new OpenAI({ baseURL: `${limited.url}/v1`, apiKey: "x", maxRetries: 0 });
      const error = await textOnly(noRetry).catch((e: unknown) => e);
      await limited.close();
      assert.ok(error instanceof OpenAI.RateLimitError);
      assert.equal(error.headers?.get("retry-after"), "0");
      assert.equal(error.code, "rate_limit_exceeded");
    } finally {
      await server.close();
    }
  });

  test("Anthropic's 429 and 529 are its RateLimitError and OverloadedError", async () => {
    const server = await startOcrServer({
      script: [{ status: 429, retryAfter: "0" }, { status: 529 }],
    });
    try {
      const client = new Anthropic({ baseURL: server.url, apiKey: "x", maxRetries: 0 });
      const ask = () =>
        client.messages
          .create({
            model: "tesseract",
            max_tokens: 8,
            messages: [{ role: "user", content: "hi" }],
          })
          .catch((e: unknown) => e);
      const limited = await ask();
      assert.ok(limited instanceof Anthropic.RateLimitError);
      assert.equal((limited.error as { error: { type: string } }).error.type, "rate_limit_error");
      const overloaded = await ask();
      assert.ok(overloaded instanceof Anthropic.OverloadedError);
      assert.equal(
        (overloaded.error as { error: { type: string } }).error.type,
        "overloaded_error",
      );
    } finally {
      await server.close();
    }
  });

  test("a server that never answers times out; close() ends the connection", async () => {
    const server = await startOcrServer({ otherwise: "hang" });
    const client = new OpenAI({
      baseURL: `${server.url}/v1`,
      apiKey: "x",
      maxRetries: 0,
      timeout: 100,
    });
    const error = await textOnly(client).catch((e: unknown) => e);
    assert.ok(error instanceof OpenAI.APIConnectionTimeoutError);
    assert.equal(server.requests.length, 1);
    await server.close();
  });

  test("malformed JSON and a huge answer", async () => {
    const server = await startOcrServer({ script: ["malformed", { huge: 10 * 1024 * 1024 }] });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0 });
      await assert.rejects(textOnly(client));
      const huge = await textOnly(client);
      assert.equal(huge.choices[0]?.message.content?.length, 10 * 1024 * 1024);
    } finally {
      await server.close();
    }
  });

  test("delayMs holds every answer; maxInFlight counts concurrent requests", async () => {
    const server = await startOcrServer({ otherwise: { text: "ok" }, delayMs: 30 });
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "x", maxRetries: 0 });
      const started = Date.now();
      await Promise.all([textOnly(client), textOnly(client), textOnly(client)]);
      assert.ok(Date.now() - started >= 30);
      assert.equal(server.maxInFlight, 3);
      assert.equal(server.ocrRuns, 0);
    } finally {
      await server.close();
    }
  });
});

describe("the text fixtures read the same on every run", { skip }, () => {
  test("Tesseract twice on each fixture's PNG and Pillow JPEG", async () => {
    for (const name of [
      "invoice-black-on-white.png",
      "invoice-red-on-blue.png",
      "invoice-grey-on-grey.png",
    ]) {
      const jpeg = await pillowPayload(name);
      const first = [await readText(png(name)), await readText(jpeg)];
      assert.deepEqual([await readText(png(name)), await readText(jpeg)], first, name);
    }
  });
});
