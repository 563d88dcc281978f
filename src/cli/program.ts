import { readFileSync } from "node:fs";
import { Command, Option } from "commander";
import { WORKER_BASE_BYTES, WORKER_BYTES_PER_PIXEL } from "../check/run.js";
import { MODELS } from "../models/registry.js";
import { findingCodesHelp } from "./format/findings.js";
import type { Io } from "./io.js";
import {
  byteSize,
  MAX_TIMEOUT_SECONDS,
  mismatchLimit,
  numberIn,
  positiveNumber,
  shard,
} from "./options.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}

/** Options shared by every command that reads sources. */
function addSourceOptions(command: Command): Command {
  return command
    .option(
      "--timeout <seconds>",
      "deadline for a URL (connect, headers and body), stdin or a pipe to deliver all its data",
      positiveNumber(`a number of seconds above 0 and at most ${MAX_TIMEOUT_SECONDS}`, {
        max: MAX_TIMEOUT_SECONDS,
      }),
      30,
    )
    .option(
      "--retries <count>",
      "retries for transient URL failures (reset, 502, 503, 504), with backoff",
      numberIn(0, 10, { integer: true }),
      2,
    )
    .option(
      "--max-input-bytes <size>",
      "largest source accepted (e.g. 50MB, 512k)",
      byteSize,
      50 * 1024 ** 2,
    )
    .option(
      "--max-input-pixels <count>",
      "largest image accepted, in pixels, checked before decoding",
      numberIn(1, 2 ** 40, { integer: true }),
      100_000_000,
    );
}

/** --model and the Qwen pixel limits, shared by compare and inspect. */
function addModelOptions(command: Command): Command {
  return addQwenLimits(
    command.addOption(
      new Option(
        "--model <name>",
        "also show what this model's preprocessing makes of the image",
      ).choices(MODELS),
    ),
  );
}

function addQwenLimits(command: Command): Command {
  return command
    .option(
      "--min-pixels <count>",
      "Qwen models: override min_pixels",
      numberIn(1, 2 ** 40, { integer: true }),
    )
    .option(
      "--max-pixels <count>",
      "Qwen models: override max_pixels",
      numberIn(1, 2 ** 40, { integer: true }),
    );
}

/** The CI gates, the same for one image (compare) and many (check). */
function addGateOptions(command: Command): Command {
  return command
    .option("--min-psnr <dB>", "gate: fail (exit 1) when PSNR is below this", numberIn(0, 1000))
    .option("--min-ssim <0-1>", "gate: fail when SSIM is below this", numberIn(0, 1))
    .option(
      "--max-mismatch <count|N%>",
      "gate: fail when more pixels than this differ perceptibly (pixelmatch)",
      mismatchLimit,
    );
}

/**
 * The commander program. Commands import their implementation (and with it sharp) only when they
 * run, so --help and --version stay as fast as Node itself.
 */
