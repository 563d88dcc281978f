import { availableParallelism } from "node:os";
import { gatesOf } from "../gates.js";
import { ImageSpool } from "../report/spool.js";
import { serverFor } from "../server/index.js";
import {
  CONFIG_KEYS,
  SETTINGS,
  type SettingName,
  SOURCE_SETTINGS,
  validateOptions,
} from "../settings.js";
import { formatBytes } from "../source/limit.js";
import { redactSpec, redactText } from "../source/redact.js";
import { type CheckConfig, type CheckSettings, loadConfig, settingsFor } from "./config.js";
import { discover, type Shard, selectShard } from "./discover.js";
import { rankWorstFirst } from "./rank.js";
import {
  runCheck,
  WORKER_BASE_BYTES,
  WORKER_BYTES_PER_PIXEL,
  workerCount,
  workerMemoryBound,
} from "./run.js";
import type { CheckItem, CheckJob, CheckTotals } from "./types.js";

export interface CheckOptions extends CheckSettings {
  /**
   * A config file to read; undefined: imgenc.config.json or package.json's "imgenc" key, found
   * from the working directory upwards; false: none. The settings given here win over it.
   */
  config?: string | false;
  timeoutMs?: number;
  retries?: number;
  maxInputBytes?: number;
  maxInputPixels?: number;
  /** Images compared at once (worker threads); default: `cores`. */
  jobs?: number;
  /** CPU cores, for the default `jobs` and the warning above 4x; default: os.availableParallelism(). */
  cores?: number;
  /** Succeed when the paths hold no images (otherwise an "empty" error). */
  allowEmpty?: boolean;
  /** Only the index-th of count stable subsets of the images. */
  shard?: Shard;
  /** Finding codes or severities (a severity also takes worse ones) that fail an image. */
  failOn?: readonly string[];
  /**
   * Also keep what an HTML report embeds of each image (CheckItem.images). With `spool`, their
   * bytes wait in a temporary file in that folder, not in memory, until `close()`.
   */
  images?: boolean | { spool: string };
  /** Aborting stops the workers; check() resolves with what finished (totals.interrupted). */
  signal?: AbortSignal;
  /**
   * Called once the images are found, before any is read: `files` as found (unmasked), for a
   * caller that must check them first (an output that would overwrite one); throwing stops
   * the run.
   */
  onStart?: (start: CheckStart) => void | Promise<void>;
  /** Called as each image finishes, in finishing order, the item masked as in the result. */
  onItem?: (item: CheckItem, finished: number, total: number) => void;
}

export interface CheckStart {
  files: readonly string[];
  /** Worker threads the run starts. */
  workers: number;
  warnings: readonly CheckWarning[];
}

/** Worth saying before the run, not an error: more workers than 4x the cores only add memory. */
export interface CheckWarning {
  code: "jobs-over-cores";
  /** In the library's words: options named as CheckOptions spells them. */
  message: string;
  data: { jobs: number; workers: number; cores: number; workerBytes: number };
}

export interface CheckResult {
  /** Worst first: unreadable, then failed, then by PSNR; URLs' secrets masked. */
  items: CheckItem[];
  totals: CheckTotals;
  /** An interrupted run's images that were never compared (masked). */
  notRun: string[];
  workers: number;
  warnings: CheckWarning[];
  /** Frees the temporary file holding the report images; call it once the report is written. */
  close(): Promise<void>;
}

/** The settings check() validates, as CheckOptions names them. */
const CHECKED: readonly SettingName[] = [
  ...CONFIG_KEYS,
  ...SOURCE_SETTINGS,
  "jobs",
  "shard",
  "failOn",
];

const NO_CONFIG: CheckConfig = { file: undefined, defaults: {}, overrides: [], root: "." };

/**
 * The warning in words, options named by `name` (the library's names, or a CLI's flags), so
 * every front end says the same sentence.
 */
export function describeWarning(
  warning: CheckWarning,
  name: (setting: SettingName) => string = (s) => SETTINGS[s].name,
): string {
  const { jobs, workers, cores, workerBytes } = warning.data;
  return (
    `${name("jobs")} ${jobs} starts ${workers} workers on ${cores} CPU ${cores === 1 ? "core" : "cores"} (over 4x): ` +
    `no faster, and each may hold up to ${formatBytes(workerBytes)} (${formatBytes(WORKER_BASE_BYTES)} + ` +
    `${WORKER_BYTES_PER_PIXEL} bytes per pixel up to ${name("maxInputPixels")}), ${formatBytes(workerBytes * workers)} in all`
  );
}

