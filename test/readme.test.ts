import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { buildProgram } from "../src/cli/program.js";
import { DATA_URI_CODES } from "../src/findings/lint-data-uri.js";
import { PITFALL_CODES } from "../src/findings/pitfalls.js";
import { ROOT } from "./helpers/cli.js";

const readme = readFileSync(`${ROOT}README.md`, "utf8");

test("the README documents every command and every option", () => {
  const io = {
    stdout: new PassThrough(),
    stderr: new PassThrough(),
    stdin: new PassThrough(),
    env: {},
  };
  const program = buildProgram(io, () => {});
  for (const command of program.commands) {
    assert.ok(readme.includes(`## imgenc ${command.name()}`), `no section for ${command.name()}`);
    for (const option of command.options) {
      // In a code span, as the option tables write them: `--lossy`, `-o, --output <file>`.
      const documented = new RegExp(`\`(-\\w, )?${option.long}[ \`]`).test(readme);
      assert.ok(documented, `${command.name()} ${option.long} undocumented`);
    }
  }
});

test("the README lists every finding code", () => {
  const codes = [
    ...DATA_URI_CODES.map((c) => c.code),
    ...PITFALL_CODES,
    "dimensions-differ",
    "corrupt-image",
    "content-type-mismatch",
  ];
  for (const code of codes) assert.ok(readme.includes(`\`${code}\``), code);
});

test("the README shows the two set-up commands", () => {
  assert.match(readme, /npm install && npx imgenc compare fixtures\/[\w-]+\.png/);
  assert.match(readme, /```sh\nnpm test\n```/);
});
