import { readFileSync } from "node:fs";
import { Argument, Command, CommanderError, Option } from "commander";
import { type CommandName, SETTINGS, SOURCE_SETTINGS } from "../settings.js";
import { completionScript, SHELLS, type Shell } from "./completion.js";
import { findingCodesHelp } from "./format/findings.js";
import { type Io, terminalWidth, write } from "./io.js";
import { addSettings, choiceOption, settingOption } from "./options.js";

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
  return String(pkg.version);
}

/** Options shared by every command that reads sources. */
function addSourceOptions(command: Command, name: CommandName): Command {
  return addSettings(command, name, SOURCE_SETTINGS);
}

/** --model, --server and the Qwen pixel limits, shared by compare, inspect and check. */
function addModelOptions(command: Command, name: CommandName): Command {
  return addSettings(command, name, ["model", "server", "minPixels", "maxPixels"]);
}

/** The CI gates, the same for one image (compare) and many (check). */
function addGateOptions(command: Command, name: CommandName): Command {
  return addSettings(command, name, ["minPsnr", "minSsim", "maxMismatch"]);
}

/** "(quality 75, 4:2:0)": Pillow's default save, which the lossy payload follows. */
const PILLOW_DEFAULT = `(quality ${SETTINGS.quality.default}, ${SETTINGS.subsampling.default})`;

/**
 * The commander program. Commands import their implementation (and with it sharp) only when they
 * run, so --help and --version stay as fast as Node itself.
 */
