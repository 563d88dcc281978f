import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createWriteStream, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { BIN, fixture, ROOT, runCli, runMain } from "../helpers/cli.js";
import { noisePng } from "../helpers/images.js";

const PHOTO = fixture("photo.png");
const TEXT = fixture("text-and-lines.png");
/** Start of an ANSI colour sequence. */
const ESC = "\u001b[";
const work = mkdtempSync(join(tmpdir(), "imgenc-cli-"));

interface JsonReport {
  schemaVersion: number;
  mode: string;
  sources: { input: string; kind: string; bytes: number; width: number; height: number }[];
  payloads: {
    role: string;
    mime: string;
    bytes: number;
    base64Length: number;
    dataUriLength: number;
    width: number;
    height: number;
  }[];
  ratio: { bytes: number; dataUriLength: number };
  metrics: {
    pixels: number;
    identical: boolean;
    changedPixels: number;
    changedShare: number;
    mismatchedPixels: number;
    mismatchShare: number;
    psnr: number | null;
    ssim: number | null;
    maxChannelDiff: number;
    meanAbsError: number;
  } | null;
  findings: { code: string; severity: string }[];
  gates: { gate: string; value: number | null; limit: number; passed: boolean }[];
  passed: boolean;
}

async function json(args: string[], input?: Buffer | string): Promise<JsonReport> {
  const result = await runMain([...args, "--json"], input === undefined ? {} : { input });
  assert.equal(result.stderr, "");
  return JSON.parse(result.stdout) as JsonReport;
}

function decodeDataUri(text: string): { mime: string; bytes: Buffer } {
  const match = /^data:([^;,]+);base64,([A-Za-z0-9+/=]+)\n$/.exec(text);
  assert.ok(match, `not a base64 data URI: ${text.slice(0, 60)}`);
  return { mime: match[1] as string, bytes: Buffer.from(match[2] as string, "base64") };
}

async function rawRgb(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).removeAlpha().raw().toBuffer();
}

