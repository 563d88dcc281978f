import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { withFindingsTables } from "../scripts/readme-findings.js";
import { buildProgram } from "../src/cli/program.js";
import { FINDING_CODES } from "../src/findings/codes.js";
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

test("the README lists every finding code, in tables generated from FINDING_CODES", () => {
  for (const { code } of FINDING_CODES) assert.ok(readme.includes(`\`${code}\``), code);
  const groups = [...readme.matchAll(/^<!-- findings-table ([a-z -]+) -->$/gm)].flatMap((m) =>
    (m[1] as string).split(" "),
  );
  assert.deepEqual([...groups].sort(), ["data-uri", "input", "pitfall"]);
  // On failure the diff shows the expected table; `node dist/scripts/readme-findings.js` writes it.
  assert.equal(readme, withFindingsTables(readme));
});

test("the README shows the two set-up commands", () => {
  assert.match(readme, /npm install && npm run build && npx imgenc compare fixtures\/[\w-]+\.png/);
  assert.match(readme, /```sh\nnpm test\n```/);
});
