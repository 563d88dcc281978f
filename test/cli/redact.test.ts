import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closeHttpAgent } from "../../src/source/http.js";
import { type CliResult, fixture, runMain } from "../helpers/cli.js";

// If the machine running the tests has a proxy configured, loopback must still be direct.
process.env.no_proxy = [process.env.no_proxy ?? process.env.NO_PROXY, "127.0.0.1"]
  .filter(Boolean)
  .join(",");

/** Every secret a URL can carry here; none may appear in any output. */
const PASSWORD = "pw-SECRET-1";
const SIGNATURE = "SIG-SECRET-2";
const TOKEN = "TOK-SECRET-3";
const SECRETS = [PASSWORD, SIGNATURE, TOKEN, encodeURIComponent(PASSWORD)];
const AUTH = `Basic ${Buffer.from(`reader:${PASSWORD}`).toString("base64")}`;

const image = readFileSync(fixture("grey.png"));
const work = mkdtempSync(join(tmpdir(), "imgenc-redact-"));
let base = "";
let bare = "";
const requests: string[] = [];

/**
 * Needs Basic credentials for everything. /signed.png and /denied.png redirect (same origin) to
 * a presigned-style URL, which serves the image or a 403.
 */
function handler(req: IncomingMessage, res: ServerResponse): void {
  requests.push(`${req.url} ${req.headers.authorization === AUTH ? "auth" : "no auth"}`);
  if (req.headers.authorization !== AUTH) return void res.writeHead(401).end();
  const path = (req.url ?? "").split("?")[0];
  const signed = `X-Amz-Date=20250101T000000Z&X-Amz-Signature=${SIGNATURE}`;
  if (path === "/signed.png") {
    return void res.writeHead(302, { location: `/store/grey.png?${signed}` }).end();
  }
  if (path === "/denied.png") {
    return void res.writeHead(302, { location: `/store/expired.png?${signed}` }).end();
  }
  if (path === "/store/expired.png") return void res.writeHead(403).end();
  res.writeHead(200, { "content-type": "image/png" }).end(image);
}

const server = createServer(handler);
before(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  bare = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = bare.replace("http://", `http://reader:${PASSWORD}@`);
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await closeHttpAgent();
  rmSync(work, { recursive: true, force: true });
});

function assertNoSecret(text: string, what: string): void {
  for (const secret of SECRETS) {
    assert.ok(!text.includes(secret), `${what} leaks ${secret}:\n${text}`);
  }
}

function assertClean(result: CliResult, what: string): void {
  assertNoSecret(result.stdout, `${what} stdout`);
  assertNoSecret(result.stderr, `${what} stderr`);
}

describe("credentials and signatures in URLs are used but never shown", () => {
  test("compare: text, JSON (input, finalUrl) and the HTML report", async () => {
    const url = `${base}/signed.png?token=${TOKEN}`;
    const shown = `${base.replace(PASSWORD, "***")}/signed.png?token=***`;
    requests.length = 0;
    const report = join(work, "compare.html");
    const text = await runMain(["compare", url, "--report", report]);
    assert.equal(text.code, 0, text.stderr);
    assert.deepEqual(requests, [
      `/signed.png?token=${TOKEN} auth`,
      `/store/grey.png?X-Amz-Date=20250101T000000Z&X-Amz-Signature=${SIGNATURE} auth`,
    ]);
    assertClean(text, "compare");
    assert.ok(text.stdout.startsWith(`source ${shown}\n`), text.stdout);
    const html = readFileSync(report, "utf8");
    assertNoSecret(html, "compare --report");
    assert.ok(html.includes(shown), "the report names the masked URL");

    const json = await runMain(["compare", url, "--json"]);
    assertClean(json, "compare --json");
    const source = JSON.parse(json.stdout).sources[0];
    assert.equal(source.input, shown);
    assert.equal(
      source.finalUrl,
      `${bare}/store/grey.png?X-Amz-Date=20250101T000000Z&X-Amz-Signature=***`,
    );
  });

  test("inspect: text and JSON", async () => {
    const url = `${base}/signed.png?access_token=${TOKEN}`;
    const text = await runMain(["inspect", url]);
    assert.equal(text.code, 0, text.stderr);
    assertClean(text, "inspect");
    assert.match(
      text.stdout,
      /final URL +http:\/\/127\.0\.0\.1:\d+\/store\/grey\.png\?X-Amz-Date=\S+&X-Amz-Signature=\*\*\*\n/,
    );
    const json = await runMain(["inspect", url, "--json"]);
    assertClean(json, "inspect --json");
    assert.equal(
      JSON.parse(json.stdout).input,
      `${base.replace(PASSWORD, "***")}/signed.png?access_token=***`,
    );
  });

  test("encode: the note on stderr", async () => {
    const encoded = await runMain([
      "encode",
      `${base}/signed.png?sig=${SIGNATURE}`,
      "--max-side",
      "8",
    ]);
    assert.equal(encoded.code, 0, encoded.stderr);
    assertNoSecret(encoded.stderr, "encode stderr");
    assert.match(
      encoded.stderr,
      /^imgenc: http:\/\/reader:\*\*\*@127\.0\.0\.1:\d+\/signed\.png\?sig=\*\*\*: resized/,
    );
  });

  test("error lines: the input and a redirect named in the message", async () => {
    const result = await runMain(["inspect", `${base}/denied.png?token=${TOKEN}`]);
    assert.equal(result.code, 2);
    assertClean(result, "inspect");
    assert.equal(
      result.stderr,
      `imgenc: ${base.replace(PASSWORD, "***")}/denied.png?token=***: HTTP 403 Forbidden (after redirects to ${bare}/store/expired.png?X-Amz-Date=20250101T000000Z&X-Amz-Signature=***)\n`,
    );
  });

  test("check: table, JSON, JSONL, JUnit and the HTML report", async () => {
    // Without "?": check reads a "?" as a glob wildcard. The signature arrives by redirect.
    const ok = `${base}/signed.png`;
    const denied = `${base}/denied.png`;
    const shownOk = `${base.replace(PASSWORD, "***")}/signed.png`;
    const junit = join(work, "check.xml");
    const report = join(work, "check.html");
    const run = await runMain(["check", ok, denied, "--junit", junit, "--report", report]);
    assert.equal(run.code, 1, run.stderr);
    assertClean(run, "check");
    assert.ok(run.stdout.includes(`pass   ${shownOk}`), run.stdout);
    assert.match(run.stdout, /X-Amz-Signature=\*\*\*/, "the 403 names the redirect, masked");
    const xml = readFileSync(junit, "utf8");
    assertNoSecret(xml, "check --junit");
    assert.ok(xml.includes(`name="${shownOk}"`), xml);
    assertNoSecret(readFileSync(report, "utf8"), "check --report");

    const json = await runMain(["check", ok, denied, "--json"]);
    assertClean(json, "check --json");
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(doc.images.map((i: { file: string }) => i.file).sort(), [
      `${base.replace(PASSWORD, "***")}/denied.png`,
      shownOk,
    ]);

    const jsonl = await runMain(["check", ok, denied, "--jsonl"]);
    assertClean(jsonl, "check --jsonl");
    assert.equal(jsonl.stdout.trim().split("\n").length, 2);
  });
});
