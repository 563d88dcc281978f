import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fixture, runMain } from "../helpers/cli.js";
import { noisePng } from "../helpers/images.js";

interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  data: string;
}

/**
 * A workflow command line as the GitHub Actions runner reads it (ActionCommand.TryParseV2 in
 * actions/runner): `::name key=value,key=value::data`, properties and data unescaped.
 */
function parseCommand(line: string): WorkflowCommand | undefined {
  const trimmed = line.trim();
  if (!trimmed.startsWith("::")) return undefined;
  const end = trimmed.indexOf("::", 2);
  if (end < 0) return undefined;
  const head = trimmed.slice(2, end);
  const space = head.indexOf(" ");
  const command = space < 0 ? head : head.slice(0, space);
  const properties: Record<string, string> = {};
  if (space >= 0) {
    for (const pair of head.slice(space + 1).split(",")) {
      const eq = pair.indexOf("=");
      if (eq <= 0) continue;
      properties[pair.slice(0, eq)] = pair
        .slice(eq + 1)
        .replace(/%3A/g, ":")
        .replace(/%2C/g, ",")
        .replace(/%0D/g, "\r")
        .replace(/%0A/g, "\n")
        .replace(/%25/g, "%");
    }
  }
  const data = trimmed
    .slice(end + 2)
    .replace(/%0D/g, "\r")
    .replace(/%0A/g, "\n")
    .replace(/%25/g, "%");
  return { command, properties, data };
}

const commandsOf = (stdout: string) =>
  stdout
    .split(/\r?\n|\r/)
    .map(parseCommand)
    .filter((c) => c !== undefined);

const work = mkdtempSync(join(tmpdir(), "imgenc-reporter-"));
after(() => rmSync(work, { recursive: true, force: true }));

describe("check --reporter github", () => {
  const dir = join(work, "set");
  // A name that would inject a command and a property if it were written unescaped.
  const hostile = join(dir, "a,title=x:y%0A\n::error::injected\r%25.png");
  const good = join(dir, "grey.png");
  const summary = join(work, "summary.md");
  before(() => {
    mkdirSync(dir);
    copyFileSync(fixture("logo-alpha.png"), hostile);
    copyFileSync(fixture("grey.png"), good);
  });

  test("one error per failed gate and one warning per warning finding, names escaped", async () => {
    writeFileSync(summary, "earlier step\n");
    const r = await runMain(["check", dir, "--reporter", "github", "--min-psnr", "30"], {
      env: { GITHUB_STEP_SUMMARY: summary },
    });
    assert.equal(r.code, 1, r.stderr);
    const commands = commandsOf(r.stdout);
    // Every line that starts a command is one of imgenc's: the name injected none.
    assert.equal(
      r.stdout.split("\n").filter((l) => l.trim().startsWith("::")).length,
      commands.length,
    );
    assert.ok(commands.every((c) => c.properties.file === hostile));
    assert.deepEqual(
      commands.map((c) => [c.command, c.properties.title]),
      [
        ["error", "min-psnr"],
        ["warning", "alpha-dropped"],
        ["warning", "payload-larger-than-source"],
      ],
    );
    assert.equal(commands[0]?.data, "psnr 29.86 < 30");
    assert.deepEqual(Object.keys(commands[0]?.properties ?? {}), ["file", "title"]);
    // The table and verdict follow, for the log.
    assert.match(r.stdout, /failed: 1 of 2 images/);

    const md = readFileSync(summary, "utf8");
    assert.ok(md.startsWith("earlier step\n### imgenc check: failed: 1 of 2 images"), md);
    const rows = md.split("\n").filter((l) => l.startsWith("| FAIL"));
    assert.equal(rows.length, 1);
    // One line, the name's pipe-free and HTML-free, with both payload sizes and the metrics.
    assert.match(
      rows[0] ?? "",
      /\| 29\.86 dB \| 0\.9784 \| 1\.3% \| 4\.7 KiB \| 8\.1 KiB \| min-psnr \|$/,
    );
    assert.ok(!md.includes("grey.png"), "passed images are not in the failure table");
  });

  test("an unreadable image is an error annotation; without the variable no summary", async () => {
    const broken = join(work, "broken.png");
    writeFileSync(broken, "<html>not an image</html>");
    const r = await runMain(["check", broken, "--reporter", "github"]);
    assert.equal(r.code, 1);
    const [first] = commandsOf(r.stdout);
    assert.equal(first?.command, "error");
    assert.equal(first?.properties.file, broken);
    assert.match(first?.data ?? "", /image/);
  });

  test("--fail-on: a finding fails the image; its code is in the JSON", async () => {
    const out = join(work, "fail-on.json");
    const r = await runMain([
      "check",
      dir,
      "--fail-on",
      "alpha-dropped",
      "--json",
      "--output",
      out,
      "--reporter",
      "github",
    ]);
    assert.equal(r.code, 1, r.stderr);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    const failed = doc.images.filter((i: { status: string }) => i.status === "failed");
    assert.equal(failed.length, 1);
    assert.equal(failed[0].file, hostile);
    assert.deepEqual(failed[0].report.failedFindings, ["alpha-dropped"]);
    assert.deepEqual(
      commandsOf(r.stdout).map((c) => [c.command, c.properties.title]),
      [
        ["error", "alpha-dropped"],
        ["warning", "payload-larger-than-source"],
      ],
    );
    // stdout is the log: the table, not the JSON.
    assert.match(r.stdout, /alpha-dropped/);
    assert.doesNotMatch(r.stdout, /schemaVersion/);

    const severity = await runMain(["check", good, "--fail-on", "warning"]);
    assert.equal(severity.code, 0, severity.stdout);
    const unknown = await runMain(["check", good, "--fail-on", "no-such-code"]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--fail-on/);
  });

  test("JUnit testcases carry file=", async () => {
    const junit = join(work, "junit.xml");
    const r = await runMain(["check", good, "--junit", junit]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      readFileSync(junit, "utf8"),
      /<testcase classname="imgenc\.check" name="[^"]+grey\.png" file="[^"]+grey\.png" time=/,
    );
  });
});

