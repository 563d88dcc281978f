import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { runMain } from "../helpers/cli.js";
import { skipUnlessPython } from "../helpers/python.js";
import { assertSchema } from "../helpers/schemas.js";
import { SEED_ENCODE, seedDataUri } from "../helpers/seed.js";

const KEY = "sk-test-0a1b2c3d4e5f60718293";
const skip = skipUnlessPython(["PIL"]);

/** The seed's code as written, posting its data URI with the standard library. */
const SEED_CLIENT = `${SEED_ENCODE}
import json, os, sys, urllib.request
uri = encode_image(gradient(96, 64))
body = {"model": "qwen2.5-vl", "messages": [{"role": "user", "content": [
    {"type": "text", "text": "What is in this image?"},
    {"type": "image_url", "image_url": {"url": uri}}]}]}
request = urllib.request.Request(
    os.environ["OPENAI_BASE_URL"] + "/chat/completions",
    data=json.dumps(body).encode(),
    headers={"Content-Type": "application/json", "Authorization": "Bearer " + os.environ["OPENAI_API_KEY"]})
reply = json.load(urllib.request.urlopen(request))
print(reply["choices"][0]["message"]["content"])
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
`;

const LINE =
  "POST /v1/chat/completions image 1/1: JPEG 96x64 q75 4:2:0, likely Pillow's default save (2 others write the same bytes); data:image;base64 has no subtype [missing-subtype]";

let folder = "";
before(async () => {
  folder = await mkdtemp(join(tmpdir(), "imgenc-proxy-cli-"));
});

function noKey(...texts: string[]) {
  for (const text of texts) assert.ok(!text.includes(KEY), "the key was shown");
}

