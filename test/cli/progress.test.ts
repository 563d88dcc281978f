import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { main } from "../../src/cli/main.js";
import { fixture } from "../helpers/cli.js";

/** ANSI "erase to end of line". */
const CLEAR = "\u001b[K";

function tty(isTTY: boolean) {
  const stream = Object.assign(new PassThrough(), { isTTY, columns: 100 });
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk;
  });
  return { stream, text: () => text };
}

async function run(stderrIsTTY: boolean, env: NodeJS.ProcessEnv) {
  const stdout = tty(false);
  const stderr = tty(stderrIsTTY);
  const code = await main(["check", fixture("photo.png"), fixture("grey.png"), "--jobs", "1"], {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin: new PassThrough(),
    env,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test("check draws a progress bar on a terminal, and none in CI or a pipe", async () => {
  const terminal = await run(true, {});
  assert.equal(terminal.code, 0);
  assert.ok(terminal.stderr.includes(`\r${CLEAR}[${"#".repeat(12)}${".".repeat(12)}] 1/2 `));
  assert.match(terminal.stderr, /\[#{24}\] 2\/2 /);
  assert.ok(terminal.stderr.endsWith(`\r${CLEAR}`), "the bar is cleared before the summary");
  assert.match(terminal.stdout, /passed: 2 images/);

  for (const [isTTY, env] of [
    [false, {}],
    [true, { CI: "true" }],
  ] as const) {
    const quiet = await run(isTTY, env);
    assert.equal(quiet.stderr, "");
    assert.ok(!quiet.stdout.includes("\r"));
  }
});
