import type { Command } from "commander";
import { describeImage } from "../../proxy/describe.js";
import { isLoopback, type ProxyImageEvent, startProxy } from "../../proxy/server.js";
import { localUrl, runCommand } from "../../proxy/wrap.js";
import { proxyReportPage, type SentImage } from "../../report/index.js";
import { redactUrl } from "../../source/redact.js";
import { imageLine, summaryText } from "../format/proxy.js";
import { termSafe } from "../format/terminal.js";
import { type Io, write } from "../io.js";
import { settingValues } from "../options.js";
import { checkOutputs, writeFileAtomic } from "../output.js";
import { modelOptions, writeOutputs } from "./shared.js";

/**
 * Serves until Ctrl-C, or runs the command after `--` against the proxy. Exit: the command's
 * code, else 1 when an image broke a gate, else 0.
 */
export async function runProxy(commandLine: string[], command: Command, io: Io): Promise<number> {
  const { values } = settingValues(command);
  const { report } = command.opts<{ report?: string }>();
  const stderr = (text: string) => write(io.stderr, text).catch(() => undefined);
  if (report !== undefined) checkOutputs([{ option: "--report", path: report }], [], undefined);
  const seen = report === undefined ? undefined : new SentImages();
  const listen = values.listen;
  const proxy = await startProxy({
    ...modelOptions(values),
    ...(listen !== undefined && { listen }),
    ...(values.allowRemote !== undefined && { allowRemote: values.allowRemote }),
    ...(values.upstream !== undefined && { upstream: values.upstream }),
    ...(values.maxBody !== undefined && { maxBody: values.maxBody }),
    ...(values.log !== undefined && { log: values.log }),
    ...(values.saveImages !== undefined && { saveImages: values.saveImages }),
    ...(values.failOn !== undefined && { failOn: values.failOn }),
    ...(values.minQuality !== undefined && { minQuality: values.minQuality }),
    ...(seen && { keepBytes: true }),
    onImage: (event) => {
      seen?.add(event);
      void stderr(`${imageLine(event)}\n`);
    },
    onUpstreamError: (event) => void stderr(`${termSafe(event.message)}\n`),
  });
  if (listen !== undefined && !isLoopback(listen.host)) {
    await stderr(
      `imgenc proxy: warning: listening on ${termSafe(listen.host)}, not loopback: anyone who can reach it can use the API keys sent through it\n`,
    );
  }
  const target =
    values.upstream === undefined
      ? "answering itself (no --upstream)"
      : `forwarding to ${termSafe(redactUrl(values.upstream))}`;
  await stderr(`imgenc proxy: listening on ${proxy.url}, ${target}\n`);

  let code = 0;
  try {
    if (commandLine.length > 0) {
      await stderr(
        `imgenc proxy: running ${termSafe(commandLine.join(" "))} with OPENAI_BASE_URL=${localUrl(proxy.url)}/v1\n`,
      );
      code = await runCommand(commandLine, proxy.url, io);
    } else {
      await new Promise<void>((resolve) => {
        const release = io.onInterrupt?.(() => {
          release?.();
          resolve();
        });
      });
    }
  } finally {
    const summary = await proxy.close();
    await stderr(summaryText(summary));
    if (code === 0 && summary.failures.length > 0) code = 1;
    if (report !== undefined && seen) {
      const page = await proxyReportPage(seen.images, { generatedAt: new Date().toISOString() });
      const failures = await writeOutputs([async () => writeFileAtomic(report, page, [])]);
      for (const failure of failures) await stderr(`imgenc: ${termSafe(failure.toString())}\n`);
      if (failures.length > 0) code = 2;
    }
  }
  return code;
}

/** The page embeds images as sent up to this many bytes in all; later ones are described only. */
const EMBEDDED_BYTES = 64 * 1024 ** 2;

/** The images a report shows, their bytes kept up to the page's bound. */
class SentImages {
  readonly images: SentImage[] = [];
  #embedded = 0;

  add(event: ProxyImageEvent): void {
    const a = event.analysis;
    const image = a.report?.image;
    const bytes = event.bytes;
    const embed = bytes !== undefined && image && this.#embedded + bytes.length <= EMBEDDED_BYTES;
    if (embed) this.#embedded += bytes.length;
    this.images.push({
      title: `${event.method} ${event.path} image ${a.index}/${a.count}`,
      passed: event.failures.length === 0 && !a.findings.some((f) => f.severity === "error"),
      sent: {
        summary: describeImage(a),
        findings: a.findings,
        ...(embed && {
          image: {
            mime: a.report?.mime ?? "application/octet-stream",
            width: image.width,
            height: image.height,
            bytes,
          },
        }),
      },
    });
  }
}
