import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, test } from "node:test";
import { main } from "../../src/cli/main.js";
import { fixture } from "../helpers/cli.js";
import { fill, mountTmpfs, runCliOnFds, skipUnless, tmpfsMissing } from "../helpers/filesystem.js";

const NO_SPACE = "imgenc: <stdout>: cannot write: no space left on device\n";

describe("stdout: a write that fails is exit 2 and one line, never a silent prefix", () => {
  test("a full disk: encode's data URI is not cut short with exit 0", {
    skip: skipUnless(tmpfsMissing()),
  }, async (t) => {
    const disk = mountTmpfs("64k");
    t.after(disk.remove);
    // The data URI of photo.png is about 170 KB: the first write fills the 64 KiB disk and
    // takes only part of it, the next fails.
    const payload = join(disk.dir, "payload.txt");
    const fd = openSync(payload, "w");
    const encoded = await runCliOnFds(["encode", fixture("photo.png")], { stdout: fd });
    closeSync(fd);
    assert.equal(encoded.stderr, NO_SPACE);
    assert.equal(encoded.code, 2);
    assert.ok(statSync(payload).size > 0, "the disk was not full before the write");

    // check --jsonl writes while the workers run: those writes fail as well.
    fill(disk.dir);
    const lines = openSync(join(disk.dir, "check.jsonl"), "w");
    const checked = await runCliOnFds(["check", fixture("photo.png"), "--jsonl"], {
      stdout: lines,
    });
    closeSync(lines);
    assert.equal(checked.stderr, NO_SPACE);
    assert.equal(checked.code, 2);
  });

  test("/dev/full: every command ends with exit 2 and one line, no stack", {
    skip: skipUnless(existsSync("/dev/full") ? null : "/dev/full does not exist"),
  }, async () => {
    const commands = [
      ["encode", fixture("photo.png")],
      ["encode", fixture("logo-alpha.png"), "--lossy"],
      ["compare", fixture("logo-alpha.png")],
      ["compare", fixture("logo-alpha.png"), "--json"],
      ["inspect", fixture("logo-alpha.png")],
      ["check", fixture("logo-alpha.png"), "--json"],
      ["check", fixture("logo-alpha.png"), "--jsonl"],
      ["--help"],
    ];
    const fd = openSync("/dev/full", "w");
    try {
      // Separate processes: they can all run at once.
      const results = await Promise.all(commands.map((args) => runCliOnFds(args, { stdout: fd })));
      for (const [i, result] of results.entries()) {
        const args = commands[i] as string[];
        assert.equal(result.stderr, NO_SPACE, args.join(" "));
        assert.equal(result.code, 2, args.join(" "));
      }
    } finally {
      closeSync(fd);
    }
  });

  test("in process: a stdout that fails is exit 2 naming <stdout>, not an internal error", async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" }));
      },
    });
    const errors: string[] = [];
    const stderr = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        errors.push(chunk.toString());
        callback();
      },
    });
    const { PassThrough } = await import("node:stream");
    const code = await main(["compare", fixture("logo-alpha.png"), "--json"], {
      stdout,
      stderr,
      stdin: new PassThrough(),
      env: {},
    });
    assert.equal(errors.join(""), NO_SPACE);
    assert.equal(code, 2);
  });
});
