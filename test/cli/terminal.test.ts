import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { termSafe, termSafeLines } from "../../src/cli/format/terminal.js";
import { fixture, runMain } from "../helpers/cli.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

/** Retitles the terminal (OSC 0 ... BEL), returns to column 0, then starts a line GitHub obeys. */
const ATTACK = "\u001b]0;pwned\u0007\r\n::error::fake";
const ATTACK_SHOWN = "\\x1b]0;pwned\\x07\\r\\n::error::fake";

const work = mkdtempSync(join(tmpdir(), "imgenc-terminal-"));
const set = join(work, "set");
const evilName = `evil${ATTACK}.png`;
const evilPath = join(set, evilName);
const evilShown = join(set, `evil${ATTACK_SHOWN}.png`);
const notImage = join(work, `page${ATTACK}.png`);
const iccPath = join(work, "profile.jpg");
// Latin-1 text in a v2 profile: 0x9b is the one-byte C1 CSI.
const iccDescription = `Evil${ATTACK}\u009b31m`;
const iccShown = `Evil${ATTACK_SHOWN}\\x9b31m`;

/** Replaces a profile's 'desc' tag with a v2 textDescriptionType holding `text` (Latin-1). */
function withDescription(icc: Buffer, text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, "latin1");
  // type, reserved, count, text, then the empty Unicode and ScriptCode parts (4 + 4 + 2 + 1 + 67)
  const tag = Buffer.alloc(12 + ascii.length + 78);
  tag.write("desc", 0, "latin1");
  tag.writeUInt32BE(ascii.length, 8);
  ascii.copy(tag, 12);
  const start = Math.ceil(icc.length / 4) * 4;
  const out = Buffer.concat([icc, Buffer.alloc(start - icc.length), tag]);
  for (let i = 0; i < out.readUInt32BE(128); i++) {
    const at = 132 + 12 * i;
    if (out.toString("latin1", at, at + 4) === "desc") {
      out.writeUInt32BE(start, at + 4);
      out.writeUInt32BE(tag.length, at + 8);
    }
  }
  out.writeUInt32BE(out.length, 0);
  return out;
}

before(async () => {
  mkdirSync(set);
  copyFileSync(fixture("grey.png"), evilPath);
  writeFileSync(notImage, "<!DOCTYPE html><p>oops</p>");
  const icc = (await sharp(fixture("adobe-rgb.jpg")).metadata()).icc;
  assert.ok(icc, "adobe-rgb.jpg has a profile");
  const profile = join(work, "evil.icc");
  writeFileSync(profile, withDescription(icc, iccDescription));
  await sharp(fixture("photo.png")).resize(48).withIccProfile(profile).jpeg().toFile(iccPath);
});
after(() => rmSync(work, { recursive: true, force: true }));

/**
 * Nothing a terminal or a CI log would act on: no control character but the formatter's own
 * newlines (colour is off in these runs), and no line that starts a workflow command.
 */
function assertTerminalSafe(text: string, what: string): void {
  const bad = [...text].filter((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && char !== "\n") || (code >= 0x7f && code <= 0x9f);
  });
  assert.deepEqual(bad, [], `${what} carries control characters: ${JSON.stringify(text)}`);
  for (const line of text.split("\n")) {
    assert.ok(!line.startsWith("::"), `${what} has a line GitHub Actions would obey: ${line}`);
  }
}

describe("termSafe", () => {
  const cases: [string, string][] = [
    ["plain name.png", "plain name.png"],
    ["a\u001b[31mred", "a\\x1b[31mred"],
    ["line\nbreak\r\ttab", "line\\nbreak\\r\\ttab"],
    ["nul\u0000 del\u007f c1\u0085\u009b", "nul\\x00 del\\x7f c1\\x85\\x9b"],
    ["ls\u2028ps\u2029", "ls\\u2028ps\\u2029"],
    ["rlo\u202egnp.exe", "rlo\\u202egnp.exe"],
    ["isolate\u2066x\u2069", "isolate\\u2066x\\u2069"],
    ["über ✔ 画像 😀", "über ✔ 画像 😀"],
  ];
  for (const [input, expected] of cases) {
    test(JSON.stringify(input), () => assert.equal(termSafe(input), expected));
  }
  test("termSafeLines keeps the line breaks and escapes the rest", () => {
    assert.equal(
      termSafeLines("Error: a\u001b]0;x\u0007\n    at b\r"),
      "Error: a\\x1b]0;x\\x07\n    at b\\r",
    );
  });
});

