import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { ask } from "../../src/ask/index.js";
import { clientPath } from "../../src/client/index.js";
import { ImgencError } from "../../src/errors.js";
import { decode } from "../../src/image/decode.js";
import { fixture } from "../helpers/cli.js";
import { type OcrServer, startOcrServer } from "../helpers/ocr-server.js";
import { skipUnlessTesseract } from "../helpers/tesseract.js";

const KEY = "sk-test-0123456789abcdef";
const GREY = fixture("invoice-grey-on-grey.png");
const CONTROL = fixture("invoice-black-on-white.png");
const RED = fixture("invoice-red-on-blue.png");
const TEXT = "Invoice 48213 total 1204.50 EUR";
const skip = skipUnlessTesseract();

/** Every error message the tests saw, to check none holds the key. */
const seen: string[] = [];

async function rejectsWith(work: Promise<unknown>, code: string, pattern: RegExp) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof ImgencError);
    seen.push(error.toString());
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe("ask against an OCR model", { skip }, () => {
  let server: OcrServer;
  let endpoint: string;
  before(async () => {
    server = await startOcrServer({ apiKey: KEY });
    endpoint = `${server.url}/v1`;
  });
  after(() => server.close());
  const base = () => ({ endpoint, model: "tesseract", apiKey: KEY, prompt: "What does it say?" });

  test("Pillow's JPEG changes the numbers; the expectation catches it; each variant sends its exact bytes", async () => {
    const from = server.requests.length;
    const { report } = await ask(GREY, {
      ...base(),
      variants: ["original", "pillow", "raw"],
      expect: { text: "48213", number: { value: 1204.5, tolerance: 0.001 } },
    });
    seen.push(JSON.stringify(report));
    const byName = Object.fromEntries(report.variants.map((v) => [v.variant, v]));
    assert.equal(byName.original?.answers[0]?.answer, TEXT);
    assert.equal(byName.pillow?.answers[0]?.answer, "Invoice 48233 total 1204.40 EUR");
    assert.equal(byName.pillow?.status, "failed");
    assert.equal(byName.raw?.status, "passed");
    assert.equal(report.passed, false);
    assert.equal(report.agree, false);
    assert.ok((byName.pillow?.similarity ?? 1) < 1);
    assert.deepEqual(
      byName.original?.runs[0]?.usage && Object.keys(byName.original.runs[0].usage),
      ["prompt_tokens", "completion_tokens", "total_tokens"],
    );
    assert.equal(report.settings.temperature, 0);
    assert.equal(report.settings.seed, 0);
    assert.equal(report.settings.keySent, true);

    // What the server received is what each client path writes, byte for byte.
    const bytes = readFileSync(GREY);
    const image = await decode(bytes);
    const received = server.requests.slice(from);
    assert.equal(received.length, 3);
    for (const name of ["pillow", "raw"] as const) {
      const payload = await clientPath(name).encode({ image, bytes, name: GREY });
      const sent = `${payload.sentPrefix}${Buffer.from(payload.bytes).toString("base64")}`;
      const match = received.find((r) => {
        const got = r.images[0];
        return got !== undefined && `${got.prefix}${got.bytes.toString("base64")}` === sent;
      });
      assert.ok(match, `${name}: its payload as written`);
      assert.equal(byName[name]?.payload.sentLength, sent.length);
      const body = match.body as { temperature: number; seed: number; max_tokens: number };
      assert.deepEqual([body.temperature, body.seed, body.max_tokens], [0, 0, 512]);
    }
    const original = received.find((r) => r.images[0]?.prefix === "data:image/png;base64,");
    assert.ok(original?.images[0]?.bytes.equals(bytes), "the source bytes with their real type");
  });

  test("the control image: every variant agrees without an expectation", async () => {
    const { report } = await ask(CONTROL, { ...base(), variants: ["original", "pillow", "vllm"] });
    assert.equal(report.agree, true);
    assert.equal(report.passed, true);
    assert.ok(report.variants.every((v) => v.similarity === 1 && v.answers[0]?.answer === TEXT));
    const vllm = report.variants[2];
    assert.equal(vllm?.payload.sentPrefix, "data:image/png;base64,");
  });

  test("an http(s) source: the original variant is its URL, which the server fetches", async () => {
    const bytes = readFileSync(RED);
    const images = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "image/png" });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => images.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(images.address() as AddressInfo).port}/invoice.png?sig=s3cr3t`;
    try {
      const { report } = await ask(url, { ...base(), expect: { text: "48213" } });
      assert.equal(report.variants[0]?.payload.transport, "url");
      assert.ok(server.fetched.includes(url), "the server fetched the URL as given");
      assert.equal(report.variants[0]?.status, "passed");
      // Red text on blue is gone after 4:2:0 chroma subsampling.
      assert.equal(report.variants[1]?.answers[0]?.answer, "");
      assert.equal(report.variants[1]?.status, "failed");
      assert.equal(report.source.input, url.replace("s3cr3t", "***"));
      assert.doesNotMatch(JSON.stringify(report), /s3cr3t/);
    } finally {
      images.close();
    }
  });

  test("the Anthropic Messages API: a base64 source with the bytes' media type", async () => {
    const from = server.requests.length;
    const { report } = await ask(RED, {
      ...base(),
      endpoint: server.url,
      api: "anthropic",
      system: "Read the image.",
    });
    const received = server.requests.slice(from);
    assert.deepEqual(
      received.map((r) => [r.api, r.images[0]?.kind, r.images[0]?.mediaType]).sort(),
      [
        ["anthropic", "base64", "image/jpeg"],
        ["anthropic", "base64", "image/png"],
      ],
    );
    assert.ok(received.every((r) => r.texts.includes("Read the image.")));
    assert.equal(report.variants[0]?.answers[0]?.answer, TEXT);
    assert.equal(report.agree, false);
    assert.match(
      report.variants[1]?.payload.notes[0] ?? "",
      /prefix "data:image;base64," is not sent/,
    );
    assert.deepEqual(Object.keys(report.variants[0]?.runs[0]?.usage ?? {}), [
      "input_tokens",
      "output_tokens",
    ]);
    assert.equal(report.settings.seed, null);
    assert.equal(report.settings.temperature, null);
  });
});

describe("ask when the endpoint fails", () => {
  let server: OcrServer;
  const script: NonNullable<Parameters<typeof startOcrServer>[0]>["script"] = [];
  before(async () => {
    server = await startOcrServer({ apiKey: KEY, script, otherwise: { text: TEXT } });
  });
  after(() => server.close());
  /** The next requests behave as given; the index is the server's count of API requests. */
  const next = (...behaviours: NonNullable<typeof script>) => {
    const at = server.requests.filter((r) => r.api !== "other").length;
    behaviours.forEach((b, i) => {
      script[at + i] = b;
    });
  };
  const options = () => ({
    endpoint: `${server.url}/v1`,
    model: "tesseract",
    apiKey: KEY,
    prompt: "What does it say?",
    variants: ["original" as const],
    retries: 2,
  });

  test("401: a wrong key or none, named by its variable, never shown", async () => {
    await rejectsWith(
      ask(CONTROL, { ...options(), apiKey: "sk-wrong-key-9876543210" }),
      "unauthorized",
      /refused the key in OPENAI_API_KEY \(401\)/,
    );
    const { apiKey: _none, ...withoutKey } = options();
    await rejectsWith(
      ask(CONTROL, { ...withoutKey, apiKeyEnv: "MY_KEY" }),
      "unauthorized",
      /wants an API key \(401\) and MY_KEY is not set/,
    );
    const last = server.requests.at(-1);
    assert.equal(last?.headers.authorization, undefined, "no key: no Authorization header");
  });

  test("404: the model is not served", async () => {
    await rejectsWith(
      ask(CONTROL, { ...options(), model: "qwen-9000" }),
      "model-not-found",
      /model "qwen-9000" not found.*\(404\).*does not exist/,
    );
  });

  test("nothing listening: connection refused", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await rejectsWith(
      ask(CONTROL, { ...options(), endpoint: `http://127.0.0.1:${port}/v1`, retries: 0 }),
      "network",
      /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: connection refused/,
    );
  });

  test("429 with Retry-After, then 500, then an answer: retried, attempts counted", async () => {
    next({ status: 429, retryAfter: "0.02" }, { status: 500, retryAfterMs: "10" });
    const started = performance.now();
    const { report } = await ask(CONTROL, options());
    const run = report.variants[0]?.runs[0];
    assert.equal(run?.answer, TEXT);
    assert.equal(run?.attempts, 3);
    assert.ok(performance.now() - started < 2000);
  });

  test("a Retry-After beyond 60 s is not waited for", async () => {
    next({ status: 429, retryAfter: "3600" });
    await rejectsWith(ask(CONTROL, options()), "rate-limited", /asks to wait 3600 s/);
  });

  test("a server that never answers: a timeout, quickly", async () => {
    next("hang", "hang");
    const started = performance.now();
    await rejectsWith(
      ask(CONTROL, { ...options(), timeoutMs: 150, retries: 1 }),
      "timeout",
      /no answer within 0\.15 s \(--timeout\), 2 attempts/,
    );
    assert.ok(performance.now() - started < 3000);
  });

  test("malformed JSON and a huge answer are failures, bounded", async () => {
    next("malformed");
    await rejectsWith(ask(CONTROL, options()), "bad-response", /not valid JSON/);
    next({ huge: 5 * 1024 * 1024 });
    await rejectsWith(ask(CONTROL, options()), "bad-response", /larger than 4 MiB/);
  });

  test("one failing request among many fails that variant, not the run", async () => {
    next({ status: 400, message: "bad image" });
    const { report } = await ask(CONTROL, {
      ...options(),
      variants: ["original", "pillow-png"],
      runs: 3,
      concurrency: 1,
    });
    assert.equal(report.passed, false);
    assert.equal(report.variants[0]?.status, "error");
    assert.equal(report.variants[0]?.runs[0]?.error?.code, "http-status");
    assert.match(report.variants[0]?.runs[0]?.error?.message ?? "", /answered 400.*bad image/);
    // The other variant agrees with the answers the first one did get.
    assert.equal(report.variants[1]?.status, "passed");
    assert.equal(server.maxInFlight, 1);
  });

  test("--runs: distinct answers counted; --concurrency bounds requests in flight", async () => {
    next({ text: "one" }, { text: "two" }, { text: "one" });
    const { report } = await ask(CONTROL, { ...options(), runs: 3, concurrency: 1 });
    assert.deepEqual(report.variants[0]?.answers, [
      { answer: "one", count: 2 },
      { answer: "two", count: 1 },
    ]);
    assert.equal(report.variants[0]?.agrees, false);
  });

  test("the key appears in no report or error", () => {
    assert.ok(seen.length >= 6);
    for (const text of seen) assert.ok(!text.includes(KEY) && !text.includes("9876543210"), text);
  });
});