export function buildProgram(io: Io, setExitCode: (code: number) => void): Command {
  const program = new Command("imgenc")
    .description("See what encoding an image for a vision-language model does to it.")
    .version(version(), "-V, --version", "print the version (also -v)")
    .addOption(new Option("-v").hideHelp())
    .option("--debug", "print stack traces for errors")
    .option("--color", "colour the output even when it is not a terminal")
    .option("--no-color", "never colour the output (as NO_COLOR=1 or TERM=dumb)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      getOutHelpWidth: () => terminalWidth(io.stdout) ?? 80,
      getErrHelpWidth: () => terminalWidth(io.stderr) ?? 80,
      // main() prints usage errors in imgenc's own one-line voice.
      outputError: () => undefined,
    })
    // Every command's help lists --debug, --color and the others under "Global Options".
    .configureHelp({ showGlobalOptions: true });
  // -v as -V: what most tools answer to.
  program.on("option:v", () => {
    io.stdout.write(`${program.version()}\n`);
    throw new CommanderError(0, "commander.version", String(program.version()));
  });

  const compare = program
    .command("compare")
    .summary("compare a lossless payload with the Pillow-default JPEG, or two images")
    .description(
      `Build the lossless payload and the JPEG that Pillow's default save produces ${PILLOW_DEFAULT} ` +
        "from one read of <source>, and measure what the JPEG loses. With [other], compare " +
        "the two images as given, e.g. the URL a server fetches against the data URI a client sent. " +
        "Sources: a path, an http(s) URL, a data: URI, or - for stdin.",
    )
    .argument("<source>", "image path, URL, data: URI or -")
    .argument("[other]", "a second image to compare with <source> as given");
  addSettings(compare, "compare", ["client", "lossless", "quality", "subsampling", "threshold"])
    .option("--json", "print one JSON document on stdout")
    .option("--diff <file.png>", "write pixelmatch's diff image")
    .option("--report <file.html>", "write a self-contained HTML report")
    .addOption(
      choiceOption(
        "--emit <payload>",
        "print that payload's data URI on stdout instead of the report",
        ["lossless", "lossy"],
      ),
    );
  addGateOptions(compare, "compare");
  addSettings(compare, "compare", ["failOn", "reporter", "output"]);
  addModelOptions(compare, "compare");
  addSourceOptions(compare, "compare").action(
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
    .option("--lossy", `the JPEG Pillow's default save writes ${PILLOW_DEFAULT}`);
  addSettings(encode, "encode", ["client", "lossless", "format", "quality", "subsampling"])
    .option("--as-sent", "with --client: print the payload exactly as that client writes it")
    .option("--base64", "print bare base64 instead of a data URI")
    .addOption(
      choiceOption("--request <api>", "print the JSON image content part that API expects", [
        "openai",
        "anthropic",
      ]),
    )
    .option("-o, --output <file>", "write to a file instead of stdout");
  addSettings(encode, "encode", [
    "maxBytes",
    "maxBase64Bytes",
    "modelView",
    "server",
    "maxSide",
    "minPixels",
    "maxPixels",
  ]);
  addSourceOptions(encode, "encode").action(async (source: string, _opts, command: Command) => {
    const { runEncode } = await import("./commands/encode.js");
    setExitCode(await runEncode(source, command, io));
  });

  const inspect = program
    .command("inspect")
    .summary("say what an image or data URI really holds, and lint data URIs")
    .description(
      "Report the container sniffed from the bytes, size, channels, bit depth, colour space, ICC " +
        "profile, EXIF orientation, alpha, frames, interlacing, JPEG subsampling and estimated " +
        "quality, and payload sizes. Data URIs (argument or stdin) are linted: exit 1 when a " +
        "finding is an error.",
    )
    .argument("[source]", "image path, URL, data: URI or -")
    .option("--json", "print one JSON document on stdout")
    .addHelpText("after", ({ command }) => findingCodesHelp(command));
  addSettings(inspect, "inspect", ["request"]);
  addModelOptions(inspect, "inspect");
  addSourceOptions(inspect, "inspect").action(
    async (source: string | undefined, _opts, command: Command) => {
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
    // The default is this machine's core count, which --help states in words.
    .addOption(settingOption("jobs", "check").default(io.cores ?? 1, SETTINGS.jobs.defaultText))
    .option("--allow-empty", "pass when the paths hold no images (otherwise exit 2)")
    .option("--json", "print one JSON document with every image and the totals")
    .option("--jsonl", "print one JSON line per image as it finishes")
    .option("--junit <file>", "write JUnit XML: one testcase per image")
    .option("--report <file.html>", "write a self-contained HTML report");
  addSettings(check, "check", [
    "shard",
    "client",
    "lossless",
    "quality",
    "subsampling",
    "threshold",
  ]);
  addGateOptions(check, "check");
  addSettings(check, "check", ["failOn", "reporter", "quiet", "verbose", "output"]);
  addModelOptions(check, "check");
  addSourceOptions(check, "check").action(async (paths: string[], _opts, command: Command) => {
    const { runCheckCommand } = await import("./commands/check.js");
    setExitCode(await runCheckCommand(paths, command, io));
  });

  const askCommand = program
    .command("ask")
    .summary("ask a model the same question with each payload variant and compare the answers")
    .description(
      "Send one question about <source> to a model endpoint (OpenAI chat completions or " +
        "Anthropic Messages) once per payload variant: the original bytes (for an http(s) source, " +
        "its URL, which the server fetches) and each client path's exact payload. Exit 0 when " +
        "every answer meets the expectation (or, without one, every variant answers the same), 1 " +
        "when one does not or a request failed, 2 when the endpoint refuses every request. With " +
        "--dataset, every case of a JSON Lines file, with accuracy per variant. The API key is " +
        "read from the environment and never printed.",
    )
    .argument("[source]", "image path, URL, data: URI or -");
  addSettings(askCommand, "ask", [
    "endpoint",
    "askModel",
    "prompt",
    "api",
    "apiKeyEnv",
    "variants",
    "system",
    "maxTokens",
    "temperature",
    "seed",
    "runs",
    "concurrency",
    "expect",
    "expectRegex",
    "expectNumber",
  ])
    .option(
      "--dataset <cases.jsonl>",
      'ask every case of a JSON Lines file: {"image", "prompt", "expect"?, ...}',
    )
    .option("--json", "print one JSON document on stdout")
    .option("--jsonl", "with --dataset: print one JSON line per case as it finishes")
    .option("--junit <file>", "with --dataset: write JUnit XML, one testcase per case and variant")
    .option(
      "--report <file.html>",
      "write a self-contained HTML report: the client paths compared, with the model's answers",
    );
  addSettings(askCommand, "ask", [
    "minAccuracy",
    "maxAccuracyDrop",
    "cacheDir",
    "reporter",
    "output",
  ]).option("--no-cache", "with --dataset: ask everything again, and keep nothing");
  addSourceOptions(askCommand, "ask").action(
    async (source: string | undefined, _opts, command: Command) => {
      const { runAsk } = await import("./commands/ask.js");
      setExitCode(await runAsk(source, command, io));
    },
  );
  const proxy = program
    .command("proxy")
    .summary("sit between a client and its model server and say what it does to every image")
    .description(
      "Listen for OpenAI (chat completions, Responses), Anthropic Messages and Ollama requests, " +
        "analyse every image in them as inspect does, and print one line per image on stderr. " +
        "With --upstream each request goes on unchanged and the answer streams back; without it " +
        "the proxy answers itself with what it saw. After --, run a command with " +
        "OPENAI_BASE_URL, ANTHROPIC_BASE_URL and OLLAMA_HOST pointing at the proxy and exit with " +
        "its code, or 1 when it passed but an image broke a gate.",
    )
    .argument("[command...]", "a command to run against the proxy (after --)")
    .option("--report <file.html>", "write a self-contained HTML report of every image on exit");
  addSettings(proxy, "proxy", [
    "listen",
    "allowRemote",
    "upstream",
    "maxBody",
    "log",
    "saveImages",
    "failOn",
    "minQuality",
  ]);
  addModelOptions(proxy, "proxy").action(async (commandLine: string[], _opts, command: Command) => {
    const { runProxy } = await import("./commands/proxy.js");
    setExitCode(await runProxy(commandLine, command, io));
  });

  program
    .command("completion")
    .summary("print a shell completion script for bash, zsh or fish")
    .description(
      "Print a script that completes imgenc's commands, options and their choices in that shell. " +
        "bash: source <(imgenc completion bash); zsh (after compinit): source <(imgenc completion " +
        "zsh); fish: imgenc completion fish | source. Or save it where the shell loads completions.",
    )
    .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
    .action(async (shell: Shell) => {
      await write(io.stdout, completionScript(program, shell));
    });

  return program;
}
