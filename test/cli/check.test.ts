import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import sharp from "sharp";
import { BIN, fixture, ROOT, runMain } from "../helpers/cli.js";
import { noise, noisePng } from "../helpers/images.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

interface CheckDoc {
  schemaVersion: number;
  images: {
    file: string;
    status: string;
    report?: {
      metrics: { psnr: number | null } | null;
      gates: { gate: string; passed: boolean }[];
    };
    error?: { code: string; message: string };
  }[];
  totals: { images: number; passed: number; failed: number; errors: number; interrupted: boolean };
}

const work = mkdtempSync(join(tmpdir(), "imgenc-check-"));
const set = join(work, "set");

before(() => {
  mkdirSync(join(set, "nested", ".hidden"), { recursive: true });
  copyFileSync(fixture("photo.png"), join(set, "photo.png"));
  copyFileSync(fixture("text-and-lines.png"), join(set, "nested", "text.png"));
  copyFileSync(fixture("photo.jpg"), join(set, "nested", ".hidden", "skipped.jpg"));
  writeFileSync(join(set, "broken.png"), "<!DOCTYPE html><p>502</p>");
});

/** Six small images, each its own noise: each has its own metrics, and shards are cheap. */
const TILES = 6;
before(async () => {
  mkdirSync(join(work, "tiles"));
  for (let i = 0; i < TILES; i++) {
    const raw = noise(48, 32, 3, i + 1);
    await sharp(raw, { raw: { width: 48, height: 32, channels: 3 } })
      .png()
      .toFile(join(work, "tiles", `tile-${i}.png`));
  }
});

