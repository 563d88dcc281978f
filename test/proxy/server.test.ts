import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createOpenAI } from "@ai-sdk/openai";
import Anthropic from "@anthropic-ai/sdk";
import { HumanMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { generateText, streamText } from "ai";
import OpenAI from "openai";
import sharp from "sharp";
import { describeImage } from "../../src/proxy/describe.js";
import { type ProxyImageEvent, type RunningProxy, startProxy } from "../../src/proxy/server.js";
import {
  type RecordingUpstream,
  recordingFetch,
  type Sent,
  startUpstream,
} from "../helpers/upstream.js";

const KEY = "sk-test-7f3a9c1e5b2d4a6f8e0c";
const ANTHROPIC_KEY = "sk-ant-test-2b4d6f8a0c1e3g5i";

let jpeg: Buffer;
let jpegUri: string;
let upstream: RecordingUpstream;
let proxy: RunningProxy;
let events: ProxyImageEvent[] = [];
const upstreamErrors: string[] = [];
let folder: string;

before(async () => {
  jpeg = await sharp({ create: { width: 24, height: 16, channels: 3, background: "#c04020" } })
    .jpeg({ quality: 60 })
    .toBuffer();
  jpegUri = `data:image/jpeg;base64,${jpeg.toString("base64")}`;
  upstream = await startUpstream({ chunkDelayMs: 100 });
  folder = await mkdtemp(join(tmpdir(), "imgenc-proxy-"));
  proxy = await startProxy({
    upstream: upstream.url,
    log: join(folder, "log.jsonl"),
    saveImages: join(folder, "images"),
    onImage: (event) => events.push(event),
    onUpstreamError: (event) => upstreamErrors.push(event.message),
  });
});

after(async () => {
  await proxy.close();
  await upstream.close();
});

function chatBody(url: string) {
  return [
    {
      role: "user" as const,
      content: [
        { type: "text" as const, text: "what is this?" },
        { type: "image_url" as const, image_url: { url } },
      ],
    },
  ];
}

/**
 * The last request the upstream received is byte for byte the last one the client sent, with
 * every header the client set (the key among them) but the connection's own.
 */
async function assertForwardedExactly(sent: Sent[]) {
  await proxy.settled();
  const last = upstream.received.at(-1);
  const mine = sent.at(-1);
  assert.ok(last && mine);
  assert.ok(last.body.equals(mine.body), "upstream got other bytes");
  assert.equal(last.url, new URL(mine.url).pathname);
  for (const [name, value] of mine.headers) {
    if (name === "host" || name === "connection") continue;
    assert.equal(last.headers[name], value, name);
  }
}

describe("forwarding to an upstream", () => {
  test("openai SDK, a data URI, not streamed: bytes and key arrive unchanged", async () => {
    events = [];
    const { fetch, sent } = recordingFetch();
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, fetch, maxRetries: 0 });
    const completion = await client.chat.completions.create({
      model: "gpt-4o",
      messages: chatBody(jpegUri),
    });
    assert.match(completion.choices[0]?.message.content ?? "", /^upstream saw \d+ bytes$/);
    await assertForwardedExactly(sent);
    const last = upstream.received.at(-1);
    assert.equal(last?.url, "/v1/chat/completions");
    assert.equal(last?.headers.authorization, `Bearer ${KEY}`);
    assert.equal(events.length, 1);
    assert.match(describeImage(events[0]?.analysis as never), /^JPEG 24x16 q60 4:2:0/);
  });

  test("openai SDK, a URL, streamed: chunks pass through as the upstream writes them", async () => {
    events = [];
    const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: chatBody("https://images.test/cat.png?X-Amz-Signature=s3cr3t"),
    });
    const arrived: number[] = [];
    let text = "";
    for await (const chunk of stream) {
      arrived.push(performance.now());
      text += chunk.choices[0]?.delta.content ?? "";
    }
    assert.match(text, /^upstream saw \d+ bytes$/);
    // The first chunk reached the client before the upstream had written the last one.
    const lastWritten = upstream.written.at(-1) as number;
    assert.ok(arrived.length >= 3);
    assert.ok((arrived[0] as number) < lastWritten - 150, `${arrived[0]} vs ${lastWritten}`);
    await proxy.settled();
    assert.equal(events[0]?.analysis.transport, "url");
    assert.equal(events[0]?.analysis.reference, "https://images.test/cat.png?X-Amz-Signature=***");
  });

  test("the Vercel AI SDK (Responses API and chat completions)", async () => {
    events = [];
    const { fetch, sent } = recordingFetch();
    const provider = createOpenAI({ baseURL: `${proxy.url}/v1`, apiKey: KEY, fetch });
    const message = {
      role: "user" as const,
      content: [
        { type: "text" as const, text: "what is this?" },
        { type: "image" as const, image: jpeg, mediaType: "image/jpeg" },
      ],
    };
    const responses = await generateText({
      model: provider("gpt-4o"),
      messages: [message],
      maxRetries: 0,
    });
    assert.match(responses.text, /^upstream saw \d+ bytes$/);
    await assertForwardedExactly(sent);
    assert.equal(upstream.received.at(-1)?.url, "/v1/responses");
    const streamed = streamText({
      model: provider.chat("gpt-4o"),
      messages: [message],
      maxRetries: 0,
    });
    assert.match(await streamed.text, /^upstream saw \d+ bytes$/);
    await assertForwardedExactly(sent);
    assert.equal(upstream.received.at(-1)?.url, "/v1/chat/completions");
    assert.deepEqual(
      events.map((e) => [e.api, e.analysis.transport, e.analysis.report?.container]),
      [
        ["openai-responses", "data-uri", "jpeg"],
        ["openai-chat", "data-uri", "jpeg"],
      ],
    );
  });

  test("@langchain/openai ChatOpenAI", async () => {
    events = [];
    const { fetch, sent } = recordingFetch();
    const model = new ChatOpenAI({
      model: "gpt-4o",
      apiKey: KEY,
      maxRetries: 0,
      configuration: { baseURL: `${proxy.url}/v1`, fetch },
    });
    const reply = await model.invoke([
      new HumanMessage({
        content: [
          { type: "text", text: "what is this?" },
          { type: "image_url", image_url: { url: jpegUri } },
        ],
      }),
    ]);
    assert.match(String(reply.content), /^upstream saw \d+ bytes$/);
    await assertForwardedExactly(sent);
    assert.equal(events[0]?.analysis.report?.jpeg?.quality, 60);
  });

  test("@anthropic-ai/sdk, a base64 block, streamed and not", async () => {
    events = [];
    const { fetch, sent } = recordingFetch();
    const client = new Anthropic({
      baseURL: proxy.url,
      apiKey: ANTHROPIC_KEY,
      fetch,
      maxRetries: 0,
    });
    const params = {
      model: "claude-test",
      max_tokens: 32,
      messages: [
        {
          role: "user" as const,
          content: [
            {
              type: "image" as const,
              source: {
                type: "base64" as const,
                media_type: "image/png" as const,
                data: jpeg.toString("base64"),
              },
            },
          ],
        },
      ],
    };
    const message = await client.messages.create(params);
    assert.deepEqual(message.content.map((b) => (b.type === "text" ? b.text : b.type)).length, 1);
    await assertForwardedExactly(sent);
    const auth = upstream.received.at(-1)?.headers;
    assert.ok(
      auth?.["x-api-key"] === ANTHROPIC_KEY || auth?.authorization === `Bearer ${ANTHROPIC_KEY}`,
    );
    const text = await client.messages.stream(params).finalText();
    assert.match(text, /^upstream saw \d+ bytes$/);
    await assertForwardedExactly(sent);
    assert.deepEqual(
      events.map((e) => e.analysis.findings.map((f) => f.code).includes("media-type-mismatch")),
      [true, true],
    );
  });

  test("no key in the events, the log or the saved images", async () => {
    await proxy.close();
    const log = await readFile(join(folder, "log.jsonl"), "utf8");
    const lines = log.trim().split("\n");
    assert.ok(lines.length >= 6);
    for (const line of lines) JSON.parse(line);
    const saved = await readdir(join(folder, "images"));
    assert.ok(saved.includes("0001-1.jpg"), saved.join());
    const everything = [
      log,
      JSON.stringify(events),
      ...upstreamErrors,
      ...(await Promise.all(saved.map((f) => readFile(join(folder, "images", f), "latin1")))),
    ].join("\n");
    for (const secret of [KEY, ANTHROPIC_KEY, "s3cr3t"])
      assert.ok(!everything.includes(secret), secret);
    assert.deepEqual(proxy.summary().upstreamErrors, 0);
  });
});

