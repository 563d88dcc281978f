import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { type CorpusFile, makeBadCorpus } from "../scripts/make-bad-corpus.js";
import { ImgencError } from "../src/errors.js";
import { decode, readInfo } from "../src/image/decode.js";
import { readSource } from "../src/source/index.js";
import { runMain } from "./helpers/cli.js";

/** Generous: a run takes well under a second; only a hang gets near this. */
const RUN_TIMEOUT_MS = 20_000;

interface Run {
  code: number | null;
  /** The run had not ended by its deadline and was given up on. */
  hung: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Like runMain, but a run that has not ended by `limitMs` is given up on and reported as hung,
 * so a hang fails the test instead of stalling CI.
 */
async function run(args: string[], limitMs = RUN_TIMEOUT_MS): Promise<Run> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), limitMs);
  });
  try {
    const result = await Promise.race([runMain(args), deadline]);
    if (result === undefined) return { code: null, hung: true, stdout: "", stderr: "" };
    return { code: result.code, hung: false, stdout: result.stdout, stderr: result.stderr };
  } finally {
    clearTimeout(timer);
  }
}

function hash(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

const work = mkdtempSync(join(tmpdir(), "imgenc-corpus-"));
const corpusDir = join(work, "corpus");

// hostile.svg points here: any request at all means an SVG reference was followed.
const requested: string[] = [];
const server: Server = createServer((req, res) => {
  requested.push(req.url ?? "");
  res.writeHead(404).end();
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const files: CorpusFile[] = await makeBadCorpus(corpusDir, { externalUrl: `${origin}/x.png` });
const hashes = new Map(
  files.filter((f) => f.name !== "folder.png").map((f) => [f.path, hash(f.path)] as const),
);
/** compare's one-line stderr for each file, checked and printed at the end for CI logs. */
const compareLines = new Map<string, string>();

/**
 * What `imgenc compare <file>` says after "imgenc: <path>: " for each bad corpus file. libvips'
 * own detail (after "corrupt JPEG data", say) is left open where another libvips words it
 * differently; everything imgenc words itself is pinned.
 */
const EXPECTED_CAUSE: Record<string, RegExp> = {
  "empty.png": /^file is empty \(0 bytes\)$/,
  "folder.png": /^is a directory$/,
  "not-image.png": /^not an image in a supported format$/,
  "html-error.png": /^an HTML page, not an image$/,
  "png-header-only.png": /^truncated PNG data \(nothing after the PNG signature\)$/,
  "png-signature-and-ihdr.png": /^truncated PNG data \(no IEND chunk\)$/,
  "zero-size.png": /^corrupt PNG data \(the header declares 0x0\)$/,
  "truncated-50.png": /^truncated PNG data \(the file ends inside the IDAT chunk\)$/,
  "truncated-90.png": /^truncated PNG data \(the file ends inside the IDAT chunk\)$/,
  "truncated-50.jpg": /^truncated JPEG data \([^)]+\)$/,
  "truncated-90.jpg": /^truncated JPEG data \([^)]+\)$/,
  "truncated-50.gif": /^truncated GIF data( \([^)]+\))?$/,
  "truncated-90.gif": /^truncated GIF data( \([^)]+\))?$/,
  "truncated-50.webp": /^truncated WebP data \(\d+ of the \d+ bytes its header declares\)$/,
  "truncated-90.webp": /^truncated WebP data \(\d+ of the \d+ bytes its header declares\)$/,
  "corrupt-idat.png": /^corrupt PNG data \(CRC mismatch in the IDAT chunk\)$/,
  "corrupt-zlib.png": /^(truncated or )?corrupt PNG data( \([^)]+\))?$/,
  "bad-crc.png": /^corrupt PNG data \(CRC mismatch in the IDAT chunk\)$/,
  "corrupt-scan.jpg": /^corrupt JPEG data \([^)]+\)$/,
  "bomb.png":
    /^50000x50000 is 2500 MP, over the 100 MP limit \(raise it with --max-input-pixels\)$/,
  "bomb.gif":
    /^65535x65535 is 4295 MP, over the 100 MP limit \(raise it with --max-input-pixels\)$/,
  "hostile.svg": /^SVG is a vector format: rasterise it first \(e\.g\. rsvg-convert /,
};

/** The cause in a compare line for `file`, or a failed assertion saying what is wrong with it. */
function causeOf(file: CorpusFile, stderr: string): string {
  assert.match(stderr, /^imgenc: [^\n]*\n$/, `${file.name}: not one line: ${stderr}`);
  const prefix = `imgenc: ${file.path}: `;
  assert.ok(
    stderr.startsWith(prefix),
    `${file.name}: the line does not start "${prefix}": ${stderr}`,
  );
  return stderr.slice(prefix.length, -1);
}

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});

