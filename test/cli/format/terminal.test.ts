import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { stripVTControlCharacters as plain } from "node:util";
import { shortenMiddle, wrapHanging } from "../../../src/cli/format/terminal.js";
import { colorLevel } from "../../../src/cli/io.js";
import { fixture, runMain } from "../../helpers/cli.js";

const ESC = "\u001b[";

test("shortenMiddle keeps the start and the file name, and the width exactly", () => {
  const path = "fixtures/some/very/long/folder/name/image.png";
  assert.equal(shortenMiddle(path, undefined), path);
  assert.equal(shortenMiddle(path, path.length), path);
  const short = shortenMiddle(path, 20);
  assert.equal([...short].length, 20);
  assert.equal(short, "fixtures/…/image.png");
  assert.equal(shortenMiddle(path, 1), "…");
});

test("wrapHanging fits the width, indents the rest, and leaves piped text on one line", () => {
  const words = "one two three four five six seven eight nine ten".split(" ");
  assert.deepEqual(wrapHanging("- ", words, undefined, 2), [`- ${words.join(" ")}`]);
  const lines = wrapHanging("- ", words, 16, 2);
  assert.deepEqual(lines, ["- one two three", "  four five six", "  seven eight", "  nine ten"]);
  // Colour does not count, and a word longer than a line is cut.
  const coloured = wrapHanging("* ", [`${ESC}2mcode${ESC}22m`, "x".repeat(25)], 12, 2);
  assert.deepEqual(coloured.map(plain), ["* code", "  xxxxxxxxxx", "  xxxxxxxxxx", "  xxxxx"]);
});

test("colour: --color and --no-color win, TERM=dumb turns it off", () => {
  assert.equal(colorLevel({ isTTY: true }, { TERM: "dumb" }), 0);
  assert.equal(colorLevel({ isTTY: false }, { TERM: "dumb", FORCE_COLOR: "1" }), 1);
  assert.equal(colorLevel({ isTTY: true }, { TERM: "xterm-256color" }), 1);
  assert.equal(colorLevel({ isTTY: false }, { NO_COLOR: "1" }, true), 1);
  assert.equal(colorLevel({ isTTY: true }, { FORCE_COLOR: "3" }, false), 0);
});

describe("output on a terminal", () => {
  const work = mkdtempSync(join(tmpdir(), "imgenc-width-"));
  const deep = join(work, "a-rather-long-folder-name", "and-another-one-below-it");
  const image = join(deep, "logo-with-transparent-background.png");
  before(() => {
    mkdirSync(deep, { recursive: true });
    copyFileSync(fixture("logo-alpha.png"), image);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  const fits = (stdout: string, width: number) => {
    for (const line of stdout.split("\n")) assert.ok(plain(line).length <= width, line);
  };

  test("compare fits 60 columns: the path shortened, findings wrapped under their text", async () => {
    const { code, stdout } = await runMain(["compare", image], { stdoutTTY: true, columns: 60 });
    assert.equal(code, 0);
    // The path, the payload table (base64 and type dropped, the label shortened) and the
    // findings fit; the metric rows keep their one line each.
    fits(plain(stdout).split("findings\n")[1] as string, 60);
    fits(plain(stdout).split("\n\ndifference")[0] as string, 60);
    assert.doesNotMatch(plain(stdout).split("\n\ndifference")[0] as string, /base64/);
    const source = stdout.split("\n")[0] as string;
    assert.match(plain(source), /^source \/.*….*logo-with-transparent-background\.png$/);
    assert.equal(plain(source).length, 60);
    const findings = plain(stdout).split("findings\n")[1] as string;
    const lines = findings.trimEnd().split("\n");
    assert.match(lines[0] as string, /^ {2}▲ 47,684 pixels/);
    assert.ok(lines.length > 4);
    for (const line of lines.slice(1)) assert.match(line, /^ {4}\S|^ {2}▲ /);
    assert.match(findings, /\[alpha-dropped\]/);
  });

  test("compare --client --server fits 80 columns: the least needed columns go first", async () => {
    const args = ["compare", fixture("logo-alpha.png"), "--client", "pillow,opencv,gradio"];
    const wide = await runMain([...args, "--server", "ollama-go"]);
    assert.match(wide.stdout, /^client +sends +as +bytes +data URI +changed /m);
    const { stdout } = await runMain([...args, "--server", "ollama-go"], {
      stdoutTTY: true,
      columns: 80,
    });
    fits(stdout, 80);
    assert.match(plain(stdout), /^client +sends +as +bytes +pixelmatch +PSNR +SSIM +findings$/m);
    assert.match(plain(stdout), /^pillow +JPEG q75 4:2:0 +data:image… +8,265 /m);
  });

  test("piped, the same report keeps whole paths and one line per finding", async () => {
    const { stdout } = await runMain(["compare", image]);
    assert.ok(stdout.startsWith(`source ${image}\n`));
    const findings = stdout.split("findings\n")[1] as string;
    assert.equal(findings.trimEnd().split("\n").length, 2);
    assert.ok(!stdout.includes(ESC));
  });

  test("inspect fits: heading shortened, long values wrapped; a TTY without a width is 80 wide", async () => {
    const { stdout } = await runMain(["inspect", image, "--no-color"], { stdoutTTY: true });
    fits(stdout, 80);
    assert.ok(!stdout.includes(ESC));
    const narrow = await runMain(["inspect", image], { stdoutTTY: true, columns: 40 });
    assert.equal(plain(narrow.stdout.split("\n")[0] as string).length, 40);
  });

  test("check shortens file names so the table fits", async () => {
    const { code, stdout } = await runMain(["check", work, "--no-color"], {
      stdoutTTY: true,
      columns: 90,
    });
    assert.equal(code, 0);
    fits(stdout, 90);
    // Narrower, the ratio column's heading shortens before the names are cut further.
    const narrow = await runMain(["check", work, "--no-color"], { stdoutTTY: true, columns: 76 });
    fits(narrow.stdout, 76);
    assert.match(narrow.stdout, /^ +image +PSNR +SSIM +mismatch +ratio +findings/m);
    assert.match(stdout, /…\w*ound\.png/);
    const piped = await runMain(["check", work]);
    assert.ok(piped.stdout.includes(image.slice(work.length + 1)) || piped.stdout.includes(image));
  });

  test("colour: on a TTY unless TERM=dumb or --no-color; --color forces it when piped", async () => {
    const args = ["inspect", fixture("grey.png")];
    assert.ok((await runMain(args, { stdoutTTY: true })).stdout.includes(ESC));
    const dumb = await runMain(args, { stdoutTTY: true, env: { TERM: "dumb" } });
    assert.ok(!dumb.stdout.includes(ESC));
    assert.ok(!(await runMain([...args, "--no-color"], { stdoutTTY: true })).stdout.includes(ESC));
    assert.ok((await runMain(["--color", ...args])).stdout.includes(ESC));
    assert.ok(
      (await runMain([...args, "--color"], { env: { NO_COLOR: "1" } })).stdout.includes(ESC),
    );
  });
});