describe("imgenc compare <source>", () => {
  test("prints a plain report with every metric and exits 0", async () => {
    const result = await runMain(["compare", PHOTO]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    for (const word of [
      "PNG (sharp)",
      "JPEG q75 4:2:0",
      "changed pixels",
      "pixelmatch",
      "PSNR",
      "SSIM",
      "max difference",
      "mean abs error",
    ]) {
      assert.ok(result.stdout.includes(word), `report lacks ${word}`);
    }
    assert.ok(!result.stdout.includes(ESC), "no colour when stdout is not a TTY");
  });

  test("colour follows FORCE_COLOR, and NO_COLOR wins over it", async () => {
    const forced = await runMain(["compare", TEXT], { env: { FORCE_COLOR: "1" } });
    assert.ok(forced.stdout.includes(ESC));
    const both = await runMain(["compare", TEXT], { env: { FORCE_COLOR: "1", NO_COLOR: "1" } });
    assert.ok(!both.stdout.includes(ESC));
  });

  test("--json is one document whose figures agree with each other and with the files", async () => {
    const report = await json(["compare", PHOTO]);
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.mode, "single");
    const [lossless, lossy] = report.payloads;
    assert.ok(lossless && lossy && report.metrics);
    assert.equal(lossless.role, "lossless");
    assert.equal(lossless.mime, "image/png");
    assert.equal(lossy.mime, "image/jpeg");
    assert.equal(report.sources[0]?.bytes, statSync(PHOTO).size);
    const m = report.metrics;
    assert.equal(m.pixels, lossless.width * lossless.height);
    assert.equal(m.changedShare, m.changedPixels / m.pixels);
    assert.equal(m.mismatchShare, m.mismatchedPixels / m.pixels);
    assert.ok(m.mismatchedPixels <= m.changedPixels);
    assert.ok(m.psnr !== null && m.psnr > 20 && m.psnr < 60, `PSNR ${m.psnr}`);
    assert.ok(m.ssim !== null && m.ssim > 0.5 && m.ssim < 1, `SSIM ${m.ssim}`);
    assert.ok(m.maxChannelDiff > 0 && m.maxChannelDiff <= 255);
    assert.equal(report.ratio.bytes, lossy.bytes / lossless.bytes);

    for (const [role, payload] of [
      ["lossless", lossless],
      ["lossy", lossy],
    ] as const) {
      const emitted = await runMain(["compare", PHOTO, "--emit", role]);
      assert.equal(emitted.code, 0);
      assert.equal(emitted.stdout.length, payload.dataUriLength + 1, `${role} data URI length`);
      const { mime, bytes } = decodeDataUri(emitted.stdout);
      assert.equal(mime, payload.mime);
      assert.equal(bytes.length, payload.bytes);
      assert.equal(Math.ceil(bytes.length / 3) * 4, payload.base64Length);
    }
  });

  test("the emitted lossless PNG holds exactly the source pixels; the JPEG does not", async () => {
    const source = await rawRgb(readFileSync(PHOTO));
    const png = decodeDataUri((await runMain(["compare", PHOTO, "--emit", "lossless"])).stdout);
    assert.ok((await rawRgb(png.bytes)).equals(source));
    const jpeg = decodeDataUri((await runMain(["compare", PHOTO, "--emit", "lossy"])).stdout);
    assert.ok(!(await rawRgb(jpeg.bytes)).equals(source));
  });

  test("--lossless original keeps the source bytes and type", async () => {
    const jpegSource = fixture("photo.jpg");
    const report = await json(["compare", jpegSource, "--lossless", "original"]);
    assert.equal(report.payloads[0]?.mime, "image/jpeg");
    assert.equal(report.payloads[0]?.bytes, statSync(jpegSource).size);
    const emitted = decodeDataUri(
      (await runMain(["compare", jpegSource, "--lossless", "original", "--emit", "lossless"]))
        .stdout,
    );
    assert.ok(emitted.bytes.equals(readFileSync(jpegSource)));
  });

  test("--quality and --subsampling change the lossy payload as expected", async () => {
    const q75 = await json(["compare", TEXT]);
    const q95 = await json(["compare", TEXT, "--quality", "95"]);
    const s444 = await json(["compare", TEXT, "--subsampling", "4:4:4"]);
    assert.ok((q95.payloads[1]?.bytes ?? 0) > (q75.payloads[1]?.bytes ?? 0));
    assert.ok((q95.metrics?.psnr ?? 0) > (q75.metrics?.psnr ?? 0));
    // Coloured one-pixel text is what 4:2:0 smears: 4:4:4 keeps more of it.
    assert.ok((s444.metrics?.psnr ?? 0) > (q75.metrics?.psnr ?? 0));
    assert.ok((s444.metrics?.mismatchedPixels ?? 0) < (q75.metrics?.mismatchedPixels ?? 0));
  });

  test("gates: exit 1 when one fails, 0 when all pass, each reported with value and limit", async () => {
    const report = await json(["compare", PHOTO]);
    const psnr = report.metrics?.psnr ?? 0;
    const pass = await runMain([
      "compare",
      PHOTO,
      "--min-psnr",
      String(Math.floor(psnr)),
      "--min-ssim",
      "0.1",
      "--max-mismatch",
      "100%",
    ]);
    assert.equal(pass.code, 0, pass.stdout);
    assert.match(pass.stdout, /passed: 3 of 3 gates/);
    const fail = await runMain(["compare", PHOTO, "--min-psnr", String(Math.ceil(psnr)), "--json"]);
    assert.equal(fail.code, 1);
    const gate = (JSON.parse(fail.stdout) as JsonReport).gates[0];
    assert.deepEqual(gate, {
      gate: "min-psnr",
      metric: "psnr",
      limit: Math.ceil(psnr),
      value: psnr,
      passed: false,
    });
    const mismatch = await json(["compare", PHOTO, "--max-mismatch", "0"]);
    assert.equal(mismatch.passed, (mismatch.metrics?.mismatchedPixels ?? 0) === 0);
    const count = await runMain(["compare", PHOTO, "--max-mismatch", "0"]);
    assert.equal(count.code, mismatch.passed ? 0 : 1);
  });

  test("--diff writes pixelmatch's diff image at the source size", async () => {
    const out = join(work, "diff.png");
    const result = await runMain(["compare", TEXT, "--diff", out]);
    assert.equal(result.code, 0, result.stderr);
    const meta = await sharp(out).metadata();
    const src = await sharp(TEXT).metadata();
    assert.equal(meta.format, "png");
    assert.deepEqual([meta.width, meta.height], [src.width, src.height]);
  });

  test("--diff never overwrites an input and needs an existing folder", async () => {
    const input = join(work, "input.png");
    writeFileSync(input, readFileSync(TEXT));
    const onto = await runMain(["compare", input, "--diff", input]);
    assert.equal(onto.code, 2);
    assert.match(onto.stderr, /refusing to overwrite the input/);
    assert.ok(readFileSync(input).equals(readFileSync(TEXT)), "input untouched");
    const missing = await runMain(["compare", TEXT, "--diff", join(work, "no/such/dir/d.png")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
  });

  test("large output on a pipe arrives whole", async () => {
    // A noisy 1024x1024 image: noise does not compress, so the PNG data URI is over 4 MB. It
    // goes through a real pipe, from a real process.
    const size = 1024;
    const path = join(work, "noise.png");
    writeFileSync(path, await noisePng(size, size));
    const report = await json(["compare", path, "--threshold", "0.05"]);
    const emitted = await runCli(["compare", path, "--emit", "lossless"]);
    assert.equal(emitted.code, 0);
    assert.ok((report.payloads[0]?.dataUriLength ?? 0) > 4_000_000);
    assert.equal(emitted.stdoutBytes.length, (report.payloads[0]?.dataUriLength ?? 0) + 1);
  });
});

describe("imgenc compare <a> <b>", () => {
  test("the same image twice is identical: PSNR null, identical true", async () => {
    const report = await json(["compare", PHOTO, PHOTO]);
    assert.equal(report.mode, "pair");
    assert.equal(report.metrics?.identical, true);
    assert.equal(report.metrics?.psnr, null);
    assert.equal(report.metrics?.changedPixels, 0);
    assert.equal(report.metrics?.ssim, 1);
    const text = await runMain(["compare", PHOTO, PHOTO, "--min-psnr", "60"]);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /identical/);
  });

  test("a file against the data URI a client made from it, read from stdin", async () => {
    const single = await json(["compare", PHOTO]);
    const uri = (await runMain(["compare", PHOTO, "--emit", "lossy"])).stdout;
    const pair = await json(["compare", PHOTO, "-"], uri);
    assert.equal(pair.sources[1]?.kind, "stdin");
    assert.equal(pair.payloads[1]?.mime, "image/jpeg");
    assert.deepEqual(pair.metrics, single.metrics);
  });

  test("different dimensions are reported, not a crash; a gate then fails", async () => {
    const report = await json(["compare", PHOTO, TEXT]);
    assert.equal(report.metrics, null);
    assert.deepEqual(
      report.findings.map((f) => f.code),
      ["dimensions-differ"],
    );
    const gated = await runMain(["compare", PHOTO, TEXT, "--min-psnr", "30"]);
    assert.equal(gated.code, 1);
    assert.match(gated.stdout, /different dimensions/);
  });

  test("single-source options are refused with two sources", async () => {
    const result = await runMain(["compare", PHOTO, PHOTO, "--quality", "90"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--quality applies to one source/);
  });
});

describe("imgenc compare: sources over HTTP", () => {
  let server: Server;
  let base: string;
  const photo = readFileSync(PHOTO);
  before(async () => {
    server = createServer((req, res) => {
      if (req.url === "/photo.png") {
        res.writeHead(200, { "content-type": "image/png" }).end(photo);
      } else if (req.url === "/moved") {
        res.writeHead(302, { location: "/photo.png" }).end();
      } else if (req.url === "/silent") {
        // Accept and never answer.
      } else {
        res.writeHead(404).end("not here");
      }
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test("a URL (after a redirect) gives the same metrics as the file", async () => {
    const local = await json(["compare", PHOTO]);
    const remote = await json(["compare", `${base}/moved`]);
    assert.equal(remote.sources[0]?.kind, "url");
    assert.deepEqual(remote.metrics, local.metrics);
    assert.deepEqual(remote.payloads, local.payloads);
  });

  test("404 is exit 2 with the status named in one line", async () => {
    const result = await runMain(["compare", `${base}/missing.png`]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^imgenc: http:\/\/127\.0\.0\.1:\d+\/missing\.png: .*404.*\n$/);
  });

  test("a server that never answers ends at --timeout", async () => {
    const result = await runMain(["compare", `${base}/silent`, "--timeout", "0.5"]);
    assert.equal(result.code, 2);
    // The deadline given, not the 30 s default, is the one that ended it.
    assert.match(result.stderr, /timed out after 0\.5 s/);
  });

  test("a body over --max-input-bytes is refused", async () => {
    const result = await runMain(["compare", `${base}/photo.png`, "--max-input-bytes", "10k"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /limit/);
  });
});

describe("imgenc compare: bad input and usage", () => {
  const oneLine = (stderr: string) => {
    assert.equal(stderr.trimEnd().split("\n").length, 1, `one line: ${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
  };

  test("a missing file", async () => {
    const result = await runMain(["compare", "no-such-file.png"]);
    assert.equal(result.code, 2);
    oneLine(result.stderr);
    assert.match(result.stderr, /no-such-file\.png/);
  });

  test("bytes that are not an image", async () => {
    const path = join(work, "page.png");
    writeFileSync(path, "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>");
    const result = await runMain(["compare", path]);
    assert.equal(result.code, 2);
    oneLine(result.stderr);
    assert.match(result.stderr, /page\.png: .*HTML/);
  });

  test("--debug adds the stack trace", async () => {
    const path = join(work, "junk.bin");
    writeFileSync(path, "junk junk junk");
    const result = await runMain(["compare", path, "--debug"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /\n\s+at /);
  });

  test("bad option values and unknown options are usage errors", async () => {
    for (const args of [
      ["--quality", "0"],
      ["--quality", "abc"],
      ["--threshold", "2"],
      ["--subsampling", "4:1:1"],
      ["--max-mismatch", "lots"],
      ["--no-such-flag"],
    ]) {
      const result = await runMain(["compare", PHOTO, ...args]);
      assert.equal(result.code, 2, args.join(" "));
      assert.equal(result.stdout, "");
      assert.match(result.stderr, /^imgenc: [^\n]+ \(see imgenc compare --help\)\n$/);
    }
  });

  test("usage errors are one line in imgenc's voice, never commander's", async () => {
    const cases: [string[], string][] = [
      [
        ["compare", PHOTO, "--no-such-flag"],
        "unknown option '--no-such-flag' (see imgenc compare --help)",
      ],
      [
        ["compare", PHOTO, "--quality", "0"],
        "expected a whole number from 1 to 100 for -q, --quality but received '0' (see imgenc compare --help)",
      ],
      [
        ["compare", PHOTO, "--subsampling", "4:1:1"],
        `expected "4:2:0" or "4:4:4" for --subsampling but received '4:1:1' (see imgenc compare --help)`,
      ],
      [["compare"], "missing required argument 'source' (see imgenc compare --help)"],
      [["comapre", PHOTO], "unknown command 'comapre' (did you mean compare?) (see imgenc --help)"],
      [["check"], "missing required argument 'paths' (see imgenc check --help)"],
    ];
    for (const [args, line] of cases) {
      const result = await runMain(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.equal(result.stdout, "");
      assert.equal(result.stderr, `imgenc: ${line}\n`);
    }
  });

  test("--timeout above 2^31-1 ms is a usage error, not Node's TimeoutOverflowWarning", async () => {
    for (const command of ["compare", "encode", "inspect", "check"]) {
      const result = await runMain([command, PHOTO, "--timeout", "3000000"]);
      assert.equal(result.code, 2, command);
      assert.equal(
        result.stderr,
        `imgenc: expected a number of seconds above 0 and at most 2147483.647 for --timeout but received '3000000' (see imgenc ${command} --help)\n`,
      );
    }
    // The largest value Node's timers take is accepted.
    const edge = await runMain(["compare", PHOTO, "--timeout", "2147483.647", "--json"]);
    assert.equal(edge.code, 0, edge.stderr);
  });

  test("--max-input-pixels below a megapixel counts exact pixels, not 0.0 MP", async () => {
    const result = await runMain(["compare", PHOTO, "--max-input-pixels", "10"]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `imgenc: ${PHOTO}: 384x256 is 98,304 px, over the 10 px limit (raise it with --max-input-pixels)\n`,
    );
  });

  test("an image taller than JPEG allows is exit 2 naming the limit, before encoding", async () => {
    const tall = join(work, "tall.png");
    const wide = join(work, "wide.png");
    const solid = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: "#808080" } }).png();
    await solid(2, 65_535).toFile(tall);
    await solid(65_501, 2).toFile(wide);
    for (const args of [
      ["compare", tall],
      ["encode", tall, "--lossy"],
      ["encode", tall, "--format", "jpeg"],
    ]) {
      const result = await runMain(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr, `imgenc: ${tall}: too tall for JPEG (65535 > 65500 px)\n`);
    }
    const wideResult = await runMain(["compare", wide]);
    assert.equal(wideResult.stderr, `imgenc: ${wide}: too wide for JPEG (65501 > 65500 px)\n`);
    const webp = await runMain(["encode", wide, "--format", "webp"]);
    assert.equal(webp.code, 2);
    assert.equal(webp.stderr, `imgenc: ${wide}: too wide for WebP (65501 > 16383 px)\n`);
    // Shrunk to fit first, it encodes.
    const fitted = await runMain(["encode", tall, "--lossy", "--max-side", "60000"]);
    assert.equal(fitted.code, 0, fitted.stderr);
    // In check it is one failed case, not a crashed worker.
    const checked = await runMain(["check", tall, "--json"]);
    assert.equal(checked.code, 1);
    const item = JSON.parse(checked.stdout).images[0];
    assert.deepEqual(item.error, {
      code: "cannot-fit",
      message: "too tall for JPEG (65535 > 65500 px)",
    });
  });

  test("--emit with --json is refused", async () => {
    const result = await runMain(["compare", PHOTO, "--emit", "lossy", "--json"]);
    assert.equal(result.code, 2);
    oneLine(result.stderr);
  });

  test("--help and --version exit 0", async () => {
    const help = await runCli(["compare", "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--min-psnr/);
    const version = await runCli(["--version"]);
    assert.equal(version.code, 0);
    assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
  });
});

describe("imgenc compare: data-URI sources are linted", () => {
  test("a client's data URI without a subtype is reported with its source", async () => {
    const uri = (await runMain(["compare", PHOTO, "--emit", "lossy"])).stdout.replace(
      "data:image/jpeg;",
      "data:image;",
    );
    const report = await json(["compare", PHOTO, "-"], uri);
    const finding = report.findings.find((f) => f.code === "missing-subtype");
    assert.ok(finding, JSON.stringify(report.findings));
    assert.equal(finding.severity, "warning");
    assert.equal(report.sources[1]?.kind, "stdin");
    assert.notEqual(report.metrics, null);
  });
});

describe("imgenc compare: sources that never end", () => {
  /** A real imgenc process whose stdin the test holds open; killed if it outlives `limitMs`. */
  function spawnHeld(args: string[], limitMs = 20_000) {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: limitMs,
      killSignal: "SIGKILL",
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.stdin.on("error", () => undefined);
    const done = new Promise<{
      code: number | null;
      signal: string | null;
      stdout: string;
      stderr: string;
    }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
    return { child, done };
  }

  test("stdin its writer never closes ends at --timeout: exit 2, one line naming -", async () => {
    const { child, done } = spawnHeld(["compare", "-", "--timeout", "1"]);
    // Like `sleep 100 | imgenc compare -`: the pipe stays open and silent.
    const result = await done;
    child.stdin.destroy();
    assert.equal(result.signal, null, "imgenc hung and was killed");
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      "imgenc: -: timed out after 1 s: stdin sent nothing and did not end (raise --timeout)\n",
    );
  });

  test("a named pipe nobody writes to ends at --timeout too", async () => {
    const fifo = join(work, "no-writer.fifo");
    const made = spawnSync("mkfifo", [fifo]);
    assert.equal(made.status, 0, `mkfifo: ${made.stderr}`);
    const { done } = spawnHeld(["compare", fifo, "--timeout", "1"]);
    const result = await done;
    assert.equal(result.signal, null, "imgenc blocked opening the pipe and was killed");
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `imgenc: ${fifo}: timed out after 1 s: the pipe sent nothing and did not end (raise --timeout)\n`,
    );
  });

  test("a named pipe with a writer is read to its end", async () => {
    const fifo = join(work, "with-writer.fifo");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0);
    const { done } = spawnHeld(["compare", fifo, "--json", "--timeout", "10"]);
    // Opening for writing waits until imgenc has the pipe open for reading.
    const writer = createWriteStream(fifo);
    writer.end(readFileSync(PHOTO));
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as JsonReport).sources[0]?.width, 384);
  });

  test("endless zeros on stdin stop after the first bytes, whatever --max-input-bytes allows", async () => {
    const { child, done } = spawnHeld(["compare", "-", "--max-input-bytes", "5G"]);
    // Feed zeros until imgenc stops reading (the pipe breaks), up to 256 MiB; count only what
    // the pipe accepted.
    const chunk = Buffer.alloc(1024 * 1024);
    let written = 0;
    let broken = false;
    while (written < 256 * chunk.length && !broken) {
      await new Promise<void>((resolve) =>
        child.stdin.write(chunk, (error) => {
          if (error) broken = true;
          else written += chunk.length;
          resolve();
        }),
      );
    }
    child.stdin.destroy();
    const result = await done;
    assert.equal(result.code, 2);
    assert.equal(result.stderr, "imgenc: -: not an image in a supported format\n");
    // What was accepted into the pipe before imgenc gave up: a few MiB at most, not 256.
    assert.ok(written <= 8 * chunk.length, `imgenc took ${written / chunk.length} MiB of zeros`);
  });
});
