import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runMain } from "../helpers/cli.js";

const missing = (input: string) => ({ code: "not-found", input, message: "no such file" });
const document = (error: object) => `${JSON.stringify({ schemaVersion: 1, error })}\n`;

describe("with --json or --jsonl an error is a JSON document on stdout too", () => {
  const cases: Array<{ args: string[]; error: { code: string; input?: string; message: string } }> =
    [
      { args: ["compare", "nope.png", "--json"], error: missing("nope.png") },
      { args: ["inspect", "nope.png", "--json"], error: missing("nope.png") },
      { args: ["inspect", "--request", "nope.json", "--json"], error: missing("nope.json") },
      {
        args: ["check", "nope/*.png", "--jsonl"],
        error: { code: "usage", input: "nope/*.png", message: "no files match this pattern" },
      },
      {
        args: ["ask", "nope.png", "--json", "--prompt", "what?"],
        error: { code: "usage", message: "ask needs --endpoint <url>" },
      },
      {
        args: ["compare", "nope.png", "--json", "--bogus"],
        error: { code: "usage", message: "unknown option '--bogus' (see imgenc compare --help)" },
      },
    ];
  for (const { args, error } of cases) {
    test(args.join(" "), async () => {
      const result = await runMain(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, document(error));
      const line = error.input === undefined ? error.message : `${error.input}: ${error.message}`;
      assert.equal(result.stderr, `imgenc: ${line}\n`);
    });
  }

  test("secrets in a URL stay masked in the document", async () => {
    const url = "http://user:hunter2@127.0.0.1:9/x.png?X-Amz-Signature=abcdef";
    const result = await runMain(["compare", url, "--json", "--retries", "0"]);
    assert.equal(result.code, 2);
    const { error } = JSON.parse(result.stdout);
    assert.equal(error.code, "network");
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2|abcdef/);
    assert.match(error.input, /^http:\/\/user:\*\*\*@127\.0\.0\.1:9\/x\.png/);
  });

  test("without --json, or after --, nothing is printed on stdout", async () => {
    for (const args of [
      ["compare", "nope.png"],
      ["compare", "nope.png", "--", "--json"],
    ]) {
      const result = await runMain(args);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, "");
    }
  });
});
