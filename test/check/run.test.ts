import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, test } from "node:test";
import { idleWorkerIds, runCheck, workerCount, workerMemoryBound } from "../../src/check/run.js";
import type { CheckItem, CheckJob } from "../../src/check/types.js";
import { fixture } from "../helpers/cli.js";

function job(file: string): CheckJob {
  return { file, images: false, options: { gates: {} } };
}

describe("runCheck", () => {
  test("a later run in the same process reuses the workers of an earlier one", async () => {
    const jobs = ["grey.png", "gradient.png", "photo.png"].map((name) => job(fixture(name)));
    const first = await runCheck(jobs, { jobs: 2 });
    assert.equal(first.totals.passed, 3);
    const kept = idleWorkerIds();
    assert.equal(kept.length, Math.min(2, availableParallelism()));
    const second = await runCheck(jobs, { jobs: 2 });
    assert.equal(second.totals.passed, 3);
    assert.deepEqual(idleWorkerIds().sort(), [...kept].sort(), "no worker was started anew");
  });

  test("never starts more workers than there are images", async () => {
    const jobs = ["grey.png", "gradient.png"].map((name) => job(fixture(name)));
    const run = await runCheck(jobs, { jobs: 256 });
    assert.equal(run.workers, 2);
    assert.deepEqual(run.items.map((i) => i.status).sort(), ["passed", "passed"]);
    assert.equal(workerCount(256, 2), 2);
    assert.equal(workerCount(3, 200), 3);
    assert.equal(workerCount(0, 5), 1);
  });

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
    // Nothing left to compare: no worker is started at all.
    const only = await runCheck([], { jobs: 4, failed });
    assert.deepEqual([only.workers, only.totals.errors], [0, 1]);
  });

  test("the stated memory bound per worker grows with --max-input-pixels", () => {
    assert.equal(workerMemoryBound(0), 40 * 1024 ** 2);
    assert.equal(workerMemoryBound(100_000_000), 40 * 1024 ** 2 + 16 * 100_000_000);
  });
});
