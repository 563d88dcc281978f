import { parentPort } from "node:worker_threads";
import { type CompareOptions, compare } from "../compare.js";
import { isImgencError } from "../errors.js";
import { reportImages } from "../report/images.js";
import type { CheckItem, CheckJob } from "./types.js";

/** One image per message: compare it and post the result (never throws to the pool). */
async function run(job: CheckJob): Promise<CheckItem> {
  const started = performance.now();
  const options: CompareOptions = { ...job.options, diff: job.images, pixels: job.images };
  try {
    const { report, artifacts } = await compare(job.file, undefined, options);
    const item: CheckItem = {
      file: job.file,
      status: report.passed ? "passed" : "failed",
      durationMs: performance.now() - started,
      report,
    };
    // Previews are made here, so a large image's full-size pixels and payloads never reach the
    // main thread, which holds every item until the report is written.
    if (job.images && artifacts.clients !== undefined && artifacts.clients.length > 1) {
      const [lossless] = artifacts.payloads;
      item.clientImages = [];
      for (const made of artifacts.clients) {
        item.clientImages.push(
          made.pixels &&
            (await reportImages({
              payloads: [lossless, made.payload],
              pixels: made.pixels,
              ...(made.diff && { diff: made.diff }),
            })),
        );
      }
    } else if (job.images && artifacts.pixels) {
      item.images = await reportImages({
        payloads: artifacts.payloads,
        pixels: artifacts.pixels,
        ...(artifacts.diff && { diff: artifacts.diff }),
      });
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
