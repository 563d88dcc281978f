import type { Command } from "commander";
import { encode } from "../../encode.js";
import { ImgencError } from "../../errors.js";
import { count } from "../../format/numbers.js";
import type { ModelName } from "../../models/registry.js";
import type { BudgetSteps } from "../../payload/budget.js";
import type { EncodeFormat } from "../../payload/encode.js";
import { formatPayload, type PayloadForm } from "../../payload/request.js";
import type { LosslessMode, Subsampling } from "../../payload/types.js";
import { termSafe } from "../format/terminal.js";
import { type Io, stdinFile, write } from "../io.js";
import { checkOutputs, writeFileAtomic } from "../output.js";
import { localInputs, modelOptions, type SourceFlags, sourceOptions } from "./shared.js";

interface Flags extends SourceFlags {
  lossy?: boolean;
  lossless?: LosslessMode;
  format?: EncodeFormat;
  quality: number;
  subsampling: Subsampling;
  base64?: boolean;
  request?: "openai" | "anthropic";
  output?: string;
  maxBytes?: number;
  maxSide?: number;
  modelView?: ModelName;
  minPixels?: number;
  maxPixels?: number;
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
  if (flags.lossy && flags.format !== undefined && flags.format !== "jpeg") {
    throw usage(`--lossy is a JPEG; it cannot be combined with --format ${flags.format}`);
  }
  if (flags.lossless !== undefined && (flags.lossy || flags.format !== undefined)) {
    throw usage("--lossless cannot be combined with --lossy or --format");
  }
  if (
    flags.modelView !== undefined &&
    (flags.lossy || flags.lossless || flags.format || flags.maxBytes || flags.maxSide)
  ) {
    throw usage("--model-view prints the model's own view as PNG; drop the other encoding options");
  }
  if (flags.base64 && flags.request !== undefined) {
    throw usage("--base64 and --request are different outputs; pick one");
  }
  const format: EncodeFormat = flags.lossy ? "jpeg" : (flags.format ?? "png");
  const inputs = localInputs([spec]);
  if (flags.output !== undefined) {
    checkOutputs(
      [{ option: "-o", path: flags.output }],
      inputs,
      spec === "-" ? stdinFile(io.stdin) : undefined,
    );
  }
  const result = await encode(spec, {
    ...sourceOptions(flags, io),
    ...modelOptions({ minPixels: flags.minPixels, maxPixels: flags.maxPixels }),
    encoding:
      flags.modelView !== undefined
        ? { modelView: flags.modelView }
        : flags.lossless === "original"
          ? "original"
          : { format, quality: flags.quality, subsampling: flags.subsampling },
    ...(flags.maxBytes !== undefined && { maxBytes: flags.maxBytes }),
    ...(flags.maxSide !== undefined && { maxSide: flags.maxSide }),
  });
  const form: PayloadForm = flags.request ?? (flags.base64 ? "base64" : "data-uri");
  const text = `${formatPayload(result.payload, form)}\n`;
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
