import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  closeSync,
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { type OutputData, removeTemporaryFiles, writeFileAtomic } from "../../src/cli/output.js";
import { BIN, fixture, ROOT, runMain } from "../helpers/cli.js";
import { fill, mountTmpfs, runCliOnFds, skipUnless, tmpfsMissing } from "../helpers/filesystem.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-outputs-"));
let folders = 0;
after(() => rmSync(work, { recursive: true, force: true }));

/** A fresh folder holding a copy of a small fixture, so listings show only what imgenc wrote. */
function folderWithInput(name = "in.png"): { dir: string; input: string } {
  const dir = join(work, `case-${folders++}`);
  mkdirSync(dir);
  const input = join(dir, name);
  copyFileSync(fixture("logo-alpha.png"), input);
  return { dir, input };
}

/** Nothing on stdout, or with --json/--jsonl only the error document. */
const ONLY_AN_ERROR = /^(|\{"schemaVersion":1,"error":\{[^\n]*\}\}\n)$/;
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const temporaries = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".tmp"));

function assertOneLine(stderr: string): void {
  assert.match(stderr, /^imgenc: [^\n]*\n$/, `not one line: ${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

describe("outputs: every written file goes through writeFileAtomic", () => {
  test("encode -o and compare --diff succeed and leave only their file", async () => {
    const { dir, input } = folderWithInput();
    const out = join(dir, "out.txt");
    const encoded = await runMain(["encode", input, "-o", out]);
    assert.equal(encoded.code, 0, encoded.stderr);
    assert.equal(encoded.stdout, "");
    assert.match(readFileSync(out, "utf8"), /^data:image\/png;base64,/);
    const diff = join(dir, "diff.png");
    const compared = await runMain(["compare", input, "--diff", diff]);
    assert.equal(compared.code, 0, compared.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ["diff.png", "in.png", "out.txt"]);
  });

  test("a missing parent folder: exit 2, one line naming the output and the folder", async () => {
    const { dir, input } = folderWithInput();
    const missing = join(dir, "no", "such");
    for (const args of [
      ["encode", input, "-o", join(missing, "out.txt")],
      ["compare", input, "--diff", join(missing, "diff.png")],
    ]) {
      const result = await runMain(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
      assertOneLine(result.stderr);
      assert.equal(
        result.stderr,
        `imgenc: ${args[3]}: folder ${missing} does not exist\n`,
        "the message must name the output and the missing folder",
      );
    }
    assert.deepEqual(readdirSync(dir), ["in.png"]);
  });

  test("writing onto an input: exit 2, naming both paths, the input untouched", async () => {
    const { dir, input } = folderWithInput();
    const other = join(dir, "other.png");
    copyFileSync(input, other);
    const link = join(dir, "link.png");
    symlinkSync(input, link);
    const before = sha(input);
    const cases: Array<{ args: string[]; output: string }> = [
      { args: ["encode", input, "-o", input], output: input },
      { args: ["encode", input, "-o", link], output: link },
      { args: ["encode", pathToFileURL(input).href, "-o", input], output: input },
      { args: ["compare", input, "--diff", input], output: input },
      { args: ["compare", other, input, "--diff", input], output: input },
    ];
    for (const { args, output } of cases) {
      const result = await runMain(args, { cwd: dir });
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stdout, "");
      assertOneLine(result.stderr);
      assert.ok(result.stderr.startsWith(`imgenc: ${output}: `), result.stderr);
      assert.match(result.stderr, /refusing to overwrite the input /);
      assert.ok(
        result.stderr.trimEnd().endsWith(input),
        `the input is not named: ${result.stderr}`,
      );
    }
    // The relative spelling of the same file is caught too, and both spellings are shown.
    const relative = await runMain(["encode", "./in.png", "-o", "in.png"], { cwd: dir });
    assert.equal(relative.stderr, "imgenc: in.png: refusing to overwrite the input ./in.png\n");
    assert.equal(sha(input), before);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.deepEqual(temporaries(dir), []);
  });

  test("a percent-encoded file: URL input is still protected", async () => {
    const { input } = folderWithInput("in put.png");
    const before = sha(input);
    const result = await runMain(["encode", pathToFileURL(input).href, "-o", input]);
    assert.equal(result.code, 2);
    assert.equal(sha(input), before);
  });

  test("a failed write leaves no temporary file and keeps what was there", async () => {
    const { dir, input } = folderWithInput();
    const folderNamedLikeAFile = join(dir, "taken.txt");
    mkdirSync(folderNamedLikeAFile);
    const result = await runMain(["encode", input, "-o", folderNamedLikeAFile]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `imgenc: ${folderNamedLikeAFile}: cannot write: is a folder\n`);
    assert.deepEqual(temporaries(dir), []);
    assert.deepEqual(readdirSync(folderNamedLikeAFile), []);
  });

  test("a failed command writes nothing, not even an empty file", async () => {
    const { dir } = folderWithInput();
    const broken = join(dir, "broken.png");
    writeFileSync(broken, readFileSync(fixture("logo-alpha.png")).subarray(0, 300));
    const result = await runMain(["encode", broken, "-o", join(dir, "out.txt")]);
    assert.equal(result.code, 2);
    assertOneLine(result.stderr);
    assert.deepEqual(readdirSync(dir).sort(), ["broken.png", "in.png"]);
  });

  test("a symlinked output keeps its link and gets the new content", async () => {
    const { dir, input } = folderWithInput();
    const real = join(dir, "real.txt");
    writeFileSync(real, "old");
    const link = join(dir, "out.txt");
    symlinkSync(real, link);
    const result = await runMain(["encode", input, "-o", link]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.match(readFileSync(real, "utf8"), /^data:image\/png;base64,/);
    assert.deepEqual(temporaries(dir), []);
  });

  test("a FIFO output is written through, not replaced by a rename", async (t) => {
    const { dir, input } = folderWithInput();
    const fifo = join(dir, "pipe");
    try {
      execFileSync("mkfifo", [fifo]);
    } catch {
      return t.skip("mkfifo is not available");
    }
    // The reader is a child with a timeout: if imgenc renamed over the FIFO instead of writing
    // into it, a reader in this process would block in open() and keep the test alive forever.
    const reader = spawn("cat", [fifo], { timeout: 10_000, killSignal: "SIGKILL" });
    const chunks: Buffer[] = [];
    reader.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    const closed = new Promise<void>((resolve) => reader.on("close", () => resolve()));
    const result = await runMain(["encode", input, "-o", fifo]);
    await closed;
    assert.equal(result.code, 0, result.stderr);
    assert.match(Buffer.concat(chunks).toString("utf8"), /^data:image\/png;base64,/);
    assert.ok(lstatSync(fifo).isFIFO(), "the FIFO was replaced by a regular file");
    assert.deepEqual(temporaries(dir), []);
  });
});

describe("outputs: a closed stdout ends quietly", () => {
  async function readerThatCloses(args: string[], after: number) {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    const stderr: Buffer[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    let received = 0;
    if (after === 0) child.stdout.destroy();
    else {
      child.stdout.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= after) child.stdout.destroy();
      });
    }
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, stderr: Buffer.concat(stderr).toString(), received };
  }

  test("compare --json into a reader that closes after 10 bytes", async () => {
    const { code, stderr, received } = await readerThatCloses(
      ["compare", fixture("photo.png"), "--json"],
      10,
    );
    assert.ok(received >= 10);
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });

  test("compare and inspect into a pipe closed before they write", async () => {
    const cases = [
      ["compare", fixture("photo.png"), "--json"],
      ["compare", fixture("photo.png")],
      ["inspect", fixture("photo.png")],
    ];
    const results = await Promise.all(cases.map((args) => readerThatCloses(args, 0)));
    for (const [i, { code, stderr }] of results.entries()) {
      const args = cases[i] as string[];
      assert.equal(stderr, "", `${args.join(" ")}: ${stderr}`);
      assert.equal(code, 0, args.join(" "));
    }
  });
});

describe("outputs: an input on stdin is never overwritten", () => {
  test("encode - -o v.png < v.png and compare - --diff v.png < v.png: exit 2, v.png intact", async () => {
    const { dir, input } = folderWithInput("v.png");
    const hardLink = join(dir, "same-inode.png");
    linkSync(input, hardLink);
    const before = sha(input);
    const cases = [
      { args: ["encode", "-", "--lossy", "-o", input], output: input },
      { args: ["compare", "-", "--diff", input], output: input },
      { args: ["compare", "-", "--report", hardLink], output: hardLink },
    ];
    for (const { args, output } of cases) {
      const stdin = openSync(input, "r");
      const result = await runCliOnFds(args, { stdin }, { cwd: dir });
      closeSync(stdin);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.equal(result.stderr, `imgenc: ${output}: refusing to overwrite the input - (stdin)\n`);
      assert.equal(result.stdout, "");
    }
    assert.equal(sha(input), before);
    assert.deepEqual(readdirSync(dir).sort(), ["same-inode.png", "v.png"]);
  });

  test("stdin from another file still writes the output", async () => {
    const { dir, input } = folderWithInput("v.png");
    const out = join(dir, "out.txt");
    const stdin = openSync(input, "r");
    const result = await runCliOnFds(["encode", "-", "-o", out], { stdin });
    closeSync(stdin);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(out, "utf8"), /^data:image\/png;base64,/);
  });
});

describe("outputs: the same file named twice is a usage error before any work", () => {
  test("compare --diff x --report x, check --junit x --report ./x: exit 2, nothing written", async () => {
    const { dir, input } = folderWithInput();
    const same = join(dir, "same");
    const cases = [
      {
        args: ["compare", input, "--diff", same, "--report", same],
        options: "--diff and --report",
      },
      {
        args: ["compare", input, "--report", same, "--diff", join(dir, ".", "same")],
        options: "--diff and --report",
      },
      {
        args: [
          "check",
          input,
          "--jsonl",
          "--junit",
          same,
          "--report",
          `${dir}/../${basename(dir)}/same`,
        ],
        options: "--junit and --report",
      },
    ];
    for (const { args, options } of cases) {
      const result = await runMain(args);
      assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stdout, ONLY_AN_ERROR, "no image was compared");
      assertOneLine(result.stderr);
      assert.ok(
        result.stderr.endsWith(`: ${options} both write this file; give each its own\n`),
        result.stderr,
      );
    }
    assert.deepEqual(readdirSync(dir), ["in.png"]);
  });

  test("a hard link to the same file is the same output", async () => {
    const { dir, input } = folderWithInput();
    const first = join(dir, "report.html");
    writeFileSync(first, "old");
    const second = join(dir, "also-report.html");
    linkSync(first, second);
    const result = await runMain(["compare", input, "--report", first, "--diff", second]);
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      `imgenc: ${first}: --diff and --report both write this file; give each its own\n`,
    );
    assert.equal(readFileSync(first, "utf8"), "old");
  });
});

describe("outputs: checked before the work, and results kept when a write fails at the end", () => {
  test("check --junit in a missing folder fails before any image is compared", async () => {
    const { dir, input } = folderWithInput();
    const junit = join(dir, "no", "such", "j.xml");
    const result = await runMain(["check", input, "--jsonl", "--junit", junit]);
    assert.equal(result.code, 2);
    assert.equal(JSON.parse(result.stdout).error.code, "output", "no image was compared");
    assert.equal(
      result.stderr,
      `imgenc: ${junit}: folder ${join(dir, "no", "such")} does not exist\n`,
    );
  });

  test("a read-only folder is refused before any work (check, compare, encode)", {
    skip: skipUnless(tmpfsMissing()),
  }, async (t) => {
    const { input } = folderWithInput();
    const readOnly = mountTmpfs("64k", { readOnly: true });
    t.after(readOnly.remove);
    const cases = [
      ["check", input, "--jsonl", "--report", join(readOnly.dir, "r.html")],
      ["check", input, "--jsonl", "--junit", join(readOnly.dir, "j.xml")],
      ["compare", input, "--json", "--diff", join(readOnly.dir, "d.png")],
      ["encode", input, "-o", join(readOnly.dir, "out.txt")],
    ];
    for (const args of cases) {
      const result = await runMain(args);
      assert.equal(result.code, 2, args.join(" "));
      assert.match(
        result.stdout,
        ONLY_AN_ERROR,
        `${args.join(" ")}: work was done before the check`,
      );
      assert.equal(result.stderr, `imgenc: ${args.at(-1)}: cannot write: read-only file system\n`);
    }
  });

  test("a disk that fills up: check prints its JSON and table anyway, exit 2 naming each file", {
    skip: skipUnless(tmpfsMissing()),
  }, async (t) => {
    const { dir, input } = folderWithInput();
    copyFileSync(fixture("photo.png"), join(dir, "photo.png"));
    const disk = mountTmpfs("64k");
    t.after(disk.remove);
    fill(disk.dir);
    const report = join(disk.dir, "r.html");
    const junit = join(disk.dir, "j.xml");
    const expected =
      `imgenc: ${junit}: cannot write: no space left on device\n` +
      `imgenc: ${report}: cannot write: no space left on device\n`;

    const json = await runMain(["check", dir, "--report", report, "--junit", junit, "--json"]);
    assert.equal(json.stderr, expected);
    assert.equal(json.code, 2);
    const doc = JSON.parse(json.stdout) as { totals: { images: number; passed: number } };
    assert.equal(doc.totals.images, 2);
    assert.equal(doc.totals.passed, 2);

    const table = await runMain(["check", input, "--report", report, "--junit", junit]);
    assert.equal(table.code, 2);
    assert.equal(table.stderr, expected);
    assert.match(table.stdout, /passed: 1 image/);
    assert.deepEqual(readdirSync(disk.dir), ["filler"]);
  });

  test("a disk that fills up: compare prints its report anyway, exit 2 naming the file", {
    skip: skipUnless(tmpfsMissing()),
  }, async (t) => {
    const { input } = folderWithInput();
    const disk = mountTmpfs("64k");
    t.after(disk.remove);
    fill(disk.dir);
    const diff = join(disk.dir, "diff.png");
    const result = await runMain(["compare", input, "--diff", diff, "--json"]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `imgenc: ${diff}: cannot write: no space left on device\n`);
    assert.equal(JSON.parse(result.stdout).schemaVersion, 1);
    assert.deepEqual(readdirSync(disk.dir), ["filler"]);
  });
});

describe("outputs: a replaced file keeps its mode and owner", () => {
  test("a 0600 file stays 0600 (and, as root, keeps its owner)", async () => {
    const { dir, input } = folderWithInput();
    const out = join(dir, "secret.txt");
    writeFileSync(out, "old");
    chmodSync(out, 0o600);
    const root = process.getuid?.() === 0;
    if (root) chownSync(out, 65534, 65534);
    const result = await runMain(["encode", input, "-o", out]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(out, "utf8"), /^data:image\/png;base64,/);
    const stats = statSync(out);
    assert.equal((stats.mode & 0o777).toString(8), "600");
    if (root) assert.deepEqual([stats.uid, stats.gid], [65534, 65534]);

    // A mode more open than the umask would give is kept too.
    chmodSync(out, 0o664);
    assert.equal((await runMain(["encode", input, "-o", out, "--lossy"])).code, 0);
    assert.equal((statSync(out).mode & 0o777).toString(8), "664");
    assert.deepEqual(temporaries(dir), []);
  });
});

describe("writeFileAtomic: chunks and temporary files", () => {
  test("strings, bytes, iterables and async iterables are written whole", async () => {
    const { dir } = folderWithInput();
    const bytes = (text: string) => new TextEncoder().encode(text);
    async function* pieces() {
      yield "a";
      await new Promise((resolve) => setImmediate(resolve));
      yield bytes("b");
      yield "é".repeat(100_000);
    }
    const cases: Array<[OutputData, string]> = [
      ["plain", "plain"],
      [bytes("bytes"), "bytes"],
      [["x", bytes("y"), "z"], "xyz"],
      [pieces(), `ab${"é".repeat(100_000)}`],
    ];
    for (const [data, expected] of cases) {
      const out = join(dir, "out.txt");
      await writeFileAtomic(out, data);
      assert.equal(readFileSync(out, "utf8"), expected);
    }
    assert.deepEqual(temporaries(dir), []);
  });

  test("a stream that fails passes its own error on and leaves the old file", async () => {
    const { dir } = folderWithInput();
    const out = join(dir, "out.html");
    writeFileSync(out, "old");
    async function* failing() {
      yield "<!doctype html>";
      throw new Error("render failed");
    }
    await assert.rejects(writeFileAtomic(out, failing()), /^Error: render failed$/);
    assert.equal(readFileSync(out, "utf8"), "old");
    assert.deepEqual(temporaries(dir), []);
  });

  test("removeTemporaryFiles removes a file still being written; the old file stays", async () => {
    const { dir } = folderWithInput();
    const out = join(dir, "out.html");
    writeFileSync(out, "old");
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started = () => {};
    const writing = new Promise<void>((resolve) => {
      started = resolve;
    });
    async function* slow() {
      yield "first chunk";
      started();
      await held;
      yield "second chunk";
    }
    const result = writeFileAtomic(out, slow());
    await writing;
    assert.equal(temporaries(dir).length, 1);
    removeTemporaryFiles();
    assert.deepEqual(temporaries(dir), []);
    release();
    // The rename finds no temporary file: the write fails instead of installing half a page.
    await assert.rejects(result, /cannot write/);
    assert.equal(readFileSync(out, "utf8"), "old");
    assert.deepEqual(temporaries(dir), []);
  });
});
