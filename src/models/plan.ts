import type { Size } from "./smart-resize.js";

export const MODELS = [
  "qwen2-vl",
  "qwen2.5-vl",
  "qwen3-vl",
  "gpt-4o",
  "gpt-4o-low",
  "claude",
] as const;

export type ModelName = (typeof MODELS)[number];

export interface ModelPlan {
  model: ModelName;
  input: Size;
  /** The size the model works at; null when it keeps the input size. */
  resized: Size | null;
  /**
   * Where a server pads to its grid instead of stretching (llama.cpp): the size the image is
   * resized to inside `resized`, centred, the rest filled. Absent when the image fills the grid.
   */
  content?: Size;
  /** Image tokens; null when the model refuses the image. */
  tokens: number | null;
  /** Why the model refuses the image, in the words its stack uses. */
  error: string | null;
  note: string;
}

export interface PlanOptions {
  /** Overrides a Qwen model's min_pixels (other models ignore it). */
  minPixels?: number;
  /** Overrides a Qwen model's max_pixels (other models ignore it). */
  maxPixels?: number;
}

export function isModelName(name: string): name is ModelName {
  return (MODELS as readonly string[]).includes(name);
}

/** A plan that resizes `input` to `target` (no resize when they are equal). */
export function plan(
  model: ModelName,
  input: Size,
  target: Size,
  tokens: number,
  note: string,
): ModelPlan {
  const same = target.width === input.width && target.height === input.height;
  return { model, input, resized: same ? null : target, tokens, error: null, note };
}

/** A plan saying the model's stack refuses the image, and why. */
export function refused(model: ModelName, input: Size, error: string, note: string): ModelPlan {
  return { model, input, resized: null, tokens: null, error, note };
}
