import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runCheck } from "../../src/check/run.js";
import type { CheckItem, CheckJob } from "../../src/check/types.js";
import { fixture } from "../helpers/cli.js";

function job(file: string): CheckJob {
  return { file, images: false, options: { gates: {} } };
}

describe("runCheck", () => {
  test("cases failed while discovering are recorded first and counted", async () => {
    const failed: CheckItem[] = [
      {
        file: "shots/locked",
        status: "error",
        durationMs: 0,
        error: { code: "unreadable", message: "permission denied" },
      },
    ];
    const seen: [string, number, number][] = [];
    const run = await runCheck([job(fixture("grey.png"))], {
      jobs: 1,
      failed,
      onItem: (item, done, total) => seen.push([item.file, done, total]),
    });
    assert.deepEqual(seen, [
      ["shots/locked", 1, 2],
      [fixture("grey.png"), 2, 2],
    ]);
    assert.deepEqual([run.totals.images, run.totals.errors, run.totals.passed], [2, 1, 1]);
    const only = await runCheck([], { jobs: 4, failed });
    assert.equal(only.totals.errors, 1);
  });
});
