import { dirname, resolve } from "node:path";
import { Chalk } from "chalk";
import type { Command } from "commander";
import { type CheckSettings, gatesOf, loadConfig, settingsFor } from "../../check/config.js";
import { discover, type Shard, selectShard } from "../../check/discover.js";
import { junitXml } from "../../check/junit.js";
import { rankWorstFirst } from "../../check/rank.js";
import {
  runCheck,
  WORKER_BASE_BYTES,
  WORKER_BYTES_PER_PIXEL,
  workerCount,
  workerMemoryBound,
} from "../../check/run.js";
import type { CheckItem, CheckJob } from "../../check/types.js";
import { ImgencError } from "../../errors.js";
import { ImageSpool } from "../../report/spool.js";
import { formatBytes } from "../../source/limit.js";
import { redactSpec, redactText } from "../../source/redact.js";
import { formatCheck, progressLine } from "../format/check.js";
import { colorLevel, type Io, write } from "../io.js";
import { assertDistinctOutputs, checkOutputs, writeFileAtomic } from "../output.js";
import { writeCheckReport } from "./report.js";
import { localInputs, printThenReport, type SourceFlags, writeOutputs } from "./shared.js";

interface Flags extends SourceFlags, CheckSettings {
  allowEmpty?: boolean;
  config?: string;
  jobs?: number;
  json?: boolean;
  jsonl?: boolean;
  junit?: string;
  report?: string;
  shard?: Shard;
}

const SETTING_FLAGS = [
  "quality",
  "subsampling",
  "lossless",
  "threshold",
  "model",
  "minPixels",
  "maxPixels",
  "minPsnr",
  "minSsim",
  "maxMismatch",
] as const satisfies readonly (keyof CheckSettings)[];

/** The item as JSON: the compare report, its verdict and error; never image bytes. */
function itemJson(item: CheckItem): object {
  const { images: _images, ...rest } = item;
  return rest;
}

/**
 * The item as every output shows it (table, JSON, JSONL, JUnit, report): a URL's password and
 * signatures masked. The image was read from the unmasked spec.
 */
function shown(item: CheckItem): CheckItem {
  const file = redactSpec(item.file);
  if (item.error === undefined) return file === item.file ? item : { ...item, file };
  return { ...item, file, error: { ...item.error, message: redactText(item.error.message) } };
}

function job(file: string, settings: CheckSettings, flags: Flags, images: boolean): CheckJob {
  return {
    file,
    images,
    options: {
      timeoutMs: flags.timeout * 1000,
      retries: flags.retries,
      maxInputBytes: flags.maxInputBytes,
      maxInputPixels: flags.maxInputPixels,
      ...(settings.lossless !== undefined && { lossless: settings.lossless }),
      jpeg: { quality: settings.quality ?? 75, subsampling: settings.subsampling ?? "4:2:0" },
      ...(settings.threshold !== undefined && { threshold: settings.threshold }),
      ...(settings.model !== undefined && { model: settings.model }),
      ...(settings.minPixels !== undefined && { minPixels: settings.minPixels }),
      ...(settings.maxPixels !== undefined && { maxPixels: settings.maxPixels }),
      gates: gatesOf(settings),
    },
  };
}

/**
 * More workers than 4x the cores only add memory: one line saying so, with what each may hold
 * and the total that adds up to (undefined when the count is reasonable or the cores unknown).
 */
function jobsWarning(
  requested: number,
  workers: number,
  cores: number | undefined,
  flags: Flags,
): string | undefined {
  if (cores === undefined || workers <= 4 * cores) return undefined;
  const each = workerMemoryBound(flags.maxInputPixels);
  return (
    `imgenc: warning: --jobs ${requested} starts ${workers} workers on ${cores} CPU cores (over 4x): ` +
    `no faster, and each may hold up to ${formatBytes(each)} (${formatBytes(WORKER_BASE_BYTES)} + ` +
    `${WORKER_BYTES_PER_PIXEL} bytes per pixel up to --max-input-pixels), ${formatBytes(each * workers)} in all\n`
  );
}

export async function runCheckCommand(specs: string[], command: Command, io: Io): Promise<number> {
  const report = command.opts<Flags>().report;
  // The report's images wait in a file beside it, not in memory, until the page is written.
  const spool = report === undefined ? undefined : await ImageSpool.open(dirname(resolve(report)));
  try {
    return await check(specs, command, io, spool);
  } finally {
    await spool?.close();
  }
}

