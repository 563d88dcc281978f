import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ImgencError } from "../../src/errors.js";
import { readFileSource } from "../../src/source/file.js";

function isCode(code: string) {
  return (error: unknown) => {
    assert.ok(error instanceof ImgencError, `expected ImgencError, got ${String(error)}`);
    assert.equal(error.code, code, `message was: ${error.message}`);
    return true;
  };
}

describe("readFileSource", () => {
  let dir = "";
  const content = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "imgenc-file-"));
    await writeFile(join(dir, "image.png"), content);
    await writeFile(join(dir, "empty.png"), "");
    await writeFile(join(dir, "big.bin"), Buffer.alloc(4096));
    await mkdir(join(dir, "folder"));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("reads a file", async () => {
    assert.ok((await readFileSource(join(dir, "image.png"))).equals(content));
  });

  it("reads a file: URL (string or URL object)", async () => {
    const url = pathToFileURL(join(dir, "image.png"));
    assert.ok((await readFileSource(url.href)).equals(content));
    assert.ok((await readFileSource(url)).equals(content));
  });

  it("reports a missing file as not-found, naming the input", async () => {
    const missing = join(dir, "nope.png");
    await assert.rejects(readFileSource(missing), (error) => {
      isCode("not-found")(error);
      assert.equal((error as ImgencError).input, missing);
      return true;
    });
  });

  it("reports a path through a regular file as not-found", async () => {
    await assert.rejects(readFileSource(join(dir, "image.png", "x")), isCode("not-found"));
  });

  it("reports a directory", async () => {
    await assert.rejects(readFileSource(join(dir, "folder")), isCode("is-directory"));
  });

  it("reports an empty file", async () => {
    await assert.rejects(readFileSource(join(dir, "empty.png")), isCode("empty"));
  });

  it("reports a file over the cap before reading it", async () => {
    await assert.rejects(
      readFileSource(join(dir, "big.bin"), { maxInputBytes: 1000 }),
      isCode("too-large"),
    );
    assert.equal(
      (await readFileSource(join(dir, "big.bin"), { maxInputBytes: 4096 })).length,
      4096,
    );
  });

  it("rejects a file: URL with a host as usage", async () => {
    await assert.rejects(readFileSource("file://server/share/x.png"), isCode("usage"));
  });

  it("reports an unreadable file", {
    skip: process.platform === "win32" && "no chmod",
  }, async () => {
    const locked = join(dir, "locked.png");
    await writeFile(locked, content);
    await chmod(locked, 0o000);
    if (process.getuid?.() !== 0) {
      await assert.rejects(readFileSource(locked), isCode("unreadable"));
      return;
    }
    // Root reads anything: check as the unprivileged user "nobody" in a child process instead.
    // The compiled modules are copied next to the file: the checkout may not be readable by nobody.
    await chmod(dir, 0o755);
    const modules = join(dir, "src");
    cpSync(fileURLToPath(new URL("../../src/", import.meta.url)), modules, { recursive: true });
    spawnSync("chmod", ["-R", "a+rX", modules]);
    const moduleUrl = pathToFileURL(join(modules, "source", "file.js")).href;
    const script = `import(${JSON.stringify(moduleUrl)}).then((m) => m.readFileSource(${JSON.stringify(locked)})).then(() => console.log("read"), (e) => console.log(e.code))`;
    const result = spawnSync(process.execPath, ["-e", script], {
      uid: 65534,
      gid: 65534,
      encoding: "utf8",
    });
    assert.equal(result.stdout.trim(), "unreadable", result.stderr);
  });

  it("reads a named pipe to its end, without blocking on open", async () => {
    const fifo = join(dir, "pipe.png");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo failed");
    const reading = readFileSource(fifo, { timeoutMs: 10_000 });
    // Resolves once the reader holds the pipe open, so nothing written is lost.
    const writer = createWriteStream(fifo);
    writer.end(content);
    assert.ok((await reading).equals(content));
  });

  it("ends a named pipe nobody writes to at timeoutMs", async () => {
    const fifo = join(dir, "silent.png");
    assert.equal(spawnSync("mkfifo", [fifo]).status, 0, "mkfifo failed");
    await assert.rejects(readFileSource(fifo, { timeoutMs: 100 }), (error) => {
      isCode("timeout")(error);
      assert.equal((error as ImgencError).input, fifo);
      assert.equal(
        (error as ImgencError).message,
        "timed out after 0.1 s: the pipe sent nothing and did not end (raise --timeout)",
      );
      return true;
    });
  });

  it("stops reading a device of zeros after its first bytes", async () => {
    await assert.rejects(readFileSource("/dev/zero", { maxInputBytes: 1024 ** 3 }), (error) => {
      isCode("not-image")(error);
      assert.equal((error as ImgencError).input, "/dev/zero");
      return true;
    });
  });
});
