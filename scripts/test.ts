/**
 * Runs the test suite in a few processes rather than one per file. Starting a process that
 * loads node:test, sharp and the pipeline's modules costs about 0.3 s of CPU; with 70-odd test
 * files that was a fifth of the suite's CPU on a 2-core machine. The files are dealt into
 * groups of about equal running time (from test/durations.json; a file not listed there counts
 * as the median), each group is one process importing its files, and node's runner runs the
 * groups three at a time and reports as usual.
 *
 *   node dist/scripts/test.js                 the whole suite, grouped
 *   node dist/scripts/test.js <file.test.js>  only those files, one process each
 *   node dist/scripts/test.js --durations     time each file alone; rewrite test/durations.json
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST_TESTS = join(ROOT, "dist", "test");
const DURATIONS = join(ROOT, "test", "durations.json");
/** Groups, and how many run at once: measured best on 2 cores (58 s against 66 s for 12/4). */
const GROUPS = 9;
const CONCURRENCY = 3;

function testFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...testFiles(path));
    else if (entry.name.endsWith(".test.js")) found.push(path);
  }
  return found.sort();
}

/** Seconds per file, keyed by its path under dist/test. */
function readDurations(): Record<string, number> {
  try {
    return JSON.parse(readFileSync(DURATIONS, "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Longest first, each into the group with the least time so far. */
function deal(
  files: readonly string[],
  seconds: (file: string) => number,
  count: number,
): string[][] {
  const groups = Array.from({ length: Math.min(count, files.length) }, () => ({
    total: 0,
    files: [] as string[],
  }));
  const order = [...files].sort((a, b) => seconds(b) - seconds(a) || a.localeCompare(b));
  for (const file of order) {
    const lightest = groups.reduce((min, g) => (g.total < min.total ? g : min));
    lightest.files.push(file);
    lightest.total += seconds(file);
  }
  return groups.map((g) => g.files.sort());
}

function node(args: string[]): number {
  const result = spawnSync(process.execPath, args, { stdio: "inherit" });
  return result.status ?? 1;
}

function runGrouped(files: string[]): number {
  const known = readDurations();
  const listed = Object.values(known).sort((a, b) => a - b);
  const median = listed[Math.floor(listed.length / 2)] ?? 1;
  const seconds = (file: string) => known[relative(DIST_TESTS, file)] ?? median;
  const dir = mkdtempSync(join(tmpdir(), "imgenc-test-groups-"));
  try {
    const entries = deal(files, seconds, GROUPS).map((group, i) => {
      const entry = join(dir, `group-${i + 1}.test.mjs`);
      const imports = group.map(
        (file) => `await import(${JSON.stringify(pathToFileURL(file).href)});`,
      );
      writeFileSync(entry, `${imports.join("\n")}\n`);
      return entry;
    });
    return node([
      "--test",
      `--test-concurrency=${CONCURRENCY}`,
      "--test-reporter=spec",
      ...entries,
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function measureDurations(files: string[]): number {
  const durations: Record<string, number> = {};
  for (const file of files) {
    const started = performance.now();
    const status = node(["--test", "--test-reporter=dot", file]);
    durations[relative(DIST_TESTS, file)] = Number(
      ((performance.now() - started) / 1000).toFixed(2),
    );
    if (status !== 0) return status;
  }
  writeFileSync(DURATIONS, `${JSON.stringify(durations, null, 2)}\n`);
  return 0;
}

const args = process.argv.slice(2);
if (args.includes("--durations")) {
  process.exitCode = measureDurations(testFiles(DIST_TESTS));
} else if (args.length > 0) {
  process.exitCode = node([
    "--test",
    `--test-concurrency=${CONCURRENCY}`,
    "--test-reporter=spec",
    ...args,
  ]);
} else {
  process.exitCode = runGrouped(testFiles(DIST_TESTS));
}