describe("errors in the API's own shape", () => {
  test("a body over --max-body gets a 413; a dead upstream a 502 and a line", async () => {
    const dead = await startUpstream();
    await dead.close();
    const messages: string[] = [];
    const small = await startProxy({
      upstream: dead.url,
      maxBody: 2048,
      onUpstreamError: (event) => messages.push(event.message),
    });
    try {
      const client = new OpenAI({ baseURL: `${small.url}/v1`, apiKey: KEY, maxRetries: 0 });
      const big = `data:image/jpeg;base64,${Buffer.alloc(4096).toString("base64")}`;
      await assert.rejects(
        client.chat.completions.create({ model: "m", messages: chatBody(big) }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError);
          assert.equal(error.status, 413);
          assert.match(error.message, /over the 2048-byte limit; raise it with --max-body/);
          return true;
        },
      );
      await assert.rejects(
        client.chat.completions.create({ model: "m", messages: chatBody(jpegUri) }),
        (error: unknown) => {
          assert.ok(error instanceof OpenAI.APIError);
          assert.equal(error.status, 502);
          assert.match(
            error.message,
            /the upstream http:\/\/127\.0\.0\.1:\d+ did not answer POST \/v1\/chat\/completions/,
          );
          return true;
        },
      );
      const anthropic = new Anthropic({ baseURL: small.url, apiKey: ANTHROPIC_KEY, maxRetries: 0 });
      await assert.rejects(
        anthropic.messages.create({
          model: "c",
          max_tokens: 1,
          messages: [{ role: "user", content: "hi" }],
        }),
        (error: unknown) => {
          assert.ok(error instanceof Anthropic.APIError);
          assert.equal(error.status, 502);
          assert.equal((error.error as { type?: string }).type, "error");
          return true;
        },
      );
      assert.equal(messages.length, 2);
      assert.ok(!messages.join("\n").includes(KEY));
      const summary = await small.close();
      assert.equal(summary.tooLarge, 1);
      assert.equal(summary.upstreamErrors, 2);
    } finally {
      await small.close();
    }
  });
});

