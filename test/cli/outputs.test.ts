import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { pathToFileURL } from "node:url";
import { BIN, fixture, ROOT, runCli } from "../helpers/cli.js";

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
    const encoded = await runCli(["encode", input, "-o", out]);
    assert.equal(encoded.code, 0, encoded.stderr);
    assert.equal(encoded.stdout, "");
    assert.match(readFileSync(out, "utf8"), /^data:image\/png;base64,/);
    const diff = join(dir, "diff.png");
    const compared = await runCli(["compare", input, "--diff", diff]);
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
      const result = await runCli(args);
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
      const result = await runCli(args, { cwd: dir });
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
    const relative = await runCli(["encode", "./in.png", "-o", "in.png"], { cwd: dir });
    assert.equal(relative.stderr, "imgenc: in.png: refusing to overwrite the input ./in.png\n");
    assert.equal(sha(input), before);
    assert.ok(lstatSync(link).isSymbolicLink());
    assert.deepEqual(temporaries(dir), []);
  });

  test("a percent-encoded file: URL input is still protected", async () => {
    const { input } = folderWithInput("in put.png");
    const before = sha(input);
    const result = await runCli(["encode", pathToFileURL(input).href, "-o", input]);
    assert.equal(result.code, 2);
    assert.equal(sha(input), before);
  });

  test("a failed write leaves no temporary file and keeps what was there", async () => {
    const { dir, input } = folderWithInput();
    const folderNamedLikeAFile = join(dir, "taken.txt");
    mkdirSync(folderNamedLikeAFile);
    const result = await runCli(["encode", input, "-o", folderNamedLikeAFile]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `imgenc: ${folderNamedLikeAFile}: cannot write: is a folder\n`);
    assert.deepEqual(temporaries(dir), []);
    assert.deepEqual(readdirSync(folderNamedLikeAFile), []);
  });

  test("a failed command writes nothing, not even an empty file", async () => {
    const { dir } = folderWithInput();
    const broken = join(dir, "broken.png");
    writeFileSync(broken, readFileSync(fixture("logo-alpha.png")).subarray(0, 300));
    const result = await runCli(["encode", broken, "-o", join(dir, "out.txt")]);
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
    const result = await runCli(["encode", input, "-o", link]);
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
    const result = await runCli(["encode", input, "-o", fifo]);
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
    for (const args of [
      ["compare", fixture("photo.png"), "--json"],
      ["compare", fixture("photo.png")],
      ["inspect", fixture("photo.png")],
    ]) {
      const { code, stderr } = await readerThatCloses(args, 0);
      assert.equal(stderr, "", `${args.join(" ")}: ${stderr}`);
      assert.equal(code, 0, args.join(" "));
    }
  });
});
