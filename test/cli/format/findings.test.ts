import assert from "node:assert/strict";
import { test } from "node:test";
import { FINDING_CODES } from "../../../src/findings/codes.js";
import { runMain } from "../../helpers/cli.js";

test("inspect --help lists every finding code with its severity and meaning", async () => {
  const { code, stdout } = await runMain(["inspect", "--help"]);
  assert.equal(code, 0);
  for (const info of FINDING_CODES) {
    const line = new RegExp(`^  ${info.code} +${info.severity} +(\\S.*)$`, "m").exec(stdout);
    assert.ok(line, `${info.code} is not listed:\n${stdout}`);
    // Long meanings wrap; the first line starts the meaning.
    assert.ok(info.meaning.startsWith(line[1] as string), `${info.code}: ${line[1]}`);
  }
  // Wrapped as commander wraps the options: to the terminal, or 80 columns off one.
  const width = process.stdout.isTTY ? process.stdout.columns : 80;
  for (const text of stdout.split("\n")) assert.ok(text.length <= width, text);
});
