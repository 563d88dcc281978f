import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { BIN, fixture, ROOT } from "../helpers/cli.js";
import { skipUnless } from "../helpers/filesystem.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-signals-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** Why strace cannot hold a system call here, or null. */
function straceMissing(): string | null {
  const probe = spawnSync("strace", ["-f", "-qq", "-o", "/dev/null", "true"]);
  if (probe.error !== undefined) return "strace is not installed (apt-get install strace)";
  return probe.status === 0 ? null : `strace cannot trace here: ${probe.stderr.toString().trim()}`;
}

const RENAMES = "rename,renameat,renameat2";
// How long strace holds the rename: the window in which the temporary file is certainly there.
// The process cannot finish exiting before it ends (libuv joins its threads at exit).
const HOLD_MICROSECONDS = 4_000_000;

/**
 * Runs `encode -o <target>` under strace, which holds the rename of the finished temporary file
 * into place; once the temporary file is in the folder, the signal is sent to imgenc itself.
 */
async function signalWhileWriting(signal: NodeJS.Signals) {
  const dir = mkdtempSync(join(work, `${signal}-`));
  const target = join(dir, "payload.txt");
  writeFileSync(target, "old");
  const child = spawn(
    "strace",
    [
      "-f",
      "--seccomp-bpf",
      "-qq",
      "-o",
      "/dev/null",
      "-e",
      `trace=${RENAMES}`,
      "-e",
      `inject=${RENAMES}:delay_enter=${HOLD_MICROSECONDS}`,
      process.execPath,
      BIN,
      "encode",
      fixture("photo.png"),
      "-o",
      target,
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000, killSignal: "SIGKILL" },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const temporaries = () => readdirSync(dir).filter((name) => name.endsWith(".tmp"));
  // Written to, not just created: the empty file that checks the folder is writable comes first.
  const writing = () =>
    temporaries().filter(
      (name) => (statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0) > 0,
    );
  let seen: string[] = [];
  for (let waited = 0; seen.length === 0 && child.exitCode === null; waited += 10) {
    if (waited > 30_000) assert.fail("no temporary file appeared");
    await sleep(10);
    seen = writing();
  }
  assert.equal(seen.length, 1, "the temporary file was never seen");
  const imgenc = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, "utf8"));
  process.kill(imgenc, signal);
  const code = await closed;
  return { code, stderr, left: temporaries(), content: readFileSync(target, "utf8") };
}

describe("signals: temporary files are removed", { concurrency: true }, () => {
  for (const [signal, exit] of [
    ["SIGTERM", 143],
    ["SIGINT", 130],
  ] as const) {
    test(`${signal} while a file is written: exit ${exit}, no temporary file, the old file intact`, {
      skip: skipUnless(straceMissing()),
    }, async () => {
      const { code, stderr, left, content } = await signalWhileWriting(signal);
      assert.equal(code, exit, stderr);
      assert.deepEqual(left, [], "the temporary file was left behind");
      assert.equal(content, "old");
    });
  }
});
