import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runMain } from "../helpers/cli.js";

interface JsonFinding {
  code: string;
  severity: string;
  message: string;
  data?: Record<string, unknown>;
}

/** Relative paths: runMain runs in the repository root, as a user would. */
async function json(args: string[]): Promise<{ findings: JsonFinding[]; image?: unknown }> {
  const result = await runMain([...args, "--json"]);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0, result.stdout);
  return JSON.parse(result.stdout) as { findings: JsonFinding[] };
}

const codes = (findings: JsonFinding[]) => findings.map((f) => f.code).sort();

describe("imgenc and the pitfall fixtures", () => {
  test("compare prints the orientation finding with its code in brackets", async () => {
    const result = await runMain(["compare", "fixtures/rotated-exif6.jpg"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, "");
    const line = result.stdout.split("\n").find((l) => l.includes("[orientation-lost]"));
    assert.ok(line, result.stdout);
    assert.match(line, /EXIF orientation 6\b/);
    assert.match(line, /\[orientation-lost\]$/);
    assert.match(result.stdout, /\[second-jpeg-generation\]/);
  });

  test("compare --json: exactly the orientation and second-generation findings", async () => {
    const report = await json(["compare", "fixtures/rotated-exif6.jpg"]);
    assert.deepEqual(codes(report.findings), ["orientation-lost", "second-jpeg-generation"]);
    const orientation = report.findings.find((f) => f.code === "orientation-lost");
    assert.equal(orientation?.severity, "warning");
    assert.deepEqual(orientation?.data, { orientation: 6 });
  });

  test("compare --json on the clean photo: no findings", async () => {
    const report = await json(["compare", "fixtures/photo.png"]);
    assert.deepEqual(report.findings, []);
  });

  test("inspect --json on the animated GIF: frames-dropped with 3 frames", async () => {
    const report = await json(["inspect", "fixtures/animated.gif"]);
    assert.deepEqual(codes(report.findings), ["frames-dropped"]);
    assert.deepEqual(report.findings[0]?.data, { frames: 3 });
    assert.equal((report.image as { frames: number }).frames, 3);
  });

  test("inspect prints depth-reduced for 16-bit grey, with the clipped share", async () => {
    const result = await runMain(["inspect", "fixtures/grey16.png"]);
    assert.equal(result.code, 0, result.stderr);
    const line = result.stdout.split("\n").find((l) => l.includes("[depth-reduced]"));
    assert.ok(line, result.stdout);
    assert.match(line, /16 bits per channel become 8/);
    assert.match(line, /\d+(\.\d+)?% of pixels turn white/);
  });
});
