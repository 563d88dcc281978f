import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stripVTControlCharacters } from "node:util";
import { type CliResult, fixture, runMain } from "../helpers/cli.js";
import { type OcrServer, startOcrServer } from "../helpers/ocr-server.js";
import { skipUnlessTesseract } from "../helpers/tesseract.js";

const KEY = "sk-cli-test-a1b2c3d4e5f6";
const TEXT = "Invoice 48213 total 1204.50 EUR";

/** Every file under a folder, read whole. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), "utf8"));
}

describe("imgenc ask", { skip: skipUnlessTesseract() }, () => {
  let server: OcrServer;
  let dir: string;
  const outputs: string[] = [];
  const env = { OPENAI_API_KEY: KEY, ANTHROPIC_API_KEY: KEY };
  const run = async (args: string[], runEnv: NodeJS.ProcessEnv = env): Promise<CliResult> => {
    const result = await runMain(
      ["ask", "--endpoint", `${server.url}/v1`, "-m", "tesseract", ...args],
      {
        env: runEnv,
      },
    );
    outputs.push(result.stdout, result.stderr);
    return result;
  };
  before(async () => {
    server = await startOcrServer({ apiKey: KEY });
    dir = mkdtempSync(join(tmpdir(), "imgenc-ask-"));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("on a 64-column terminal the table and the dataset fit: answers shortened", async () => {
    const fits = (text: string) => {
      for (const line of stripVTControlCharacters(text).split("\n"))
        assert.ok(line.length <= 64, line);
    };
    const base = ["ask", "--endpoint", `${server.url}/v1`, "-m", "tesseract", "--no-color"];
    const one = await runMain(
      [
        ...base,
        fixture("invoice-grey-on-grey.png"),
        "-p",
        "What does it say?",
        "--expect",
        "48213",
      ],
      { env, stdoutTTY: true, columns: 64 },
    );
    fits(one.stdout);
    assert.match(one.stdout, /^pillow +\S+ B +"Invoice …" +FAIL 0\/1 met/m);
    const cases = join(dir, "fit.jsonl");
    writeFileSync(
      cases,
      `${JSON.stringify({ image: fixture("invoice-grey-on-grey.png"), prompt: "What is it?", expect: "48213" })}\n`,
    );
    const many = await runMain(
      [...base, "--dataset", cases, "--client", "original,pillow,gradio"],
      {
        env,
        stdoutTTY: true,
        columns: 60,
      },
    );
    fits(many.stdout);
  });

  test("--report: the client paths compared, each with the model's answers", async () => {
    const page = join(dir, "ask.html");
    const r = await run([
      fixture("invoice-grey-on-grey.png"),
      "-p",
      "What does it say?",
      "--expect",
      "48213",
      "--client",
      "original,pillow,gradio",
      "--report",
      page,
    ]);
    assert.equal(r.code, 1, r.stderr);
    const html = readFileSync(page, "utf8");
    // One entry per client path sent, each with every variant's answer and verdict.
    assert.equal(html.match(/<section class="block answers">/g)?.length, 2);
    assert.match(html, /what tesseract answered/);
    assert.match(html, /<q>Invoice 48233 total 1204\.40 EUR<\/q>/);
    assert.match(html, /<q>Invoice 48213 total 1204\.50 EUR<\/q>/);
    assert.match(html, /contains &quot;48213&quot;/);
    assert.ok(!html.includes(KEY));
    const stdin = await runMain(
      [
        "ask",
        "-",
        "--endpoint",
        `${server.url}/v1`,
        "-m",
        "tesseract",
        "-p",
        "x",
        "--report",
        page,
      ],
      { env, input: readFileSync(fixture("invoice-grey-on-grey.png")) },
    );
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /--report reads the source again/);
  });

  test("the changed numbers: exit 1 with --expect, the table shows which variant", async () => {
    const r = await run([
      fixture("invoice-grey-on-grey.png"),
      "-p",
      "What does it say?",
      "--expect",
      "48213",
    ]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stdout,
      /original\s+1\.4 KiB\s+"Invoice 48213 total 1204\.50 EUR"\s+pass 1\/1 met/,
    );
    assert.match(r.stdout, /pillow\s+1004 B\s+"Invoice 48233 total 1204\.40 EUR"\s+FAIL 0\/1 met/);
    assert.match(r.stdout, /failed: pillow did not meet the expectation/);
  });

  test("the control: exit 0 when every variant agrees; --json is one document without the key", async () => {
    const r = await run([
      fixture("invoice-black-on-white.png"),
      "-p",
      "What does it say?",
      "--client",
      "original,pillow,vllm",
      "--json",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.schemaVersion, 1);
    assert.equal(doc.agree, true);
    assert.deepEqual(
      doc.variants.map((v: { variant: string; answers: { answer: string }[] }) => [
        v.variant,
        v.answers[0]?.answer,
      ]),
      [
        ["original", TEXT],
        ["pillow", TEXT],
        ["vllm", TEXT],
      ],
    );
    assert.equal(doc.settings.apiKeyEnv, "OPENAI_API_KEY");
    assert.equal(doc.settings.keySent, true);
    assert.equal(typeof doc.variants[0].runs[0].latencyMs, "number");
    assert.equal(doc.variants[1].payload.sentPrefix, "data:image;base64,");
  });

  test("exit 2 when the endpoint refuses every request, saying why", async () => {
    const wrong = await run([fixture("invoice-black-on-white.png"), "-p", "x"], {
      OPENAI_API_KEY: "sk-wrong-0000000000",
    });
    assert.equal(wrong.code, 2);
    assert.match(
      wrong.stderr,
      /every request failed: the endpoint refused the key in OPENAI_API_KEY \(401\)/,
    );
    assert.doesNotMatch(wrong.stderr, /0000000000/);
    const missing = await run(
      [fixture("invoice-black-on-white.png"), "-p", "x", "--api-key-env", "VLM_KEY"],
      {},
    );
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /VLM_KEY is not set/);
    const model = await run([fixture("invoice-black-on-white.png"), "-p", "x", "-m", "gpt-9"]);
    assert.equal(model.code, 2);
    assert.match(model.stderr, /model "gpt-9" not found/);
  });

  test("usage errors: exit 2 with one line", async () => {
    const cases: [string[], RegExp][] = [
      [[fixture("invoice-black-on-white.png")], /ask needs --prompt/],
      [["-p", "x"], /ask needs a <source> image or --dataset/],
      [
        [fixture("invoice-black-on-white.png"), "-p", "x", "--client", "original,nope"],
        /payload variants/,
      ],
      [
        [fixture("invoice-black-on-white.png"), "-p", "x", "--min-accuracy", "90%"],
        /--min-accuracy applies to --dataset/,
      ],
      [
        [fixture("invoice-black-on-white.png"), "-p", "x", "--expect-number", "lots"],
        /--expect-number/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(" "));
      assert.match(r.stderr, message);
    }
    const noEndpoint = await runMain(["ask", "x.png", "-m", "m", "-p", "x"], { env });
    assert.match(noEndpoint.stderr, /ask needs --endpoint/);
  });

  test("a dataset: accuracy per variant, disagreements first, gates, JUnit, and a resumed run from the cache", async () => {
    const cases = join(dir, "cases.jsonl");
    const lines = [
      { image: fixture("invoice-black-on-white.png"), prompt: "Read it", expect: "48213" },
      {
        image: fixture("invoice-grey-on-grey.png"),
        prompt: "Read it",
        expect_number: 1204.5,
        tolerance: 0.001,
      },
      {
        image: fixture("invoice-red-on-blue.png"),
        prompt: "Read it",
        expect_regex: "/invoice\\s+48213/i",
      },
      { image: fixture("invoice-black-on-white.png"), prompt: "Read it" },
    ];
    writeFileSync(cases, `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    const cache = join(dir, "cache");
    const junit = join(dir, "ask.xml");
    const gates = ["--min-accuracy", "60%", "--max-accuracy-drop", "50"];
    const first = await run([
      "--dataset",
      cases,
      "--cache-dir",
      cache,
      "--json",
      "--junit",
      junit,
      ...gates,
    ]);
    assert.equal(first.code, 1, first.stderr);
    const doc = JSON.parse(first.stdout);
    assert.deepEqual(
      doc.accuracy.map((a: { variant: string; correct: number; judged: number }) => [
        a.variant,
        a.correct,
        a.judged,
      ]),
      [
        ["original", 3, 3],
        ["pillow", 1, 3],
      ],
    );
    assert.equal(doc.accuracy[1].interval[0].toFixed(3), "0.061");
    // Disagreeing cases first, by line.
    assert.deepEqual(
      doc.cases.map((c: { line: number; agree: boolean }) => [c.line, c.agree]),
      [
        [2, false],
        [3, false],
        [1, true],
        [4, true],
      ],
    );
    assert.deepEqual(
      doc.gates.map((g: { gate: string; variant: string; passed: boolean }) => [
        g.gate,
        g.variant,
        g.passed,
      ]),
      [
        ["min-accuracy", "original", true],
        ["min-accuracy", "pillow", false],
        ["max-accuracy-drop", "pillow", false],
      ],
    );
    assert.deepEqual([doc.totals.asked, doc.totals.cached], [8, 0]);
    const xml = readFileSync(junit, "utf8");
    assert.match(xml, /tests="11" failures="4"/);
    assert.match(xml, /invoice-grey-on-grey\.png \[pillow\] \(line 2\)/);

    // The rerun asks nothing; a looser gate passes.
    const asked = server.requests.length;
    const again = await run([
      "--dataset",
      cases,
      "--cache-dir",
      cache,
      "--max-accuracy-drop",
      "70",
    ]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.equal(server.requests.length, asked);
    assert.match(again.stdout, /original\s+100\.0%\s+43\.9%-100\.0%\s+3\/3/);
    assert.match(
      again.stdout,
      /passed the gates: 4 cases \(2 failed, 0 errors, 2 with differing answers; 0 asked, 8 from the cache\)/,
    );
    // --no-cache asks again; --jsonl prints one line per case.
    const fresh = await run([
      "--dataset",
      cases,
      "--no-cache",
      "--jsonl",
      "--max-accuracy-drop",
      "70",
    ]);
    assert.equal(fresh.code, 0);
    assert.equal(server.requests.length, asked + 8);
    assert.equal(fresh.stdout.trim().split("\n").length, 4);
    outputs.push(...filesUnder(cache), xml);
  });

  test("the key appears in no output, report, cache or error", () => {
    assert.ok(outputs.length > 10);
    for (const text of outputs) assert.ok(!text.includes(KEY), text.slice(0, 200));
  });
});