describe("check --quiet, --verbose, --output", () => {
  const dir = join(work, "many");
  before(async () => {
    mkdirSync(dir);
    for (let i = 0; i < 12; i++)
      writeFileSync(join(dir, `n${String(i).padStart(2, "0")}.png`), await noisePng(12, 12));
  });

  const passRows = (stdout: string) =>
    stdout.split("\n").filter((l) => l.startsWith("pass  ")).length;

  test("non-TTY output lists 10 passed images; --verbose every one; --quiet none", async () => {
    const some = await runMain(["check", dir]);
    assert.equal(some.code, 0, some.stderr);
    assert.equal(passRows(some.stdout), 10);
    assert.match(some.stdout, /\(2 more passed\)/);
    const all = await runMain(["check", dir, "--verbose"]);
    assert.equal(passRows(all.stdout), 12);
    assert.doesNotMatch(all.stdout, /more passed/);
    const quiet = await runMain(["check", dir, "--quiet"]);
    assert.equal(passRows(quiet.stdout), 0);
    assert.equal(quiet.stdout, `${quiet.stdout.split("\n").at(-2)}\n`);
    assert.match(quiet.stdout, /^passed: 12 images/);
    const both = await runMain(["check", dir, "--quiet", "--verbose"]);
    assert.equal(both.code, 2);
  });

  test("--output takes --jsonl to a file, whole, and leaves stdout to the log", async () => {
    const out = join(work, "lines.jsonl");
    const r = await runMain(["check", dir, "--jsonl", "--output", out, "--quiet"]);
    assert.equal(r.code, 0, r.stderr);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 12);
    assert.ok(lines.every((l) => JSON.parse(l).status === "passed"));
    assert.match(r.stdout, /^passed: 12 images/);
  });

  test("--output needs --json or --jsonl; github and JSON cannot share stdout", async () => {
    const lone = await runMain(["check", dir, "--output", join(work, "x.json")]);
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--output writes the --json or --jsonl output/);
    const shared = await runMain(["check", dir, "--json", "--reporter", "github"]);
    assert.equal(shared.code, 2);
    assert.match(shared.stderr, /--output <file>/);
  });
});

