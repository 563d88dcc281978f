import { ImgencError } from "../errors.js";
import { count } from "../format/numbers.js";
import type { DecodedImage } from "../image/decode.js";
import { base64Length } from "./build-data-uri.js";
import { type EncodeSettings, encodeImage, resizeImage } from "./encode.js";
import type { Payload } from "./types.js";

export interface Budget {
  /** Largest payload, in bytes (the image file, not its base64). */
  maxBytes?: number;
  /** Largest payload as base64 text, in characters: what Anthropic's 5 MB limit counts. */
  maxBase64Bytes?: number;
  /** Largest width or height, in pixels. */
  maxSide?: number;
}

/** The largest file whose base64 text (4 characters per 3 bytes, padded) is at most `length`. */
function bytesForBase64(length: number): number {
  return Math.floor(length / 4) * 3;
}

/** The budget's byte limit, both limits applied; undefined when it has none. */
function byteLimit(budget: Budget): number | undefined {
  const limits = [
    budget.maxBytes,
    budget.maxBase64Bytes === undefined ? undefined : bytesForBase64(budget.maxBase64Bytes),
  ].filter((limit): limit is number => limit !== undefined);
  return limits.length === 0 ? undefined : Math.min(...limits);
}

/** The limit a payload of `bytes` breaks, in words; undefined when it fits. */
export function overBudget(bytes: number, width: number, height: number, budget: Budget) {
  if (budget.maxBytes !== undefined && bytes > budget.maxBytes)
    return `${count(bytes)} bytes, over --max-bytes ${count(budget.maxBytes)}`;
  const base64 = base64Length(bytes);
  if (budget.maxBase64Bytes !== undefined && base64 > budget.maxBase64Bytes)
    return `${count(base64)} bytes as base64, over --max-base64-bytes ${count(budget.maxBase64Bytes)}`;
  if (budget.maxSide !== undefined && Math.max(width, height) > budget.maxSide)
    return `${width}x${height}, over --max-side ${budget.maxSide}`;
  return undefined;
}

function limitWords(budget: Budget, maxBytes: number): string {
  return budget.maxBase64Bytes !== undefined && maxBytes === bytesForBase64(budget.maxBase64Bytes)
    ? `${count(budget.maxBase64Bytes)} bytes of base64 (${count(maxBytes)} bytes)`
    : `${count(maxBytes)} bytes`;
}

/** What had to change to fit the budget; absent fields were left alone. */
export interface BudgetSteps {
  resized?: { from: [number, number]; to: [number, number] };
  quality?: { from: number; to: number };
}

export interface FittedPayload {
  payload: Payload;
  steps: BudgetSteps;
}

/** Below this, a lossy payload is shrunk rather than degraded further. */
const MIN_BUDGET_QUALITY = 40;
const MIN_SIDE = 16;

function scaled(image: DecodedImage, longSide: number): [number, number] {
  const scale = longSide / Math.max(image.width, image.height);
  return [
    Math.max(1, Math.round(image.width * scale)),
    Math.max(1, Math.round(image.height * scale)),
  ];
}

/** The highest quality from `from` down to MIN_BUDGET_QUALITY whose payload fits, by bisection. */
async function bestQuality(
  image: DecodedImage,
  settings: EncodeSettings,
  maxBytes: number,
): Promise<{ payload: Payload; quality: number } | undefined> {
  let low = MIN_BUDGET_QUALITY;
  let high = settings.quality;
  let best: { payload: Payload; quality: number } | undefined;
  while (low <= high) {
    const quality = Math.floor((low + high) / 2);
    const payload = await encodeImage(image, { ...settings, quality });
    if (payload.bytes.length <= maxBytes) {
      best = { payload, quality };
      low = quality + 1;
    } else {
      high = quality - 1;
    }
  }
  return best;
}

/**
 * Encodes within a budget: first the long side is capped (never enlarged); then, if the bytes
 * still exceed the limit, a lossy format lowers its quality (not below MIN_BUDGET_QUALITY) and
 * any format shrinks further, until it fits or the image would fall under 16 px.
 */
export async function fitBudget(
  image: DecodedImage,
  settings: EncodeSettings,
  budget: Budget,
): Promise<FittedPayload> {
  const steps: BudgetSteps = {};
  const original: [number, number] = [image.width, image.height];
  let current = image;
  const resizeTo = async (longSide: number) => {
    const [width, height] = scaled(image, longSide);
    current = await resizeImage(image, width, height);
    steps.resized = { from: original, to: [width, height] };
  };
  if (budget.maxSide !== undefined && Math.max(image.width, image.height) > budget.maxSide) {
    await resizeTo(budget.maxSide);
  }
  let payload = await encodeImage(current, settings);
  const maxBytes = byteLimit(budget);
  if (maxBytes === undefined || payload.bytes.length <= maxBytes) return { payload, steps };

  const lossy = settings.format !== "png";
  for (;;) {
    if (lossy && settings.quality > MIN_BUDGET_QUALITY) {
      const fitted = await bestQuality(current, settings, maxBytes);
      if (fitted) {
        if (fitted.quality !== settings.quality) {
          steps.quality = { from: settings.quality, to: fitted.quality };
        }
        return { payload: fitted.payload, steps };
      }
      payload = await encodeImage(current, { ...settings, quality: MIN_BUDGET_QUALITY });
    }
    // Bytes scale roughly with pixel count: aim a little under the limit.
    const long = Math.max(current.width, current.height);
    const factor = Math.min(0.9, Math.sqrt(maxBytes / payload.bytes.length) * 0.95);
    const next = Math.floor(long * factor);
    if (next < MIN_SIDE) {
      throw new ImgencError(
        "cannot-fit",
        `cannot fit in ${limitWords(budget, maxBytes)} even at ${MIN_SIDE} px${lossy ? ` and quality ${MIN_BUDGET_QUALITY}` : ""}`,
      );
    }
    await resizeTo(next);
    payload = await encodeImage(current, settings);
    if (payload.bytes.length <= maxBytes) return { payload, steps };
  }
}