function jobsWarning(
  jobs: number,
  workers: number,
  cores: number,
  maxInputPixels: number,
): CheckWarning[] {
  if (workers <= 4 * cores) return [];
  const warning: CheckWarning = {
    code: "jobs-over-cores",
    message: "",
    data: { jobs, workers, cores, workerBytes: workerMemoryBound(maxInputPixels) },
  };
  warning.message = describeWarning(warning);
  return [warning];
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

function job(
  file: string,
  settings: CheckSettings,
  options: CheckOptions,
  images: boolean,
): CheckJob {
  return {
    file,
    images,
    options: {
      timeoutMs: options.timeoutMs ?? SETTINGS.timeoutMs.default,
      retries: options.retries ?? SETTINGS.retries.default,
      maxInputBytes: options.maxInputBytes ?? SETTINGS.maxInputBytes.default,
      maxInputPixels: options.maxInputPixels ?? SETTINGS.maxInputPixels.default,
      ...(settings.lossless !== undefined && { lossless: settings.lossless }),
      ...(settings.client !== undefined && { client: settings.client }),
      jpeg: {
        quality: settings.quality ?? SETTINGS.quality.default,
        subsampling: settings.subsampling ?? SETTINGS.subsampling.default,
      },
      ...(settings.threshold !== undefined && { threshold: settings.threshold }),
      ...(settings.model !== undefined && { model: settings.model }),
      ...(settings.server !== undefined && { server: settings.server }),
      ...(settings.minPixels !== undefined && { minPixels: settings.minPixels }),
      ...(settings.maxPixels !== undefined && { maxPixels: settings.maxPixels }),
      gates: gatesOf(settings),
      ...(options.failOn !== undefined && { failOn: options.failOn }),
    },
  };
}

/**
 * Runs the compare analysis over every image under `specs` (files, folders, globs, URLs): the
 * config's defaults and per-glob overrides under the settings given, one image per worker
 * thread. An image that cannot be read is a failed item, not an error; the run goes on.
 */
export async function check(
  specs: readonly string[],
  options: CheckOptions = {},
): Promise<CheckResult> {
  validateOptions(options, CHECKED);
  // A model the server does not serve is a usage error before any image is read.
  if (options.server !== undefined) serverFor(options.server, options.model);
  const images = options.images ?? false;
  const spool = typeof images === "object" ? await ImageSpool.open(images.spool) : undefined;
  try {
    return await run(specs, options, images !== false, spool);
  } catch (error) {
    await spool?.close();
    throw error;
  }
}

async function run(
  specs: readonly string[],
  options: CheckOptions,
  wantImages: boolean,
  spool: ImageSpool | undefined,
): Promise<CheckResult> {
  const config = options.config === false ? NO_CONFIG : loadConfig(options.config);
  // The settings given win over the config and its overrides.
  const given: CheckSettings = {};
  for (const key of CONFIG_KEYS) {
    if (options[key] !== undefined) Object.assign(given, { [key]: options[key] });
  }
  const found = await discover([...specs], { allowEmpty: options.allowEmpty === true });
  let files = found.files;
  let problems = found.problems;
  if (options.shard) {
    const shard = options.shard;
    files = selectShard(files, shard);
    const inShard = new Set(
      selectShard(
        problems.map((p) => p.file),
        shard,
      ),
    );
    problems = problems.filter((p) => inShard.has(p.file));
  }
  const jobs = files.map((file) =>
    job(file, { ...settingsFor(config, file), ...given }, options, wantImages),
  );
  const failed: CheckItem[] = problems.map(({ file, code, message }) => ({
    file,
    status: "error",
    durationMs: 0,
    error: { code, message },
  }));
  const cores = options.cores ?? availableParallelism();
  const requested = options.jobs ?? cores;
  const workers = workerCount(requested, jobs.length);
  const warnings = jobsWarning(
    requested,
    workers,
    cores,
    options.maxInputPixels ?? SETTINGS.maxInputPixels.default,
  );
  await options.onStart?.({ files, workers, warnings });

  const stored: Promise<void>[] = [];
  const result = await runCheck(jobs, {
    jobs: requested,
    failed,
    ...(options.signal && { signal: options.signal }),
    onItem: (finished, done, total) => {
      const images = finished.images;
      if (spool && images) {
        stored.push(
          spool.store(images).then((kept) => {
            finished.images = kept;
          }),
        );
      }
      const perClient = finished.clientImages;
      if (spool && perClient) {
        perClient.forEach((each, k) => {
          if (each === undefined) return;
          stored.push(
            spool.store(each).then((kept) => {
              perClient[k] = kept;
            }),
          );
        });
      }
      options.onItem?.(shown(finished), done, total);
    },
  });
  await Promise.all(stored);
  const done = new Set(result.items.map((item) => item.file));
  return {
    items: rankWorstFirst(result.items.map(shown)),
    totals: result.totals,
    notRun: result.totals.interrupted
      ? files.filter((file) => !done.has(file)).map(redactSpec)
      : [],
    workers: result.workers,
    warnings,
    close: async () => {
      await spool?.close();
    },
  };
}
