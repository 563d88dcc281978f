import type { DecodedImage } from "../image/decode.js";
import type { ModelName, ModelPlan, PlanOptions } from "../models/plan.js";

/**
 * The names are part of the interface (flags, config, JSON). Every name here has a module in
 * src/server/ and an entry in SERVER_PATHS.
 */
export const SERVER_NAMES = [
  "qwen-vl-utils",
  "transformers",
  "transformers-slow",
  "vllm",
  "ollama",
  "ollama-go",
  "llama.cpp",
  "openai",
  "anthropic",
] as const;

export type ServerName = (typeof SERVER_NAMES)[number];

/** Whether a server takes an image reference (a data URI or a URL), in its own terms. */
export interface Verdict {
  accepted: boolean;
  /** The server's own error, or the reason in its terms; null when accepted. */
  reason: string | null;
  /** The rule that decides, and where it is written: "connector.py _load_data_url: ...". */
  rule: string;
}

/** What a server is sent: the bytes it receives, and imgenc's decode of them. */
export interface ServerInput {
  bytes: Buffer;
  /** The bytes as Pillow reads them (no EXIF, no ICC): what Pillow-based servers start from. */
  image: DecodedImage;
}

/** 8-bit RGB pixels: what a server's decoder hands its processor, and what the model gets. */
export interface ServerPixels {
  width: number;
  height: number;
  /** width * height * 3 bytes. */
  rgb: Uint8Array;
}

/** A server that cannot read the bytes, in its own words. */
export interface ServerRefusal {
  error: string;
}

/** One way a model server turns received bytes into the model's input pixels. */
export interface ServerPath {
  name: ServerName;
  /** One line: the stack this path reproduces. */
  description: string;
  /** The software and version whose behaviour it reproduces. */
  reproduces: string;
  /** The upstream source it follows: repository, commit, files. */
  source: string;
  /** The models this server serves, the first being the one it plans for by default. */
  models: readonly ModelName[];
  /** Whether the server takes this data URI or URL, and why not. */
  accepts(reference: string): Verdict;
  /** The server's decode: bytes to the RGB pixels its processor starts from. */
  read(input: ServerInput): Promise<ServerPixels | ServerRefusal>;
  /** The size and tokens the server's processor gives an image of width x height. */
  plan(model: ModelName, width: number, height: number, options?: PlanOptions): ModelPlan;
  /** The processor's resize (and padding) of `pixels` to `plan`; a copy when the size stays. */
  view(pixels: ServerPixels, plan: ModelPlan): ServerPixels;
}