describe("answering without an upstream", () => {
  let own: RunningProxy;
  before(async () => {
    own = await startProxy();
  });
  after(() => own.close());

  test("each SDK gets a valid answer, streamed or not, that says what was seen", async () => {
    const openai = new OpenAI({ baseURL: `${own.url}/v1`, apiKey: KEY, maxRetries: 0 });
    const plain = await openai.chat.completions.create({ model: "m", messages: chatBody(jpegUri) });
    assert.match(plain.choices[0]?.message.content ?? "", /saw 1 image:\n1\. JPEG 24x16 q60 4:2:0/);
    const stream = await openai.chat.completions.create({
      model: "m",
      stream: true,
      stream_options: { include_usage: true },
      messages: chatBody(jpegUri),
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    assert.match(text, /1\. JPEG 24x16/);
    const responses = await openai.responses.create({
      model: "m",
      input: [
        { role: "user", content: [{ type: "input_image", image_url: jpegUri, detail: "auto" }] },
      ],
    });
    assert.match(responses.output_text, /1\. JPEG 24x16/);
    const provider = createOpenAI({ baseURL: `${own.url}/v1`, apiKey: KEY });
    const streamed = streamText({
      model: provider("m"),
      messages: [
        { role: "user", content: [{ type: "image", image: jpeg, mediaType: "image/jpeg" }] },
      ],
      maxRetries: 0,
    });
    assert.match(await streamed.text, /1\. JPEG 24x16/);
    const anthropic = new Anthropic({ baseURL: own.url, apiKey: ANTHROPIC_KEY, maxRetries: 0 });
    const finalText = await anthropic.messages
      .stream({ model: "c", max_tokens: 8, messages: [{ role: "user", content: "no image" }] })
      .finalText();
    assert.equal(finalText, "imgenc proxy (no upstream) saw no image in this request.");
  });

  test("Ollama's /api/chat streams NDJSON unless told not to", async () => {
    const body = {
      model: "qwen",
      messages: [{ role: "user", content: "hi", images: [jpeg.toString("base64")] }],
    };
    const streamed = await fetch(`${own.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    assert.equal(streamed.headers.get("content-type"), "application/x-ndjson");
    const lines = (await streamed.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.at(-1).done, true);
    assert.match(lines[0].message.content, /1\. JPEG 24x16/);
    const plain = await fetch(`${own.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({
        model: "qwen",
        prompt: "hi",
        images: [jpeg.toString("base64")],
        stream: false,
      }),
    });
    assert.match(((await plain.json()) as { response: string }).response, /1\. JPEG 24x16/);
    const other = await fetch(`${own.url}/v1/models`);
    assert.equal(other.status, 404);
    assert.equal(own.summary().other, 1);
  });
});
