import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fixture, runMain } from "../helpers/cli.js";

const LOGO = fixture("logo-alpha.png");
const work = mkdtempSync(join(tmpdir(), "imgenc-client-"));

describe("--client across the commands", () => {
  test("compare --client pillow: version 2 with the clients array; the shared fields are that path's", async () => {
    const plain = JSON.parse((await runMain(["compare", LOGO, "--json"])).stdout);
    const result = await runMain(["compare", LOGO, "--client", "pillow", "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.equal(plain.schemaVersion, 1);
    assert.equal(plain.clients, undefined);
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.clients.length, 1);
    const [pillow] = doc.clients;
    assert.equal(pillow.client, "pillow");
    assert.equal(pillow.payload.sentPrefix, "data:image;base64,");
    assert.deepEqual(pillow.payload.steps, {
      format: "jpeg",
      quality: 75,
      subsampling: "4:2:0",
      huffman: "standard",
      alpha: "stored-colour",
      orientation: "none",
      icc: "none",
      notes: [],
    });
    // The one-client reader's fields: the same JPEG and the same metrics as without --client.
    assert.deepEqual(doc.payloads, plain.payloads);
    assert.deepEqual(doc.metrics, plain.metrics);
    assert.deepEqual(pillow.metrics, plain.metrics);
    const alpha = pillow.findings.find((f: { code: string }) => f.code === "alpha-dropped");
    assert.equal(alpha.data.client, "pillow");
    assert.equal(alpha.data.shows, "stored-colour");
    assert.match(alpha.message, /^pillow: .* drops alpha and shows their stored colour/);
  });

  test("bad lists and two sources are usage errors", async () => {
    for (const list of ["pillow,pillow", "nope", ""]) {
      const result = await runMain(["compare", LOGO, "--client", list]);
      assert.equal(result.code, 2, list);
      assert.match(
        result.stderr,
        /^imgenc: expected client paths separated by commas.* for --client/,
      );
    }
    const pair = await runMain(["compare", LOGO, LOGO, "--client", "pillow"]);
    assert.equal(pair.code, 2);
    assert.match(pair.stderr, /--client applies to one source/);
  });

  test("encode --client prints that path's payload; --as-sent as the client writes it", async () => {
    const lossy = await runMain(["encode", LOGO, "--lossy"]);
    const client = await runMain(["encode", LOGO, "--client", "pillow"]);
    assert.equal(client.code, 0, client.stderr);
    assert.equal(client.stdout, lossy.stdout);
    const sent = await runMain(["encode", LOGO, "--client", "pillow", "--as-sent"]);
    assert.equal(sent.code, 0);
    const base64 = lossy.stdout.slice(lossy.stdout.indexOf(",") + 1);
    assert.equal(sent.stdout, `data:image;base64,${base64}`);
    for (const [args, cause] of [
      [["--as-sent"], /add --client <name>/],
      [["--client", "pillow", "--lossy"], /cannot be combined with --lossy/],
      [["--client", "pillow", "--as-sent", "--base64"], /--as-sent is its own output/],
    ] as const) {
      const result = await runMain(["encode", LOGO, ...args]);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(result.stderr, cause);
      assert.equal(result.stdout, "");
    }
  });

  test("check takes client from its config: every report carries the path", async () => {
    const dir = join(work, "config");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "imgenc.config.json"), JSON.stringify({ client: "pillow" }));
    const result = await runMain(["check", LOGO, "--json"], { cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    assert.equal(doc.schemaVersion, 2);
    assert.equal(doc.images[0].report.clients[0].client, "pillow");
    writeFileSync(join(dir, "imgenc.config.json"), JSON.stringify({ client: ["nope"] }));
    const bad = await runMain(["check", LOGO, "--json"], { cwd: dir });
    assert.equal(bad.code, 2);
    assert.match(
      bad.stderr,
      /imgenc\.config\.json: expected .* for client but received \["nope"\]/,
    );
  });

  test("several paths: a row each, and findings that follow each path", async () => {
    const rotated = fixture("rotated-exif6.jpg");
    const json = await runMain(["compare", rotated, "--client", "pillow,opencv", "--json"]);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout);
    assert.deepEqual(
      doc.clients.map((k: { client: string }) => k.client),
      ["pillow", "opencv"],
    );
    const [pillow, opencv] = doc.clients;
    const codesOf = (k: { findings: { code: string }[] }) => k.findings.map((f) => f.code);
    // Pillow sends the stored pixels; cv2.imread turns them upright first.
    assert.ok(codesOf(pillow).includes("orientation-lost"));
    assert.ok(!codesOf(opencv).includes("orientation-lost"));
    assert.equal(opencv.payload.steps.orientation, "applied");
    assert.equal(opencv.payload.steps.quality, 95);
    // Measured against the reference turned the same way: a JPEG's loss, not a 90° turn.
    assert.equal(opencv.payload.width, doc.sources[0].height);
    assert.ok(opencv.metrics.psnr > 35, `PSNR ${opencv.metrics.psnr}`);
    // The one-client fields hold the first path.
    assert.equal(doc.payloads[1].bytes, pillow.payload.bytes);
    assert.deepEqual(doc.metrics, pillow.metrics);

    const text = await runMain(["compare", rotated, "--client", "pillow,opencv"]);
    assert.equal(text.code, 0);
    const rows = text.stdout.split("\n");
    const header = rows.findIndex((line) => /^client\s+sends/.test(line));
    assert.ok(header > 0, text.stdout);
    assert.match(rows[header + 1] ?? "", /^pillow\s+JPEG q75 4:2:0\s+data:image;base64,/);
    assert.match(rows[header + 2] ?? "", /^opencv\s+JPEG q95 4:2:0\s+data:image\/jpeg;base64,/);
    assert.match(text.stdout, /▲ pillow: EXIF orientation 6 is not applied/);
    assert.doesNotMatch(text.stdout, /opencv: EXIF orientation/);
  });

  test("the HTML report has an entry per path; check a row per path", async () => {
    const report = join(work, "paths.html");
    const result = await runMain([
      "compare",
      LOGO,
      "--client",
      "opencv,pillow",
      "--report",
      report,
    ]);
    assert.equal(result.code, 0, result.stderr);
    const html = readFileSync(report, "utf8");
    assert.match(html, /id="client-opencv"/);
    assert.match(html, /id="client-pillow"/);
    const checkReport = join(work, "check-paths.html");
    const check = await runMain([
      "check",
      LOGO,
      "--client",
      "opencv,pillow",
      "--report",
      checkReport,
    ]);
    assert.equal(check.code, 0, check.stderr);
    const checkHtml = readFileSync(checkReport, "utf8");
    assert.match(checkHtml, /id="image-1-opencv"/);
    assert.match(checkHtml, /id="image-1-pillow"/);
    // Each path's entry embeds its own payload: two different JPEGs besides the lossless PNG.
    const jpegs = new Set(checkHtml.match(/data:image\/jpeg;base64,[A-Za-z0-9+/=]{100}/g));
    assert.ok(jpegs.size >= 2, `${jpegs.size} distinct JPEG previews`);
    assert.match(check.stdout, /\n\s+opencv\s+\d+\.\d+ dB/);
    assert.match(check.stdout, /\n\s+pillow\s+29\.86 dB/);
  });

  test("alpha-dropped says what each path shows; a path that keeps alpha raises none", async () => {
    const result = await runMain([
      "compare",
      LOGO,
      "--client",
      "canvas-jpeg,canvas-png,vllm,vllm-legacy,pillow-png,raw",
      "--json",
    ]);
    assert.equal(result.code, 0, result.stderr);
    const doc = JSON.parse(result.stdout);
    const shows = Object.fromEntries(
      doc.clients.map(
        (k: { client: string; findings: { code: string; data: { shows?: string } }[] }) => [
          k.client,
          k.findings.find((f) => f.code === "alpha-dropped")?.data.shows ?? null,
        ],
      ),
    );
    assert.deepEqual(shows, {
      "canvas-jpeg": "black",
      "canvas-png": null,
      vllm: "white",
      "vllm-legacy": "white",
      "pillow-png": "stored-colour",
      raw: null,
    });
    const prefixes = doc.clients.map(
      (k: { payload: { sentPrefix: string } }) => k.payload.sentPrefix,
    );
    assert.deepEqual(prefixes, [
      "data:image/jpeg;base64,",
      "data:image/png;base64,",
      "data:image/png;base64,",
      "",
      "data:image/png;base64,",
      "data:image/png;base64,",
    ]);
  });

  test("--as-sent writes each client's own string: bare base64, data:None", async () => {
    const legacy = await runMain(["encode", LOGO, "--client", "vllm-legacy", "--as-sent"]);
    assert.equal(legacy.code, 0, legacy.stderr);
    assert.match(legacy.stdout, /^\/9j\/[A-Za-z0-9+/]+=*\n$/);
    const webp = join(work, "photo.webp");
    writeFileSync(webp, readFileSync(fixture("photo.png")));
    const raw = await runMain(["encode", webp, "--client", "raw", "--as-sent"]);
    assert.equal(raw.code, 0, raw.stderr);
    // Python 3.11's own table has no .webp; the bytes are a PNG whatever the name says.
    assert.equal(
      raw.stdout,
      `data:None;base64,${readFileSync(fixture("photo.png")).toString("base64")}\n`,
    );
    const correct = await runMain(["encode", webp, "--client", "raw"]);
    assert.match(correct.stdout, /^data:image\/png;base64,/);
  });

  test("a path that cannot send the image is a refused row, not the end of the comparison", async () => {
    const gif = fixture("animated.gif");
    const both = await runMain(["compare", gif, "--client", "pillow,opencv", "--json"]);
    // OpenCV 4.6 has no GIF reader: the user's cv2.imencode would raise; that fails the run.
    assert.equal(both.code, 1, both.stderr);
    const doc = JSON.parse(both.stdout);
    assert.deepEqual(
      doc.clients.map((k: { client: string }) => k.client),
      ["pillow"],
    );
    assert.equal(doc.refusedClients[0].client, "opencv");
    assert.match(doc.refusedClients[0].error.message, /cv2\.imread returns None/);
    assert.equal(doc.passed, false);
    const text = await runMain(["compare", gif, "--client", "pillow,opencv"]);
    assert.match(text.stdout, /\nopencv {2}refused: cv2\.imread returns None/);
    const alone = await runMain(["compare", gif, "--client", "opencv"]);
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /^imgenc: .*animated\.gif: cv2\.imread returns None/);
  });
});
