import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { check, describeWarning } from "../../src/check/index.js";
import { workerMemoryBound } from "../../src/check/run.js";
import { checkReportPage } from "../../src/report/index.js";
import { SETTINGS } from "../../src/settings.js";
import { fixture } from "../helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "imgenc-check-core-"));
const set = join(work, "set");
const FILES = ["broken.png", "gradient.png", "grey.png", "text-and-lines.png"];

before(() => {
  mkdirSync(set, { recursive: true });
  for (const name of FILES.slice(1)) copyFileSync(fixture(name), join(set, name));
  writeFileSync(join(set, "broken.png"), "<!DOCTYPE html><p>502</p>");
});

async function text(page: AsyncIterable<string>): Promise<string> {
  let out = "";
  for await (const chunk of page) out += chunk;
  return out;
}

describe("check(), called as a library", () => {
  test("a folder: items worst first, totals, and onStart before any onItem", async () => {
    const events: string[] = [];
    const result = await check([set], {
      config: false,
      minPsnr: 30,
      jobs: 2,
      cores: 2,
      onStart: ({ files, workers, warnings }) => {
        events.push(`start ${files.length} files, ${workers} workers, ${warnings.length} warnings`);
      },
      onItem: (item, finished, total) => events.push(`${finished}/${total} ${item.status}`),
    });
    try {
      assert.equal(events[0], "start 4 files, 2 workers, 0 warnings");
      assert.deepEqual(
        events.slice(1).map((e) => e.split(" ")[0]),
        ["1/4", "2/4", "3/4", "4/4"],
      );
      const [first, ...rest] = result.items;
      assert.equal(first?.file, join(set, "broken.png"));
      assert.equal(first?.status, "error");
      assert.equal(first?.error?.code, "not-image");
      const text = rest.find((i) => i.file.endsWith("text-and-lines.png"));
      assert.equal(text?.status, "failed", "PSNR 19.7 dB is under the gate of 30");
      const statuses = result.items.map((i) => i.status);
      assert.deepEqual(
        statuses,
        [...statuses].sort((a, b) => order(a) - order(b)),
      );
      assert.deepEqual(
        [result.totals.images, result.totals.errors, result.totals.interrupted],
        [4, 1, false],
      );
      assert.equal(result.totals.passed + result.totals.failed, 3);
      assert.deepEqual(result.notRun, []);
      assert.deepEqual(result.warnings, []);
      assert.ok(result.items.every((i) => i.images === undefined));
    } finally {
      await result.close();
    }
  });

  test("the settings given win over the config and its overrides, which win over defaults", async () => {
    const config = join(work, "imgenc.json");
    writeFileSync(
      config,
      JSON.stringify({ minPsnr: 60, overrides: [{ files: "set/text-*.png", quality: 95 }] }),
    );
    const quality = (items: Awaited<ReturnType<typeof check>>["items"]) =>
      Object.fromEntries(
        items
          .filter((i) => i.report)
          .map((i) => [i.file.slice(set.length + 1), i.report?.payloads[1].jpeg?.quality]),
      );
    const limits = (items: Awaited<ReturnType<typeof check>>["items"]) => [
      ...new Set(items.flatMap((i) => i.report?.gates.map((g) => g.limit) ?? [])),
    ];

    const fromConfig = await check([set], { config });
    assert.deepEqual(quality(fromConfig.items), {
      "gradient.png": SETTINGS.quality.default,
      "grey.png": SETTINGS.quality.default,
      "text-and-lines.png": 95,
    });
    assert.deepEqual(limits(fromConfig.items), [60]);

    const given = await check([set], { config, minPsnr: 10, quality: 80 });
    assert.deepEqual(quality(given.items), {
      "gradient.png": 80,
      "grey.png": 80,
      "text-and-lines.png": 80,
    });
    assert.deepEqual(limits(given.items), [10]);
  });

  test("over 4x the cores: a warning as data, in the library's words", async () => {
    const dir = join(work, "five");
    mkdirSync(dir);
    for (let i = 0; i < 5; i++) copyFileSync(fixture("grey.png"), join(dir, `tile-${i}.png`));
    let started: readonly unknown[] = [];
    const result = await check([dir], {
      config: false,
      jobs: 256,
      cores: 1,
      maxInputPixels: 1_000_000,
      onStart: ({ warnings }) => {
        started = warnings;
      },
    });
    assert.equal(result.totals.passed, 5);
    assert.equal(result.workers, 5);
    const [warning] = result.warnings;
    assert.deepEqual(warning?.data, {
      jobs: 256,
      workers: 5,
      cores: 1,
      workerBytes: workerMemoryBound(1_000_000),
    });
    assert.equal(warning?.code, "jobs-over-cores");
    assert.equal(
      warning?.message,
      "jobs 256 starts 5 workers on 1 CPU core (over 4x): no faster, and each may hold up to 55.3 MB (40 MB + 16 bytes per pixel up to maxInputPixels), 276 MB in all",
    );
    // A front end names the options its own way; the sentence is the same.
    assert.match(
      describeWarning(warning as NonNullable<typeof warning>, (key) => `--${key}`),
      /^--jobs 256 starts 5 workers .* up to --maxInputPixels\), 276 MB in all$/,
    );
    assert.deepEqual(started, result.warnings);
    await result.close();
  });

  test("prints nothing, even with a warning and unreadable images: a process of its own", () => {
    const dir = join(work, "five-quiet");
    mkdirSync(dir);
    for (let i = 0; i < 5; i++) copyFileSync(fixture("grey.png"), join(dir, `tile-${i}.png`));
    writeFileSync(join(dir, "broken.png"), "not an image");
    const out = join(work, "quiet.json");
    const script = `
      import { writeFileSync } from "node:fs";
      const { check } = await import(${JSON.stringify(new URL("../../src/check/index.js", import.meta.url).href)});
      const result = await check([${JSON.stringify(dir)}], { config: false, jobs: 256, cores: 1 });
      await result.close();
      writeFileSync(${JSON.stringify(out)}, JSON.stringify({ warnings: result.warnings.length, totals: result.totals }));
    `;
    // A file, not -e: worker threads inherit the parent's flags, and --input-type stops them.
    const file = join(work, "quiet.mjs");
    writeFileSync(file, script);
    const child = spawnSync(process.execPath, [file], { encoding: "utf8" });
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout, "");
    assert.equal(child.stderr, "");
    const seen = JSON.parse(readFileSync(out, "utf8"));
    assert.deepEqual([seen.warnings, seen.totals.passed, seen.totals.errors], [1, 5, 1]);
  });

  test("report images stay in memory, or wait in a spool file that close() frees", async () => {
    const file = join(set, "grey.png");
    const inMemory = await check([file], { config: false, images: true });
    const image = inMemory.items[0]?.images?.source;
    assert.ok(image?.bytes instanceof Uint8Array);

    const folder = mkdtempSync(join(work, "spool-"));
    const spooled = await check([file], { config: false, images: { spool: folder } });
    const stored = spooled.items[0]?.images?.source.bytes;
    assert.ok(stored !== undefined && !(stored instanceof Uint8Array), "bytes are in the file");
    assert.deepEqual(Buffer.from(await stored.read()), Buffer.from(image.bytes));
    // Unlinked as soon as it is open: nothing to see beside the report, even now.
    assert.deepEqual(readdirSync(folder), []);
    const page = await text(await checkReportPage(spooled.items, spooled.totals));
    assert.match(page, /<title>imgenc check: 1 images<\/title>/);
    assert.ok(
      page.includes(`data:image/png;base64,${Buffer.from(image.bytes).toString("base64")}`),
    );
    await spooled.close();
    await assert.rejects(stored.read());
    await inMemory.close();
  });

  test("a signal aborted before the run: interrupted, every image not run", async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await check([set], { config: false, signal: controller.signal });
    assert.equal(result.totals.interrupted, true);
    assert.deepEqual(result.items, []);
    assert.deepEqual(
      result.notRun,
      FILES.map((name) => join(set, name)),
    );
  });

  test("shards are disjoint and together hold every image", async () => {
    const files = async (index: number) =>
      (await check([set], { config: false, shard: { index, count: 2 } })).items.map((i) => i.file);
    const [a, b] = [await files(1), await files(2)];
    assert.equal(a.filter((f) => b.includes(f)).length, 0);
    assert.deepEqual(
      [...a, ...b].sort(),
      FILES.map((name) => join(set, name)),
    );
  });
});

function order(status: string): number {
  return ["error", "failed", "passed"].indexOf(status);
}