export function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command("imgenc")
    .description("See what encoding an image for a vision-language model does to it.")
    .version(version(), "-V, --version")
    .option("--debug", "print stack traces for errors")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // main() prints usage errors in imgenc's own one-line voice.
      outputError: () => undefined,
    });

  const compare = program
    .command("compare")
    .summary("compare a lossless payload with the Pillow-default JPEG, or two images")
    .description(
      "Build the lossless payload and the JPEG that Pillow's default save produces (quality 75, " +
        "4:2:0) from one read of <source>, and measure what the JPEG loses. With [other], compare " +
        "the two images as given, e.g. the URL a server fetches against the data URI a client sent. " +
        "Sources: a path, an http(s) URL, a data: URI, or - for stdin.",
    )
    .argument("<source>", "image path, URL, data: URI or -")
    .argument("[other]", "a second image to compare with <source> as given")
    .addOption(
      new Option(
        "--lossless <mode>",
        "lossless payload: PNG written by sharp, or the untouched source bytes",
      )
        .choices(["png", "original"])
        .default("png"),
    )
    .option("-q, --quality <1-100>", "lossy JPEG quality", numberIn(1, 100, { integer: true }), 75)
    .addOption(
      new Option("--subsampling <mode>", "lossy JPEG chroma subsampling")
        .choices(["4:2:0", "4:4:4"])
        .default("4:2:0"),
    )
    .option(
      "--threshold <0-1>",
      "pixelmatch colour threshold; lower is stricter",
      numberIn(0, 1),
      0.1,
    )
    .option("--json", "print one JSON document on stdout")
    .option("--diff <file.png>", "write pixelmatch's diff image")
    .option("--report <file.html>", "write a self-contained HTML report")
    .addOption(
      new Option(
        "--emit <payload>",
        "print that payload's data URI on stdout instead of the report",
      ).choices(["lossless", "lossy"]),
    );
  addSourceOptions(addModelOptions(addGateOptions(compare))).action(
    async (source: string, other: string | undefined, _opts, command: Command) => {
      const { runCompare } = await import("./commands/compare.js");
      setExitCode(await runCompare(source, other, command, io));
    },
  );

  const encode = program
    .command("encode")
    .summary("print an image as a data URI, bare base64 or an API request part")
    .description(
      "Print one data URI for <source> on stdout: a lossless PNG by default, the Pillow-default " +
        "JPEG with --lossy, or another encoding. --max-bytes and --max-side shrink the image (and " +
        "lower a lossy quality) until it fits, saying on stderr what was done.",
    )
    .argument("<source>", "image path, URL, data: URI or -")
    .option("--lossy", "the JPEG Pillow's default save writes (quality 75, 4:2:0)")
    .addOption(
      new Option(
        "--lossless <mode>",
        "PNG written by sharp, or the untouched source bytes",
      ).choices(["png", "original"]),
    )
    .addOption(
      new Option("--format <format>", "encode as this format").choices(["png", "jpeg", "webp"]),
    )
    .option(
      "-q, --quality <1-100>",
      "JPEG or WebP quality",
      numberIn(1, 100, { integer: true }),
      75,
    )
    .addOption(
      new Option("--subsampling <mode>", "JPEG chroma subsampling")
        .choices(["4:2:0", "4:4:4"])
        .default("4:2:0"),
    )
    .option("--base64", "print bare base64 instead of a data URI")
    .addOption(
      new Option("--request <api>", "print the JSON image content part that API expects").choices([
        "openai",
        "anthropic",
      ]),
    )
    .option("-o, --output <file>", "write to a file instead of stdout")
    .option(
      "--max-bytes <size>",
      "largest payload in bytes (e.g. 5MB): shrink or lower quality to fit",
      byteSize,
    )
    .addOption(
      new Option(
        "--model-view <model>",
        "print, as a PNG data URI, exactly what that model's preprocessing makes of the image",
      ).choices(MODELS),
    )

    .option(
      "--max-side <px>",
      "largest width or height: shrink to fit, never enlarge",
      numberIn(1, 1_000_000, { integer: true }),
    );
  addSourceOptions(addQwenLimits(encode)).action(
    async (source: string, _opts, command: Command) => {
      const { runEncode } = await import("./commands/encode.js");
      setExitCode(await runEncode(source, command, io));
    },
  );

  const inspect = program
    .command("inspect")
    .summary("say what an image or data URI really holds, and lint data URIs")
    .description(
      "Report the container sniffed from the bytes, size, channels, bit depth, colour space, ICC " +
        "profile, EXIF orientation, alpha, frames, interlacing, JPEG subsampling and estimated " +
        "quality, and payload sizes. Data URIs (argument or stdin) are linted: exit 1 when a " +
        "finding is an error.",
    )
    .argument("<source>", "image path, URL, data: URI or -")
    .option("--json", "print one JSON document on stdout")
    .addHelpText("after", ({ command }) => findingCodesHelp(command));
  addSourceOptions(addModelOptions(inspect)).action(
    async (source: string, _opts, command: Command) => {
      const { runInspect } = await import("./commands/inspect.js");
      setExitCode(await runInspect(source, command, io));
    },
  );

  const check = program
    .command("check")
    .summary("run the compare analysis over many images as a CI gate")
    .description(
      "Find every image under the given paths, folders and globs (skipping hidden folders and " +
        "node_modules), compare each in parallel, and fail (exit 1) when any gate fails or an " +
        "image cannot be read. Gates and settings come from flags or from imgenc.config.json " +
        '(or an "imgenc" key in package.json), found from the working directory upwards.',
    )
    .argument("<paths...>", "files, folders or globs")
    .option("--config <file>", "read settings from this JSON file instead of searching for one")
    .option(
      "-j, --jobs <count>",
      `images compared at once, never more than there are images (default: the number of CPU cores); each worker needs up to about ${WORKER_BASE_BYTES / 1024 ** 2} MB plus ${WORKER_BYTES_PER_PIXEL} bytes per pixel of its image`,
      numberIn(1, 256, { integer: true }),
    )
    .option("--allow-empty", "pass when the paths hold no images (otherwise exit 2)")
    .option("--json", "print one JSON document with every image and the totals")
    .option("--jsonl", "print one JSON line per image as it finishes")
    .option("--junit <file>", "write JUnit XML: one testcase per image")
    .option("--report <file.html>", "write a self-contained HTML report")
    .option("--shard <i/n>", "run only the i-th of n stable subsets (for a CI matrix)", shard)
    .addOption(new Option("--lossless <mode>", "lossless payload").choices(["png", "original"]))
    .option(
      "-q, --quality <1-100>",
      "lossy JPEG quality (default 75)",
      numberIn(1, 100, { integer: true }),
    )
    .addOption(
      new Option("--subsampling <mode>", "lossy JPEG chroma subsampling (default 4:2:0)").choices([
        "4:2:0",
        "4:4:4",
      ]),
    )
    .option("--threshold <0-1>", "pixelmatch colour threshold (default 0.1)", numberIn(0, 1));
  addSourceOptions(addModelOptions(addGateOptions(check))).action(
    async (paths: string[], _opts, command: Command) => {
      const { runCheckCommand } = await import("./commands/check.js");
      setExitCode(await runCheckCommand(paths, command, io));
    },
  );

  return program;
}
