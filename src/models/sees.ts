import { addOpaqueAlpha } from "../image/channels.js";
import type { DecodedImage } from "../image/decode.js";
import { type Metrics, measure } from "../metrics/measure.js";
import { modelView, opensAsRgba } from "./pillow-resize.js";
import { type ModelName, type ModelPlan, modelPlan, type PlanOptions } from "./registry.js";

/** The comparison repeated at the model's resolution, after the model's own preprocessing. */
export interface ModelComparison {
  plan: ModelPlan;
  /** null when the model refuses the image or the payloads differ in size. */
  metrics: Metrics | null;
  /** Whether the model's resize hides most of the JPEG loss (MSE at least halved). */
  hidesLoss: boolean | null;
  summary: string;
}

/** A 3 dB rise in PSNR is the mean squared error halved: "most of the loss" gone. */
const HIDES_DB = 3;

function summarise(
  plan: ModelPlan,
  full: Metrics,
  seen: Metrics,
  alphaComposited: boolean,
): [boolean | null, string] {
  const size = plan.resized ? `${plan.resized.width}x${plan.resized.height}` : "full size";
  if (full.identical) return [null, `the payloads are identical, at ${size} too`];
  if (seen.identical) return [true, `${plan.model}'s resize to ${size} hides all of the JPEG loss`];
  const before = full.psnr as number;
  const after = seen.psnr as number;
  const mse = 100 * (1 - 10 ** ((before - after) / 10));
  if (alphaComposited && before - after >= HIDES_DB) {
    return [
      false,
      `the model sees a different image: it composites the lossless payload's transparency onto white, while the JPEG shows the colours stored under it (PSNR ${after.toFixed(2)} dB at ${size})`,
    ];
  }
  if (after - before >= HIDES_DB) {
    return [
      true,
      `${plan.model}'s resize to ${size} hides most of the JPEG loss: PSNR ${before.toFixed(2)} -> ${after.toFixed(2)} dB (squared error -${mse.toFixed(0)}%)`,
    ];
  }
  return [
    false,
    `the model keeps the JPEG loss: at ${size} PSNR is ${after.toFixed(2)} dB (${before.toFixed(2)} dB at full size)`,
  ];
}

/** Runs both decoded payloads through `model`'s preprocessing and measures what is left. */
export function compareAsSeen(
  model: ModelName,
  a: DecodedImage,
  b: DecodedImage,
  full: Metrics | null,
  options: PlanOptions & { threshold?: number } = {},
): ModelComparison {
  const plan = modelPlan(model, a.width, a.height, options);
  if (plan.error !== null) {
    return {
      plan,
      metrics: null,
      hidesLoss: null,
      summary: `${model} refuses the image: ${plan.error}`,
    };
  }
  if (full === null || a.width !== b.width || a.height !== b.height) {
    return {
      plan,
      metrics: null,
      hidesLoss: null,
      summary: "not measured: the payloads differ in size",
    };
  }
  const viewA = modelView(a, plan);
  const viewB = modelView(b, plan);
  const { metrics } = measure(
    addOpaqueAlpha(viewA.rgb),
    addOpaqueAlpha(viewB.rgb),
    viewA.width,
    viewA.height,
    {
      threshold: options.threshold,
    },
  );
  const alphaComposited = opensAsRgba(a.info) && !opensAsRgba(b.info);
  const [hidesLoss, summary] = summarise(plan, full, metrics, alphaComposited);
  return { plan, metrics, hidesLoss, summary };
}