async function check(
  specs: string[],
  command: Command,
  io: Io,
  spool: ImageSpool | undefined,
): Promise<number> {
  const flags = command.opts<Flags>();
  if (flags.json && flags.jsonl)
    throw new ImgencError("usage", "--json and --jsonl both want stdout; pick one");
  const outputs = [
    ...(flags.junit !== undefined ? [{ option: "--junit", path: flags.junit }] : []),
    ...(flags.report !== undefined ? [{ option: "--report", path: flags.report }] : []),
  ];
  assertDistinctOutputs(outputs);
  const config = loadConfig(flags.config);
  // Flags given on the command line win over the config and its overrides.
  const fromFlags: CheckSettings = {};
  for (const name of SETTING_FLAGS) {
    if (command.getOptionValueSource(name) === "cli")
      Object.assign(fromFlags, { [name]: flags[name] });
  }
  const found = await discover(specs, { allowEmpty: flags.allowEmpty === true });
  let files = found.files;
  let problems = found.problems;
  if (flags.shard) {
    const shard = flags.shard;
    files = selectShard(files, shard);
    const inShard = new Set(
      selectShard(
        problems.map((p) => p.file),
        shard,
      ),
    );
    problems = problems.filter((p) => inShard.has(p.file));
  }
  const inputs = localInputs(files);
  checkOutputs(outputs, inputs);
  const wantImages = flags.report !== undefined;
  const jobs = files.map((file) =>
    job(file, { ...settingsFor(config, file), ...fromFlags }, flags, wantImages),
  );
  const failed: CheckItem[] = problems.map(({ file, code, message }) => ({
    file,
    status: "error",
    durationMs: 0,
    error: { code, message },
  }));
  const requested = flags.jobs ?? io.cores ?? 1;
  const warning = jobsWarning(requested, workerCount(requested, jobs.length), io.cores, flags);
  if (warning !== undefined) await write(io.stderr, warning);

  const chalk = new Chalk({ level: colorLevel(io.stdout, io.env) });
  const progress = io.stderr.isTTY === true && !io.env.CI;
  const columns = (io.stderr as { columns?: number }).columns ?? 80;
  const controller = new AbortController();
  const unregister = io.onInterrupt?.(() => controller.abort());
  const pending: Promise<void>[] = [];
  // A failed stdout is reported after the files are written: they may be all that is left.
  let stdoutFailure: unknown;
  const keep = (written: Promise<void>) =>
    pending.push(
      written.catch((error: unknown) => {
        stdoutFailure ??= error;
      }),
    );
  const run = await runCheck(jobs, {
    jobs: requested,
    failed,
    signal: controller.signal,
    onItem: (finished, done, total) => {
      const images = finished.images;
      if (spool && images) {
        pending.push(
          spool.store(images).then((stored) => {
            finished.images = stored;
          }),
        );
      }
      const item = shown(finished);
      if (flags.jsonl)
        keep(
          write(
            io.stdout,
            `${JSON.stringify(itemJson(item))}
`,
          ),
        );
      if (progress) keep(write(io.stderr, progressLine(done, total, item.file, columns)));
    },
  }).finally(() => unregister?.());
  await Promise.all(pending);
  if (progress) await write(io.stderr, "\r\u001b[K");

  const items = run.items.map(shown);
  const ranked = rankWorstFirst(items);
  const finished = new Set(run.items.map((item) => item.file));
  const notRun = run.totals.interrupted
    ? files.filter((file) => !finished.has(file)).map(redactSpec)
    : [];
  const { junit, report } = flags;
  const failures = await writeOutputs([
    junit !== undefined
      ? () => writeFileAtomic(junit, junitXml(ranked, run.totals, { notRun }), inputs)
      : undefined,
    report !== undefined ? () => writeCheckReport(report, ranked, run.totals, inputs) : undefined,
  ]);
  const code = run.totals.interrupted ? 130 : run.totals.failed + run.totals.errors === 0 ? 0 : 1;
  return printThenReport(
    io,
    failures,
    async () => {
      if (stdoutFailure !== undefined) throw stdoutFailure;
      if (flags.json) {
        const doc = { schemaVersion: 1, images: ranked.map(itemJson), totals: run.totals };
        await write(io.stdout, `${JSON.stringify(doc, null, 2)}\n`);
      } else if (!flags.jsonl) {
        await write(io.stdout, formatCheck(items, run.totals, chalk));
      }
    },
    code,
  );
}