describe("compare --reporter github", () => {
  test("annotations, --fail-on and the summary for one image", async () => {
    const summary = join(work, "compare.md");
    const out = join(work, "compare.json");
    const source = fixture("logo-alpha.png");
    const r = await runMain(
      [
        "compare",
        source,
        "--reporter",
        "github",
        "--fail-on",
        "error,alpha-dropped",
        "--json",
        "--output",
        out,
      ],
      { env: { GITHUB_STEP_SUMMARY: summary } },
    );
    assert.equal(r.code, 1, r.stderr);
    assert.deepEqual(
      commandsOf(r.stdout).map((c) => [c.command, c.properties.title, c.properties.file]),
      [
        ["error", "alpha-dropped", source],
        ["warning", "payload-larger-than-source", source],
      ],
    );
    assert.match(r.stdout, /failed: --fail-on: alpha-dropped/);
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")).failedFindings, ["alpha-dropped"]);
    assert.match(readFileSync(summary, "utf8"), /^### imgenc compare: failed: 1 of 1 images/);
  });

  test("a source that cannot be read is an error annotation, exit 2", async () => {
    const missing = join(work, "missing.png");
    const r = await runMain(["compare", missing, "--reporter", "github"]);
    assert.equal(r.code, 2);
    const [first] = commandsOf(r.stdout);
    assert.equal(first?.command, "error");
    assert.equal(first?.properties.file, missing);
    assert.equal(first?.properties.title, "not-found");
  });
});

describe("ask --reporter github", () => {
  let server: Server;
  let endpoint: string;
  before(async () => {
    // Answers the number for a PNG, a guess for anything else: the JPEG variant fails.
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on("end", () => {
        const content = body.includes("data:image/png") ? "48213" : "I cannot read it";
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: "x",
            object: "chat.completion",
            created: 0,
            model: "m",
            choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      });
    });
    server.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => server.close());

  test("a failed variant is an error annotation on the image", async () => {
    const summary = join(work, "ask.md");
    const source = fixture("grey.png");
    const r = await runMain(
      [
        "ask",
        source,
        "--endpoint",
        endpoint,
        "-m",
        "m",
        "-p",
        "number?",
        "--expect",
        "48213",
        "--reporter",
        "github",
      ],
      { env: { GITHUB_STEP_SUMMARY: summary } },
    );
    assert.equal(r.code, 1, r.stderr);
    const commands = commandsOf(r.stdout);
    assert.deepEqual(
      commands.map((c) => [c.command, c.properties.title, c.properties.file]),
      [["error", "pillow", source]],
    );
    assert.match(
      commands[0]?.data ?? "",
      /0 of 1 answers met the expectation; answered: I cannot read it/,
    );
    assert.match(
      readFileSync(summary, "utf8"),
      /\| FAIL \| pillow \| [\d.]+ KiB \| 0 of 1 answers/,
    );
  });

  test("--dataset: file= on each case, relative to the dataset's folder, in JUnit and annotations", async () => {
    const folder = join(work, "cases");
    mkdirSync(folder);
    copyFileSync(fixture("grey.png"), join(folder, "grey.png"));
    const dataset = join(folder, "cases.jsonl");
    writeFileSync(
      dataset,
      `${JSON.stringify({ image: "grey.png", prompt: "n?", expect: "48213" })}\n`,
    );
    const junit = join(work, "ask.xml");
    const out = join(work, "ask.jsonl");
    const r = await runMain([
      "ask",
      "--dataset",
      dataset,
      "--endpoint",
      endpoint,
      "-m",
      "m",
      "--no-cache",
      "--junit",
      junit,
      "--reporter",
      "github",
      "--jsonl",
      "--output",
      out,
    ]);
    assert.equal(r.code, 1, r.stderr);
    const image = join(folder, "grey.png");
    assert.deepEqual(
      commandsOf(r.stdout).map((c) => [c.command, c.properties.title, c.properties.file]),
      [["error", "pillow (line 1)", image]],
    );
    assert.equal(readFileSync(out, "utf8").trimEnd().split("\n").length, 1);
    const xml = readFileSync(junit, "utf8");
    assert.equal(xml.match(new RegExp(`file="${image.replace(/[.]/g, "\\.")}"`, "g"))?.length, 2);
  });
});
