import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ROOT, runMain } from "./helpers/cli.js";
import { type OcrServer, startOcrServer } from "./helpers/ocr-server.js";
import { skipUnlessTesseract } from "./helpers/tesseract.js";

/**
 * Every ```console block of the README is run here, in process from the repository root, and
 * its output compared with the block line for line: the README cannot drift from what imgenc
 * prints. A command starts with `$ ` (continued by a trailing `\`); `npx ` is dropped; one pipe
 * between two imgenc commands feeds the first's stdout to the second. The output is stdout then
 * stderr, as a terminal shows them, without colour and unwrapped (not a TTY). A line `...` in
 * the block stands for any lines the README leaves out; a run's duration ("in 0.9 s") is the one
 * figure not compared. The `ask` examples run against the OCR server on 127.0.0.1:8712, started
 * here; they are skipped when Tesseract is missing or the port is taken.
 */

const OCR_PORT = 8712;
const readme = readFileSync(join(ROOT, "README.md"), "utf8");

interface Example {
  line: number;
  command: string;
  output: string[];
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const block of readme.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    const start = readme.slice(0, block.index).split("\n").length + 1;
    const lines = (block[1] as string).replace(/\n$/, "").split("\n");
    let current: Example | undefined;
    let continued = false;
    lines.forEach((text, i) => {
      if (continued && current !== undefined) {
        current.command += ` ${text.trim().replace(/\\$/, "").trim()}`;
        continued = text.endsWith("\\");
      } else if (text.startsWith("$ ")) {
        current = { line: start + i, command: text.slice(2).replace(/\\$/, "").trim(), output: [] };
        continued = text.endsWith("\\");
        found.push(current);
      } else if (current !== undefined && !(text === "" && lines[i + 1]?.startsWith("$ "))) {
        current.output.push(text);
      }
    });
  }
  return found;
}

/** Words as a POSIX shell splits them: single and double quotes, no expansions. */
function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g)) {
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? (m[3] as string)));
  }
  return out;
}

function argsOf(command: string): string[] {
  const [program, ...args] = words(command.replace(/^npx /, ""));
  assert.equal(program, "imgenc", `not an imgenc command: ${command}`);
  return args;
}

const duration = (text: string) => text.replace(/ in \d+(\.\d+)? (s|ms)$/, " in <duration>");

/** The block's lines as a pattern: `...` is any run of lines, the rest compared exactly. */
function matches(expected: string[], actual: string[]): boolean {
  const pattern = expected
    .map((line) =>
      line === "..."
        ? "(?:[^\\n]*\\n)*?"
        : `${duration(line).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`,
    )
    .join("");
  return new RegExp(`^${pattern}$`).test(actual.map((l) => `${duration(l)}\n`).join(""));
}

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("the README's console examples are what imgenc prints", async () => {
  const env = {
    NO_COLOR: "1",
    // The ask examples show fresh answers, none from a cache.
    XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), "imgenc-readme-")),
  };
  const noTesseract = skipUnlessTesseract();
  const ocrSkip =
    noTesseract || ((await portFree(OCR_PORT)) ? false : `127.0.0.1:${OCR_PORT} is taken`);
  let ocr: OcrServer | undefined;
  after(() => ocr?.close());

  for (const example of examples()) {
    const needsOcr = example.command.includes(`127.0.0.1:${OCR_PORT}`);
    test(`README line ${example.line}: ${example.command}`, {
      skip: needsOcr && ocrSkip,
    }, async () => {
      if (needsOcr) ocr ??= await startOcrServer({ port: OCR_PORT });
      const [first, second] = example.command.split(" | ");
      let result = await runMain(argsOf(first as string), { env });
      let stderr = result.stderr;
      if (second !== undefined) {
        result = await runMain(argsOf(second), { env, input: result.stdoutBytes });
        stderr += result.stderr;
      }
      const actual = `${result.stdout}${stderr}`.replace(/\n$/, "").split("\n");
      assert.ok(
        matches(example.output, actual),
        `README line ${example.line} differs; imgenc prints:\n${actual.join("\n")}`,
      );
    });
  }
});