describe("control characters never reach the terminal", () => {
  test("inspect: the file name and the ICC description, in the table and the finding", async () => {
    const named = await runMain(["inspect", evilPath]);
    assert.equal(named.code, 0, named.stderr);
    assertTerminalSafe(named.stdout, "inspect stdout");
    assert.equal(named.stdout.split("\n")[0], evilShown);

    const icc = await runMain(["inspect", iccPath]);
    assertTerminalSafe(icc.stdout, "inspect stdout");
    assert.ok(
      icc.stdout.includes(`ICC profile  ${iccShown} (RGB, v2.1.0)\n`),
      `no escaped ICC row in:\n${icc.stdout}`,
    );
    assert.ok(icc.stdout.includes(`the ${iccShown} ICC profile is ignored`), icc.stdout);
  });

  test("compare: the source line and the findings", async () => {
    const named = await runMain(["compare", evilPath]);
    assertTerminalSafe(named.stdout, "compare stdout");
    assert.ok(named.stdout.startsWith(`source ${evilShown}\n`), named.stdout);

    const icc = await runMain(["compare", iccPath]);
    assertTerminalSafe(icc.stdout, "compare stdout");
    assert.ok(icc.stdout.includes(`the ${iccShown} ICC profile is ignored`), icc.stdout);
  });

  test("error lines and warnings on stderr", async () => {
    const error = await runMain(["inspect", notImage]);
    assert.equal(error.code, 2);
    assert.equal(
      error.stderr,
      `imgenc: ${join(work, `page${ATTACK_SHOWN}.png`)}: an HTML page, not an image\n`,
    );

    const missing = await runMain(["compare", join(work, `gone${ATTACK}.png`)]);
    assert.equal(missing.code, 2);
    assertTerminalSafe(missing.stderr, "error line");
    assert.equal(missing.stderr.split("\n").length, 2, missing.stderr);

    const encoded = await runMain(["encode", evilPath, "--max-side", "8"]);
    assert.equal(encoded.code, 0, encoded.stderr);
    assert.match(encoded.stderr, /^imgenc: .*: resized \d+x\d+ to \d+x\d+/);
    assert.ok(encoded.stderr.startsWith(`imgenc: ${evilShown}: resized`), encoded.stderr);
    assertTerminalSafe(encoded.stderr, "encode note");
  });

  test("check: the table and an unreadable image's error", async () => {
    const broken = join(set, `broken${ATTACK}.png`);
    copyFileSync(notImage, broken);
    const result = await runMain(["check", set]).finally(() => rmSync(broken));
    assert.equal(result.code, 1, result.stderr);
    assertTerminalSafe(result.stdout, "check table");
    const lines = result.stdout.split("\n");
    assert.ok(
      lines.some((line) => line.startsWith(`ERROR  ${join(set, `broken${ATTACK_SHOWN}.png`)}  `)),
      result.stdout,
    );
    assert.ok(
      lines.some((line) => line.startsWith(`pass   ${evilShown}`)),
      result.stdout,
    );
  });
});

describe("machine outputs keep the name exactly, escaped their own way", () => {
  test("JSON and JSONL parse back to the file name and the ICC description", async () => {
    const inspected = await runMain(["inspect", iccPath, "--json"]);
    assert.equal(JSON.parse(inspected.stdout).image.iccProfile.description, iccDescription);

    const json = await runMain(["check", set, "--json"]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(
      JSON.parse(json.stdout).images.map((i: { file: string }) => i.file),
      [evilPath],
    );

    const jsonl = await runMain(["check", set, "--jsonl"]);
    const lines = jsonl.stdout.split("\n").filter((line) => line !== "");
    assert.equal(lines.length, 1, "one record, on one line");
    assert.equal(JSON.parse(lines[0] ?? "").file, evilPath);
  });

  test("JUnit: a real XML parser reads the newline and CR back; ESC and BEL, which XML cannot carry, become U+FFFD", {
    skip: skipUnlessPython([]),
  }, async () => {
    const junit = join(work, "junit.xml");
    const result = await runMain(["check", set, "--junit", junit]);
    assert.equal(result.code, 0, result.stderr);
    const names = JSON.parse(
      runPython(
        "import json, sys, xml.etree.ElementTree as E\n" +
          "root = E.parse(sys.argv[1]).getroot()\n" +
          "print(json.dumps([t.get('name') for t in root.iter('testcase')]))",
        [junit],
      ).toString(),
    );
    assert.deepEqual(names, [join(set, "evil\uFFFD]0;pwned\uFFFD\r\n::error::fake.png")]);
  });

  test("HTML report: a real HTML parser reads the name back", {
    skip: skipUnlessPython([]),
  }, async () => {
    const report = join(work, "report.html");
    const result = await runMain(["check", set, "--report", report]);
    assert.equal(result.code, 0, result.stderr);
    const headings = JSON.parse(
      runPython(
        "import json, sys\n" +
          "from html.parser import HTMLParser\n" +
          "class P(HTMLParser):\n" +
          "  def __init__(self):\n" +
          "    super().__init__(); self.depth = 0; self.texts = []\n" +
          "  def handle_starttag(self, tag, attrs):\n" +
          "    if tag == 'h2': self.depth += 1; self.texts.append('')\n" +
          "  def handle_endtag(self, tag):\n" +
          "    if tag == 'h2': self.depth -= 1\n" +
          "  def handle_data(self, data):\n" +
          "    if self.depth: self.texts[-1] += data\n" +
          "p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())\n" +
          "print(json.dumps(p.texts))",
        [report],
      ).toString(),
    );
    // HTML reads a CR LF in text as one newline, as browsers do.
    const lf = (text: string) => text.replace(/\r\n?/g, "\n");
    assert.ok(
      headings.some((text: string) => lf(text).includes(lf(evilPath))),
      `no heading holds the name: ${JSON.stringify(headings)}`,
    );
  });
});