/** Raw libvips text: loader names and internal prefixes must never reach a person. */
const LIBVIPS_NOISE =
  /vips_|vips[a-z]*:|VipsJpeg|VipsForeign|gifload|pngload|jpegload|webpload|Input buffer|libpng|GLib|\(sharp:/i;

function assertFailure(file: CorpusFile, args: string[], result: Run): void {
  const what = `imgenc ${args.join(" ")}`;
  assert.equal(result.hung, false, `${what} hung (no end within ${RUN_TIMEOUT_MS} ms)`);
  assert.equal(result.code, 2, `${what}: exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.stdout, "", `${what} wrote to stdout on failure`);
  assert.match(result.stderr, /^imgenc: [^\n]*\n$/, `${what}: not one line: ${result.stderr}`);
  assert.ok(result.stderr.includes(file.path), `${what}: the path is not named: ${result.stderr}`);
  assert.doesNotMatch(result.stderr, /\n\s+at /, `${what}: stack trace`);
  assert.doesNotMatch(result.stderr, /internal error/, `${what}: internal error`);
  assert.doesNotMatch(result.stderr, LIBVIPS_NOISE, `${what}: raw libvips text`);
}

function assertSuccess(args: string[], result: Run, stdout: boolean): void {
  const what = `imgenc ${args.join(" ")}`;
  assert.equal(result.hung, false, `${what} hung (no end within ${RUN_TIMEOUT_MS} ms)`);
  assert.equal(result.code, 0, `${what}: exit ${result.code}, stderr: ${result.stderr}`);
  assert.equal(result.stderr, "", `${what} wrote to stderr`);
  if (stdout) assert.ok(result.stdout.length > 0, `${what} printed nothing`);
}

describe("every command over every corpus file", { concurrency: 2 }, () => {
  for (const [index, file] of files.entries()) {
    test(`${file.name} (${file.what}): ${file.expect === "ok" ? "works" : "exit 2"}`, async () => {
      const out = join(work, `out-${index}`);
      mkdirSync(out);
      const outFile = join(out, "out.txt");
      const invocations: Array<{ args: string[]; stdout: boolean }> = [
        { args: ["compare", file.path], stdout: true },
        { args: ["compare", file.path, file.path], stdout: true },
        { args: ["encode", file.path], stdout: true },
        { args: ["encode", file.path, "--lossy", "-o", outFile], stdout: false },
        { args: ["inspect", file.path], stdout: true },
      ];
      for (const { args, stdout } of invocations) {
        const result = await run(args);
        if (file.expect === "ok") {
          assertSuccess(args, result, stdout);
        } else {
          assertFailure(file, args, result);
          if (args.length === 2 && args[0] === "compare") {
            const expected = EXPECTED_CAUSE[file.name];
            assert.ok(expected, `${file.name}: no expected cause in EXPECTED_CAUSE`);
            assert.match(causeOf(file, result.stderr), expected, file.name);
            compareLines.set(file.name, result.stderr);
          }
        }
        if (args.includes("-o")) {
          if (file.expect === "ok") {
            assert.match(readFileSync(outFile, "utf8"), /^data:image\/jpeg;base64,[^\n]+\n$/);
            rmSync(outFile);
          } else {
            assert.ok(!existsSync(outFile), "out.txt was written for a failed run");
          }
        }
        assert.deepEqual(readdirSync(out), [], "a temporary file was left behind");
        if (file.name !== "folder.png") {
          assert.equal(hash(file.path), hashes.get(file.path), `${file.name} was modified`);
        }
      }
    });
  }
});

describe("the corpus read in-process", () => {
  test("every bad file fails with its stable error code, every good one decodes", async () => {
    for (const file of files) {
      const attempt = (async () => {
        const source = await readSource(file.path);
        return decode(source.bytes);
      })();
      if (file.expect === "ok") {
        const image = await attempt;
        assert.ok(image.width >= 1 && image.height >= 1, file.name);
        continue;
      }
      await assert.rejects(attempt, (error) => {
        assert.ok(error instanceof ImgencError, `${file.name}: ${String(error)}`);
        assert.equal(error.code, file.expect, `${file.name}: ${error.message}`);
        assert.doesNotMatch(error.message, LIBVIPS_NOISE, `${file.name}: ${error.message}`);
        return true;
      });
    }
  });
});

describe("decompression bombs", () => {
  for (const name of ["bomb.png", "bomb.gif"]) {
    test(`${name} is refused from its header in well under 2 s`, async () => {
      const file = files.find((f) => f.name === name) as CorpusFile;
      const bytes = readFileSync(file.path);
      assert.ok(bytes.length < 1024, `${name} is ${bytes.length} bytes`);
      const start = performance.now();
      await assert.rejects(decode(bytes), (error) => {
        assert.ok(error instanceof ImgencError);
        assert.equal(error.code, "too-many-pixels");
        return true;
      });
      assert.ok(performance.now() - start < 2000, "the refusal was not fast");
    });
  }

  test("the CLI says how to raise the limit", async () => {
    const bomb = files.find((f) => f.name === "bomb.png") as CorpusFile;
    // Refused from the header: a run that decoded 2500 MP would not end within 5 s.
    const result = await run(["compare", bomb.path], 5000);
    assert.equal(result.hung, false, "the refusal took over 5 s");
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `imgenc: ${bomb.path}: 50000x50000 is 2500 MP, over the 100 MP limit (raise it with --max-input-pixels)\n`,
    );
  });

  test("a GIF counts its logical screen, as Pillow does, not only its frame", async () => {
    const gif = files.find((f) => f.name === "bomb.gif") as CorpusFile;
    const result = await run(["encode", gif.path, "--max-input-pixels", "4294836225"]);
    assert.equal(result.code, 0, result.stderr);
  });
});

describe("SVG is refused, never rendered", () => {
  const svg = (body: string) =>
    Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8">${body}</svg>`,
    );
  const cases: Array<[string, Buffer]> = [
    ["a file: reference", svg('<image href="file:///etc/passwd" width="8" height="8"/>')],
    ["an http reference", svg(`<image xlink:href="${origin}/x.png" width="8" height="8"/>`)],
    ["a url() reference", svg(`<rect width="8" height="8" fill="url(${origin}/p.svg#p)"/>`)],
    ["no reference at all", svg('<rect width="8" height="8" fill="red"/>')],
    [
      "a comment before <svg> (not sniffed as SVG, still loaded by libvips)",
      Buffer.concat([Buffer.from("<!-- made by hand -->\n"), svg("")]),
    ],
  ];

  for (const [what, bytes] of cases) {
    test(`with ${what}`, async () => {
      for (const read of [readInfo, decode]) {
        await assert.rejects(read(bytes), (error) => {
          assert.ok(error instanceof ImgencError, String(error));
          assert.equal(error.code, "not-image");
          assert.match(error.message, /^SVG is a vector format: rasterise it first/);
          return true;
        });
      }
    });
  }

  test("gzip-compressed SVG (.svgz) is refused too", async () => {
    await assert.rejects(readInfo(gzipSync(svg(""))), (error) => {
      assert.ok(error instanceof ImgencError);
      assert.equal(error.code, "not-image");
      return true;
    });
  });

  test("the CLI refuses hostile.svg in one line and fetches nothing", async () => {
    const hostile = files.find((f) => f.name === "hostile.svg") as CorpusFile;
    const result = await run(["compare", hostile.path]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `imgenc: ${hostile.path}: SVG is a vector format: rasterise it first (e.g. rsvg-convert -o image.png image.svg); imgenc does not render SVG because it can fetch external files\n`,
    );
  });

  // Last in the file: by now every command has run over hostile.svg and the cases above.
  test("no SVG reference was ever requested from the test server", () => {
    assert.deepEqual(requested, []);
  });
});

describe("what compare says for each bad file", () => {
  test("one line each, naming the file and its own cause", (t) => {
    const bad = files.filter((f) => f.expect !== "ok");
    assert.deepEqual(
      Object.keys(EXPECTED_CAUSE).sort(),
      bad.map((f) => f.name).sort(),
      "EXPECTED_CAUSE lists exactly the bad corpus files",
    );
    if (compareLines.size === 0) {
      t.skip("the per-file tests above did not run (filtered out): nothing to check");
      return;
    }
    for (const file of bad) {
      const line = compareLines.get(file.name);
      assert.ok(line !== undefined, `${file.name}: compare was not run over it`);
      const cause = causeOf(file, line);
      assert.match(cause, EXPECTED_CAUSE[file.name] as RegExp, file.name);
      t.diagnostic(`${file.name}: ${cause}`);
    }
    // Different damage is told apart: not one catch-all message for everything.
    const causes = new Set(bad.map((f) => causeOf(f, compareLines.get(f.name) as string)));
    assert.ok(causes.size >= 12, `only ${causes.size} distinct causes`);
  });
});
