/**
 * Peak memory of `imgenc check --report` over camera-sized photos: the resident set of the
 * whole process (main thread and worker threads), as GNU time's "Maximum resident set size".
 *
 * - Generates, deterministically, N (default 20) 6000x4000 photo-like PNGs under
 *   .bench/report-memory-v1/ (git-ignored) and reuses them.
 * - Runs `/usr/bin/time -v node bin/imgenc.js check <photos> --jobs 2 --report <tmp> --json`,
 *   checks that every image was compared and that the page was written with each photo
 *   embedded at preview size, and prints the peak RSS against the 2 GB target.
 *
 * It is a measurement, not a test: exit 0 when the run worked (whatever the figure), 1 when it
 * could not run or the report is wrong.
 *
 * Usage: `npm run bench:report-memory` (builds first) or
 * `node dist/scripts/report-memory.js [--count N] [--jobs N]`.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { rename } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { paintPhoto } from "./photo.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "imgenc.js");
const GENERATOR_VERSION = 1;
const DATA_DIR = join(ROOT, ".bench", `report-memory-v${GENERATOR_VERSION}`);
const WIDTH = 6000;
const HEIGHT = 4000;
const GNU_TIME = "/usr/bin/time";
const TARGET_BYTES = 2e9;

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at === -1) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} wants a positive integer`);
  return value;
}

function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function photos(count: number): Promise<string[]> {
  mkdirSync(DATA_DIR, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = join(DATA_DIR, `photo-${String(i).padStart(3, "0")}-${WIDTH}x${HEIGHT}.png`);
    if (!existsSync(file)) {
      log(`generating ${file}`);
      const rgb = paintPhoto(WIDTH, HEIGHT, 0x1a2b3c4d + i * 7919);
      // A temporary name first: an interrupted run must not leave a truncated photo behind.
      await sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } })
        .png()
        .toFile(`${file}.part`);
      await rename(`${file}.part`, file);
    }
    files.push(file);
  }
  return files;
}

async function main(): Promise<number> {
  const count = option("--count", 20);
  const jobs = option("--jobs", 2);
  if (!existsSync(GNU_TIME)) {
    log(`${GNU_TIME} not found (apt-get install time)`);
    return 1;
  }
  const files = await photos(count);
  const work = mkdtempSync(join(tmpdir(), "imgenc-report-memory-"));
  try {
    const report = join(work, "report.html");
    const args = [
      "-v",
      process.execPath,
      BIN,
      "check",
      ...files,
      "--jobs",
      String(jobs),
      "--report",
      report,
      "--json",
    ];
    log(`running imgenc check over ${count} photos of ${WIDTH}x${HEIGHT}, --jobs ${jobs}`);
    const started = performance.now();
    const run = spawnSync(GNU_TIME, args, {
      cwd: ROOT,
      encoding: "utf8",
      maxBuffer: 256 * 1024 * 1024,
    });
    const seconds = (performance.now() - started) / 1000;
    // GNU time appends its table to the command's own stderr.
    const own = run.stderr.split("\tCommand being timed:")[0]?.trim() ?? "";
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr)?.[1];
    if (rss === undefined) {
      log(`no figure from GNU time:\n${run.stderr.slice(-2000)}`);
      return 1;
    }
    const peak = Number(rss) * 1024;
    // check exits 1 when a gate fails; there are no gates here, so anything but 0 is a failure.
    if (run.status !== 0) {
      log(`imgenc check exited ${run.status} (peak RSS ${Number(rss) * 1024} bytes):\n${own}`);
      return 1;
    }
    const doc = JSON.parse(run.stdout) as { totals: { images: number; errors: number } };
    if (doc.totals.images !== count || doc.totals.errors !== 0) {
      log(`expected ${count} images and no errors, got ${JSON.stringify(doc.totals)}`);
      return 1;
    }
    const html = readFileSync(report, "utf8");
    const scaled = html.match(/shown at \d+%: 6000×4000 → \d+×\d+/g) ?? [];
    if (scaled.length !== count) {
      log(`expected ${count} photos embedded at preview size, the page says so ${scaled.length}x`);
      return 1;
    }
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    const verdict = peak < TARGET_BYTES ? "PASS" : "FAIL";
    process.stdout.write(
      `check --report, ${count} photos of ${WIDTH}x${HEIGHT}, --jobs ${jobs}: ` +
        `peak RSS ${mb(peak)} (target < ${mb(TARGET_BYTES)}: ${verdict}), ` +
        `report ${mb(statSync(report).size)}, ${seconds.toFixed(1)} s\n`,
    );
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  log(`report-memory: ${(error as Error).message}`);
  process.exitCode = 1;
}
