import { fileURLToPath } from "node:url";
import type { ModelName, PlanOptions } from "../../models/registry.js";
import type { SourceOptions } from "../../source/types.js";
import type { Io } from "../io.js";

export interface SourceFlags {
  timeout: number;
  retries: number;
  maxInputBytes: number;
  maxInputPixels: number;
}

export function sourceOptions(
  flags: SourceFlags,
  io: Io,
): SourceOptions & { maxInputPixels: number } {
  return {
    timeoutMs: flags.timeout * 1000,
    retries: flags.retries,
    maxInputBytes: flags.maxInputBytes,
    maxInputPixels: flags.maxInputPixels,
    stdin: io.stdin,
  };
}

/** The sources that are files on this machine: outputs must never land on them. */
export function localInputs(sources: readonly string[]): string[] {
  return sources
    .filter((s) => s !== "-" && !/^(data|https?):/i.test(s))
    .map((s) => (s.toLowerCase().startsWith("file:") ? fileURLToPath(s) : s));
}

export interface ModelFlags {
  model?: ModelName;
  minPixels?: number;
  maxPixels?: number;
}

export function modelOptions(flags: ModelFlags): { model?: ModelName } & PlanOptions {
  return {
    ...(flags.model !== undefined && { model: flags.model }),
    ...(flags.minPixels !== undefined && { minPixels: flags.minPixels }),
    ...(flags.maxPixels !== undefined && { maxPixels: flags.maxPixels }),
  };
}