describe("imgenc proxy -- <command>", () => {
  test("the seed's Python client: JPEG, quality 75, 4:2:0, Pillow's default save, missing subtype", {
    skip,
  }, async () => {
    const log = join(folder, "seed.jsonl");
    const page = join(folder, "seed.html");
    const run = await runMain(
      ["proxy", "--log", log, "--report", page, "--", "/usr/bin/python3", "-c", SEED_CLIENT],
      {
        env: { OPENAI_API_KEY: KEY },
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stderr.includes(`${LINE}\n`), run.stderr);
    // The report: the image as sent, its one-line analysis and its findings; no key.
    const html = await readFile(page, "utf8");
    assert.match(html, /<h2><a href="#image-1">POST \/v1\/chat\/completions image 1\/1<\/a><\/h2>/);
    assert.ok(html.includes("JPEG 96x64 q75 4:2:0, likely Pillow&#39;s default save"), "summary");
    assert.match(html, /<figure class="sent"><img src="data:image\/jpeg;base64,\/9j\//);
    assert.match(html, /missing-subtype/);
    noKey(html);
    assert.match(
      run.stderr,
      /^imgenc proxy: listening on http:\/\/127\.0\.0\.1:\d+, answering itself/m,
    );
    assert.match(
      run.stderr,
      /^imgenc proxy: 1 request \(1 openai-chat\), 1 image \(1 data-uri\)$/m,
    );
    // The client's own output: the proxy's answer, in the API's shape.
    assert.match(run.stdout, /saw 1 image:\n1\. JPEG 96x64 q75 4:2:0/);
    const record = JSON.parse((await readFile(log, "utf8")).trim());
    assertSchema("proxy-log", record);
    assert.equal(record.report.jpeg.quality, 75);
    assert.equal(record.report.identification.candidates[0].client, "pillow");
    noKey(run.stdout, run.stderr, await readFile(log, "utf8"));
  });

  test("a gate the image breaks: exit 1 though the command passed; the command's own failure wins", {
    skip,
  }, async () => {
    const gated = await runMain(
      [
        "proxy",
        "--fail-on",
        "missing-subtype",
        "--min-quality",
        "90",
        "--",
        "/usr/bin/python3",
        "-c",
        SEED_CLIENT,
      ],
      { env: { OPENAI_API_KEY: KEY } },
    );
    assert.equal(gated.code, 1, gated.stderr);
    assert.match(gated.stderr, /✖ gate: missing-subtype \(warning\), quality 75 is below 90$/m);
    assert.match(
      gated.stderr,
      /✖ 1 image broke a gate:\n {4}POST \/v1\/chat\/completions \(request 1\) image 1 at messages\[0\]\.content\[1\]/,
    );
    const failing = await runMain(
      ["proxy", "--fail-on", "warning", "--", "/usr/bin/python3", "-c", SEED_CLIENT, "3"],
      { env: { OPENAI_API_KEY: KEY } },
    );
    assert.equal(failing.code, 3);
    const passing = await runMain(
      [
        "proxy",
        "--fail-on",
        "error",
        "--min-quality",
        "75",
        "--",
        "/usr/bin/python3",
        "-c",
        SEED_CLIENT,
      ],
      { env: { OPENAI_API_KEY: KEY } },
    );
    assert.equal(passing.code, 0, passing.stderr);
    noKey(gated.stdout, gated.stderr, failing.stderr, passing.stderr);
  });

  test("a command that does not exist, and flags in the one voice", async () => {
    const missing = await runMain(["proxy", "--", "/nonexistent/imgenc-client"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot run \/nonexistent\/imgenc-client: no such command/);
    const bad = await runMain(["proxy", "--fail-on", "nope"]);
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /expected severities \(error, warning, info\) or finding codes separated by commas for --fail-on but received 'nope'/,
    );
    const remote = await runMain(["proxy", "--listen", "0.0.0.0:0"]);
    assert.equal(remote.code, 2);
    assert.match(remote.stderr, /not a loopback address.*--allow-remote/);
  });
});

describe("imgenc proxy until Ctrl-C", () => {
  test("serves, prints a line per image, and on Ctrl-C closes and summarises", {
    skip,
  }, async () => {
    const uri = seedDataUri(16, 16);
    let sent = false;
    const run = await runMain(["proxy", "--save-images", join(folder, "saved")], {
      interruptWhen: ({ stderr }) => {
        const url = /listening on (http:\S+),/.exec(stderr)?.[1];
        if (url !== undefined && !sent) {
          sent = true;
          void fetch(`${url}/api/generate`, {
            method: "POST",
            headers: { authorization: `Bearer ${KEY}` },
            body: JSON.stringify({
              model: "q",
              prompt: "hi",
              stream: false,
              images: [uri.split(",")[1]],
            }),
          });
        }
        return stderr.includes("POST /api/generate image 1/1: ");
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /POST \/api\/generate image 1\/1: JPEG 16x16 q75 4:2:0, likely Pillow's default save/,
    );
    assert.match(
      run.stderr,
      /imgenc proxy: 1 request \(1 ollama-generate\), 1 image \(1 bare-base64\)/,
    );
    const saved = await readFile(join(folder, "saved", "0001-1.jpg"));
    assert.equal(saved.toString("base64"), uri.split(",")[1]);
    noKey(run.stderr, run.stdout);
  });
});

describe("imgenc inspect --request", () => {
  test("every image of a saved request body", { skip }, async () => {
    const body = join(folder, "body.json");
    const uri = seedDataUri(16, 16);
    await writeFile(
      body,
      JSON.stringify({
        model: "m",
        messages: [
          {
            role: "user",
            content: [
              { type: "image_url", image_url: { url: uri } },
              { type: "image_url", image_url: { url: "https://x.test/a.png?token=t0ps3cret" } },
            ],
          },
        ],
      }),
    );
    const text = await runMain(["inspect", "--request", body]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^2 images in this openai-chat request\n/);
    assert.match(
      text.stdout,
      /image 1\/2 at messages\[0\]\.content\[0\] \(data-uri\)\n.*\n {2}container {4}JPEG/,
    );
    assert.match(
      text.stdout,
      /image 2\/2 at messages\[0\]\.content\[1\] \(url\)\n {2}URL https:\/\/x\.test\/a\.png\?token=\*\*\*/,
    );
    const json = await runMain(["inspect", "--request", body, "--server", "openai", "--json"]);
    const document = JSON.parse(json.stdout);
    assert.equal(document.api, "openai-chat");
    assert.equal(document.images[0].report.jpeg.quality, 75);
    assert.deepEqual(
      document.images[0].findings.map((f: { code: string }) => f.code),
      ["missing-subtype", "second-jpeg-generation", "server-rejects-data-uri"],
    );
    assert.equal(json.code, 1);
    assert.ok(!text.stdout.includes("t0ps3cret") && !json.stdout.includes("t0ps3cret"));
    const both = await runMain(["inspect", "x.png", "--request", body]);
    assert.equal(both.code, 2);
  });
});
