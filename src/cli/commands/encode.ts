import type { Command } from "commander";
import { encode } from "../../encode.js";
import { ImgencError } from "../../errors.js";
import { count } from "../../format/numbers.js";
import type { BudgetSteps } from "../../payload/budget.js";
import type { EncodeFormat } from "../../payload/encode.js";
import { API_LIMITS, formatPayload, type PayloadForm } from "../../payload/request.js";
import { SETTINGS } from "../../settings.js";
import { termSafe } from "../format/terminal.js";
import { type Io, stdinFile, write } from "../io.js";
import { settingValues } from "../options.js";
import { checkOutputs, writeFileAtomic } from "../output.js";
import { localInputs, modelOptions, sourceOptions } from "./shared.js";

interface Flags {
  lossy?: boolean;
  asSent?: boolean;
  base64?: boolean;
  request?: "openai" | "anthropic";
  output?: string;
}

function usage(message: string): ImgencError {
  return new ImgencError("usage", message);
}

function describeSteps(steps: BudgetSteps, bytes: number): string | undefined {
  const parts: string[] = [];
  if (steps.resized) {
    const [fw, fh] = steps.resized.from;
    const [tw, th] = steps.resized.to;
    parts.push(`resized ${fw}x${fh} to ${tw}x${th}`);
  }
  if (steps.quality) parts.push(`lowered quality ${steps.quality.from} to ${steps.quality.to}`);
  return parts.length === 0 ? undefined : `${parts.join(", ")} (${count(bytes)} bytes)`;
}

export async function runEncode(spec: string, command: Command, io: Io): Promise<number> {
  const flags = command.opts<Flags>();
  // --lossless and --format have defaults: only what was typed can conflict.
  const { values, given } = settingValues(command);
  if (flags.lossy && given.format !== undefined && given.format !== "jpeg") {
    throw usage(`--lossy is a JPEG; it cannot be combined with --format ${given.format}`);
  }
  if (given.lossless !== undefined && (flags.lossy || given.format !== undefined)) {
    throw usage("--lossless cannot be combined with --lossy or --format");
  }
  if (
    values.modelView !== undefined &&
    (flags.lossy ||
      given.lossless ||
      given.format ||
      values.maxBytes ||
      values.maxBase64Bytes ||
      values.maxSide)
  ) {
    throw usage("--model-view prints the model's own view as PNG; drop the other encoding options");
  }
  if (values.client !== undefined) {
    if (values.client.length > 1) {
      throw usage("encode prints one payload: give --client one path (compare takes several)");
    }
    const other = flags.lossy
      ? "--lossy"
      : given.format !== undefined
        ? "--format"
        : given.lossless !== undefined
          ? "--lossless"
          : values.modelView !== undefined
            ? "--model-view"
            : values.maxBytes !== undefined
              ? "--max-bytes"
              : values.maxBase64Bytes !== undefined
                ? "--max-base64-bytes"
                : values.maxSide !== undefined
                  ? "--max-side"
                  : undefined;
    if (other !== undefined) {
      throw usage(`--client prints what that client sends; it cannot be combined with ${other}`);
    }
  }
  if (values.server !== undefined && values.modelView === undefined) {
    throw usage(
      "--server names the server whose processor makes --model-view; add --model-view <model>",
    );
  }
  if (flags.asSent && values.client === undefined) {
    throw usage("--as-sent prints a client path's payload as it writes it: add --client <name>");
  }
  if (flags.asSent && (flags.base64 || flags.request !== undefined)) {
    throw usage("--as-sent is its own output; it cannot be combined with --base64 or --request");
  }
  if (flags.base64 && flags.request !== undefined) {
    throw usage("--base64 and --request are different outputs; pick one");
  }
  const format: EncodeFormat = flags.lossy ? "jpeg" : (values.format ?? SETTINGS.format.default);
  const inputs = localInputs([spec]);
  if (flags.output !== undefined) {
    checkOutputs(
      [{ option: "-o", path: flags.output }],
      inputs,
      spec === "-" ? stdinFile(io.stdin) : undefined,
    );
  }
  const result = await encode(spec, {
    ...sourceOptions(values, io),
    ...modelOptions({ minPixels: values.minPixels, maxPixels: values.maxPixels }),
    encoding:
      values.client?.[0] !== undefined
        ? {
            client: values.client[0],
            ...(values.quality !== undefined &&
              values.subsampling !== undefined && {
                jpeg: { quality: values.quality, subsampling: values.subsampling },
              }),
          }
        : values.modelView !== undefined
          ? {
              modelView: values.modelView,
              ...(values.server !== undefined && { server: values.server }),
            }
          : values.lossless === "original"
            ? "original"
            : {
                format,
                quality: values.quality ?? SETTINGS.quality.default,
                subsampling: values.subsampling ?? SETTINGS.subsampling.default,
              },
    // The API's own limits unless the command line sets its own.
    ...(flags.request !== undefined && API_LIMITS[flags.request]),
    ...(values.maxBytes !== undefined && { maxBytes: values.maxBytes }),
    ...(values.maxBase64Bytes !== undefined && { maxBase64Bytes: values.maxBase64Bytes }),
    ...(values.maxSide !== undefined && { maxSide: values.maxSide }),
  });
  const form: PayloadForm = flags.request ?? (flags.base64 ? "base64" : "data-uri");
  const payload = result.payload;
  const text =
    flags.asSent && "sentPrefix" in payload
      ? `${payload.sentPrefix}${payload.bytes.toString("base64")}\n`
      : `${formatPayload(payload, form)}\n`;
  const note = describeSteps(result.steps, result.payload.bytes.length);
  if (note !== undefined)
    await write(io.stderr, `imgenc: ${termSafe(result.source.input)}: ${note}\n`);
  if (flags.output !== undefined) {
    await writeFileAtomic(flags.output, text, inputs);
  } else {
    await write(io.stdout, text);
  }
  return 0;
}
