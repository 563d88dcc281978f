import { parentPort } from "node:worker_threads";
import { type CompareOptions, compare, diffPng } from "../compare.js";
import { isImgencError } from "../errors.js";
import type { CheckItem, CheckJob, ReportImages } from "./types.js";

/** One image per message: compare it and post the result (never throws to the pool). */
async function run(job: CheckJob): Promise<CheckItem> {
  const started = performance.now();
  const options: CompareOptions = { ...job.options, diff: job.images };
  try {
    const { report, artifacts } = await compare(job.file, undefined, options);
    const item: CheckItem = {
      file: job.file,
      status: report.passed ? "passed" : "failed",
      durationMs: performance.now() - started,
      report,
    };
    if (job.images) {
      const [lossless, lossy] = artifacts.payloads;
      const images: ReportImages = {
        source: {
          mime: lossless.mime,
          bytes: lossless.bytes,
          width: lossless.width,
          height: lossless.height,
        },
        lossy: { mime: lossy.mime, bytes: lossy.bytes, width: lossy.width, height: lossy.height },
      };
      if (artifacts.diff) {
        images.diff = {
          mime: "image/png",
          bytes: await diffPng(artifacts.diff),
          width: artifacts.diff.width,
          height: artifacts.diff.height,
        };
      }
      item.images = images;
    }
    return item;
  } catch (error) {
    const known = isImgencError(error);
    return {
      file: job.file,
      status: "error",
      durationMs: performance.now() - started,
      error: {
        code: known ? error.code : "internal",
        message: known ? error.message : `internal error: ${(error as Error)?.message ?? error}`,
      },
    };
  }
}

parentPort?.on("message", (job: CheckJob) => {
  run(job).then((item) => parentPort?.postMessage(item));
});