describe("imgenc check", () => {
  test("a folder: every image found, one unreadable, exit 1; the others still reported", async () => {
    const result = await runMain(["check", set, "--json"]);
    assert.equal(result.code, 1, result.stderr);
    const doc = JSON.parse(result.stdout) as CheckDoc;
    assert.equal(doc.schemaVersion, 1);
    assert.deepEqual(
      doc.images.map((i) => [i.file.slice(set.length + 1), i.status]),
      [
        ["broken.png", "error"],
        ["nested/text.png", "passed"],
        ["photo.png", "passed"],
      ],
    );
    assert.equal(doc.images[0]?.error?.code, "not-image");
    assert.deepEqual(
      { ...doc.totals, durationMs: undefined },
      { images: 3, passed: 2, failed: 0, errors: 1, interrupted: false, durationMs: undefined },
    );
  });

  test("gates from flags: exit 1 names the failing image; worst first in the table", async () => {
    const files = [join(set, "photo.png"), join(set, "nested", "text.png")];
    const result = await runMain(["check", ...files, "--min-psnr", "30"]);
    assert.equal(result.code, 1);
    const lines = result.stdout.split("\n");
    assert.match(lines[1] ?? "", /FAIL\s+.*text\.png\s+19\.\d\d dB.*--min-psnr/);
    assert.match(lines[2] ?? "", /pass\s+.*photo\.png/);
    assert.match(result.stdout, /failed: 1 of 2 images \(1 failed a gate, 0 unreadable\)/);
    assert.ok(!result.stderr.includes("\r"), "no progress bar when stderr is not a TTY");
    assert.ok(!result.stdout.includes("\u001b["), "no colour in CI logs");
    const pass = await runMain(["check", ...files, "--min-psnr", "15"]);
    assert.equal(pass.code, 0);
    assert.match(pass.stdout, /passed: 2 images/);
  });

  test("a config file with per-glob overrides; flags win over it", async () => {
    const dir = join(work, "configured");
    mkdirSync(join(dir, "screens"), { recursive: true });
    copyFileSync(fixture("photo.png"), join(dir, "photo.png"));
    copyFileSync(fixture("text-and-lines.png"), join(dir, "screens", "text.png"));
    writeFileSync(
      join(dir, "imgenc.config.json"),
      JSON.stringify({
        minPsnr: 30,
        overrides: [{ files: "screens/**", subsampling: "4:4:4", minPsnr: 20 }],
      }),
    );
    const result = await runMain(["check", ".", "--json"], { cwd: dir });
    const doc = JSON.parse(result.stdout) as CheckDoc;
    assert.equal(result.code, 0, JSON.stringify(doc.images.map((i) => i.report?.gates)));
    const flagged = await runMain(["check", ".", "--min-psnr", "45", "--json"], { cwd: dir });
    assert.equal(flagged.code, 1, "--min-psnr 45 on the command line beats the config");
  });

  test("a config error names the file, the key and what was expected: exit 2", async () => {
    const dir = join(work, "bad-config");
    mkdirSync(dir, { recursive: true });
    copyFileSync(fixture("photo.png"), join(dir, "photo.png"));
    writeFileSync(join(dir, "imgenc.config.json"), JSON.stringify({ minSsim: "high" }));
    const result = await runMain(["check", "."], { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, "");
    assert.equal(
      result.stderr,
      'imgenc: imgenc.config.json: expected a number from 0 to 1 for minSsim but received "high"\n',
    );
  });

  test("--jsonl streams one line per image; --junit writes one testcase per image", async () => {
    const junit = join(work, "junit.xml");
    const result = await runMain(["check", set, "--jsonl", "--min-psnr", "30", "--junit", junit]);
    const lines = result.stdout.trim().split("\n");
    assert.equal(lines.length, 3);
    for (const line of lines) assert.ok(JSON.parse(line).file);
    const xml = readFileSync(junit, "utf8");
    assert.equal(xml.match(/<testcase /g)?.length, 3);
    assert.match(xml, /<testsuites name="imgenc check" tests="3" failures="2"/);
    assert.match(
      xml,
      /<failure type="min-psnr" message="psnr 19\.\d+ does not meet --min-psnr &gt;= 30">/,
    );
    assert.match(xml, /<failure type="not-image"/);
  });

  test("--shard splits the run into disjoint parts that add up to the whole", async () => {
    const check = (args: string[]) => runMain(["check", "tiles", ...args], { cwd: work });
    const all = (JSON.parse((await check(["--json"])).stdout) as CheckDoc).images;
    assert.equal(all.length, TILES);
    const parts = await Promise.all(
      ["1/3", "2/3", "3/3"].map(async (s) => {
        const r = await check(["--json", "--shard", s]);
        return (JSON.parse(r.stdout) as CheckDoc).images.map((i) => i.file);
      }),
    );
    for (const part of parts)
      assert.ok(part.length > 0, "a shard with nothing in it proves little");
    assert.deepEqual(parts.flat().sort(), all.map((i) => i.file).sort());
    const bad = await check(["--shard", "4/3"]);
    assert.equal(bad.code, 2);
  });

  test("--jobs 2 gives the same results as --jobs 1", async () => {
    const tiles = join(work, "tiles");
    const one = JSON.parse(
      (await runMain(["check", tiles, "--json", "--jobs", "1"])).stdout,
    ) as CheckDoc;
    const two = JSON.parse(
      (await runMain(["check", tiles, "--json", "--jobs", "2"])).stdout,
    ) as CheckDoc;
    const strip = (d: CheckDoc) => d.images.map((i) => [i.file, i.status, i.report?.metrics]);
    assert.equal(one.images.length, TILES);
    // Every tile has its own metrics: a result paired with the wrong file would show.
    assert.equal(new Set(one.images.map((i) => i.report?.metrics?.psnr)).size, TILES);
    assert.deepEqual(strip(two), strip(one));
  });
});

describe("imgenc check: Ctrl-C", () => {
  let slow = "";
  before(async () => {
    slow = join(work, "slow");
    mkdirSync(slow, { recursive: true });
    // Noise is slow to compare: 30 of them take seconds, so Ctrl-C after the first line comes
    // well before the last.
    const png = await noisePng(500, 500);
    for (let i = 0; i < 30; i++)
      writeFileSync(join(slow, `noise-${String(i).padStart(2, "0")}.png`), png);
  });

  test("stops the workers and prints the partial summary", async () => {
    const child = spawn(process.execPath, [BIN, "check", slow, "--jobs", "1", "--jsonl"], {
      cwd: ROOT,
    });
    let stdout = "";
    let interrupted = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      if (!interrupted && stdout.includes("\n")) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    assert.equal(code, 130);
    const lines = stdout.trim().split("\n");
    assert.ok(lines.length >= 1 && lines.length < 30, `${lines.length} images reported`);

    // The table has no line per image to wait for: the progress bar a terminal shows does.
    const human = await runMain(["check", slow, "--jobs", "1"], {
      stderrTTY: true,
      interruptWhen: ({ stderr }) => stderr.length > 0,
    });
    assert.equal(human.code, 130);
    assert.match(human.stdout, /interrupted: partial results/);
  });

  test("a JUnit file written after Ctrl-C is not a green suite: it names the images not run", {
    skip: skipUnlessPython([]),
  }, async () => {
    const junit = join(work, "interrupted.xml");
    const { code, stdout } = await runMain(
      ["check", slow, "--jobs", "1", "--jsonl", "--junit", junit],
      { interruptWhen: ({ stdout }) => stdout.includes("\n") },
    );
    assert.equal(code, 130);
    const done = stdout
      .trim()
      .split("\n")
      .map((line) => (JSON.parse(line) as { file: string }).file);
    // A real XML parser reads the file as CI would.
    const parsed = JSON.parse(
      runPython(
        `import json, sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot().find("testsuite")
cases = [{"name": c.get("name"), "errors": [{"type": e.get("type"), "text": e.text} for e in c.findall("error")]} for c in suite.findall("testcase")]
print(json.dumps({"suite": dict(suite.attrib), "cases": cases}))`,
        [junit],
      ).toString(),
    ) as {
      suite: Record<string, string>;
      cases: { name: string; errors: { type: string; text: string }[] }[];
    };
    assert.equal(parsed.suite.errors, "1");
    assert.equal(parsed.suite.tests, String(done.length + 1));
    const stopped = parsed.cases.filter((c) => c.errors.length > 0);
    assert.equal(stopped.length, 1);
    assert.equal(stopped[0]?.errors[0]?.type, "interrupted");
    const notRun = (stopped[0]?.errors[0]?.text ?? "").split("\n").slice(1);
    assert.equal(notRun.length, 30 - done.length);
    assert.deepEqual(
      [...notRun, ...done].sort(),
      readdirSync(slow)
        .map((name) => join(slow, name))
        .sort(),
    );
  });
});

describe("--report", () => {
  test("check and compare write one self-contained HTML file", async () => {
    const page = join(work, "check.html");
    const result = await runMain(["check", set, "--report", page, "--min-psnr", "30"]);
    assert.equal(result.code, 1);
    const html = readFileSync(page, "utf8");
    assert.match(html, /^<!doctype html>/i);
    assert.equal(html.match(/<img /g)?.length, 2 * 3, "two payloads and a diff per readable image");
    assert.ok(!/\b(src|href)="https?:/.test(html), "no network references");
    assert.match(html, /id="imgenc-data"/);
    const single = join(work, "compare.html");
    assert.equal((await runMain(["compare", fixture("photo.png"), "--report", single])).code, 0);
    assert.equal(readFileSync(single, "utf8").match(/<img /g)?.length, 3);
  });
});

describe("imgenc check: what it finds", () => {
  const tiny = () =>
    sharp({ create: { width: 16, height: 16, channels: 3, background: "#3366cc" } })
      .png()
      .toBuffer();

  test("a path that does not exist is a usage error: exit 2 before any image runs", async () => {
    const missing = join(work, "no-such-folder");
    const result = await runMain(["check", fixture("grey.png"), missing, "--json"]);
    assert.equal(result.code, 2);
    const error = { code: "usage", input: missing, message: "no such file or folder" };
    assert.equal(result.stdout, `${JSON.stringify({ schemaVersion: 1, error })}\n`);
    assert.equal(result.stderr, `imgenc: ${missing}: no such file or folder\n`);
  });

  test("a folder with no images is exit 2 naming it; --allow-empty accepts it", async () => {
    const empty = join(work, "empty");
    const textOnly = join(work, "text-only");
    mkdirSync(empty, { recursive: true });
    mkdirSync(textOnly, { recursive: true });
    writeFileSync(join(textOnly, "notes.txt"), "no images here");
    for (const folder of [empty, textOnly]) {
      const result = await runMain(["check", folder]);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stdout, "");
      assert.equal(
        result.stderr,
        `imgenc: no images found in ${folder} (pass --allow-empty to accept that)\n`,
      );
      const allowed = await runMain(["check", folder, "--allow-empty", "--json"]);
      assert.equal(allowed.code, 0, allowed.stderr);
      assert.equal((JSON.parse(allowed.stdout) as CheckDoc).totals.images, 0);
    }
  });

  test("a dangling symlink and a name that is not UTF-8 are failed cases naming the cause", async () => {
    const dir = join(work, "gaps");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "fine.png"), await tiny());
    symlinkSync("renamed.png", join(dir, "gone.png"));
    writeFileSync(Buffer.from(`${dir}/caf\xe9.png`, "latin1"), await tiny());
    const result = await runMain(["check", dir, "--json"]);
    assert.equal(result.code, 1, result.stderr);
    const doc = JSON.parse(result.stdout) as CheckDoc;
    assert.deepEqual(
      doc.images.map((i) => [i.file.slice(dir.length + 1), i.status, i.error?.message]),
      [
        ["caf\\xe9.png", "error", "file name is not valid UTF-8"],
        ["gone.png", "error", "dangling symlink (its target renamed.png does not exist)"],
        ["fine.png", "passed", undefined],
      ],
    );
    assert.deepEqual([doc.totals.images, doc.totals.errors], [3, 2]);
  });

  test("an existing file is taken literally, glob characters and all; so is a URL", async () => {
    const dir = join(work, "literal");
    mkdirSync(dir, { recursive: true });
    const png = await tiny();
    writeFileSync(join(dir, "shot[1].png"), png);
    // As a glob, shot[1].png would mean shot1.png: a different, broken file.
    writeFileSync(join(dir, "shot1.png"), "not an image");
    const server = createServer((req, res) => {
      if (req.url === "/img?a=1&b=2") res.writeHead(200, { "content-type": "image/png" }).end(png);
      else res.writeHead(404).end();
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/img?a=1&b=2`;
    try {
      const result = await runMain(["check", join(dir, "shot[1].png"), url, "--json"]);
      assert.equal(result.code, 0, result.stdout + result.stderr);
      const doc = JSON.parse(result.stdout) as CheckDoc;
      assert.deepEqual(
        doc.images.map((i) => i.file).sort(),
        [join(dir, "shot[1].png"), url].sort(),
      );
    } finally {
      server.close();
    }
  });

  test("--jobs beyond the images starts one worker per image; above 4x the cores, a warning", async () => {
    const dir = join(work, "five");
    mkdirSync(dir, { recursive: true });
    const png = await tiny();
    for (let i = 0; i < 5; i++) writeFileSync(join(dir, `tile-${i}.png`), png);
    // runMain reports 1 core: 5 workers is over 4.
    const many = await runMain(["check", dir, "--jobs", "256"]);
    assert.equal(many.code, 0, many.stderr);
    assert.match(
      many.stderr,
      /^imgenc: warning: --jobs 256 starts 5 workers on 1 CPU core \(over 4x\): no faster, and each may hold up to 1\.5 GB \(40 MB \+ 16 bytes per pixel up to --max-input-pixels\), 7\.6 GB in all\n$/,
    );
    assert.match(many.stdout, /passed: 5 images/);
    // On 2 cores the same 5 workers are within 4x: no warning.
    const two = await runMain(["check", dir, "--jobs", "256"], { cores: 2 });
    assert.equal(two.stderr, "");
    // Three images make three workers, however many were asked for: nothing to warn about.
    const few = await runMain([
      "check",
      ...[0, 1, 2].map((i) => join(dir, `tile-${i}.png`)),
      "--jobs",
      "256",
    ]);
    assert.equal(few.code, 0);
    assert.equal(few.stderr, "");
  });
});

describe("imgenc check: a folder it may not list", () => {
  const asRoot = process.getuid?.() === 0;
  // Root lists any folder through CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH: the check runs
  // without them (util-linux setpriv), so the folder's mode applies as it does to anyone else.
  const DROP = "-dac_override,-dac_read_search";
  const command = (args: string[]): [string, string[]] =>
    asRoot
      ? [
          "setpriv",
          [`--inh-caps=${DROP}`, `--bounding-set=${DROP}`, process.execPath, BIN, ...args],
        ]
      : [process.execPath, [BIN, ...args]];
  const unavailable =
    asRoot && spawnSync("setpriv", ["--version"]).status !== 0
      ? "running as root, and setpriv (util-linux) is missing to drop the capabilities"
      : false;

  test("is a failed case saying permission denied; the rest is still checked", {
    skip: process.env.CI === "true" ? false : unavailable,
  }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "imgenc-locked-"));
    mkdirSync(join(dir, "locked"));
    copyFileSync(fixture("grey.png"), join(dir, "open.png"));
    copyFileSync(fixture("grey.png"), join(dir, "locked", "hidden-from-us.png"));
    chmodSync(join(dir, "locked"), 0o000);
    const [file, args] = command(["check", dir, "--json"]);
    const child = spawnSync(file, args, { cwd: ROOT, encoding: "utf8" });
    chmodSync(join(dir, "locked"), 0o755);
    assert.equal(child.status, 1, child.stderr);
    const doc = JSON.parse(child.stdout) as CheckDoc;
    assert.deepEqual(
      doc.images.map((i) => [i.file.slice(dir.length + 1), i.status, i.error?.message]),
      [
        [
          "locked",
          "error",
          "permission denied: this folder cannot be listed, so its images were not checked",
        ],
        ["open.png", "passed", undefined],
      ],
    );
  });
});
