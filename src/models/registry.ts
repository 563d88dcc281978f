import { defaultServer } from "../server/index.js";
import type { ModelName, ModelPlan, PlanOptions } from "./plan.js";

export {
  isModelName,
  MODELS,
  type ModelName,
  type ModelPlan,
  type PlanOptions,
} from "./plan.js";

/** How `model` would size and count an image of width x height, on its default server. */
export function modelPlan(
  model: ModelName,
  width: number,
  height: number,
  options: PlanOptions = {},
): ModelPlan {
  return defaultServer(model).plan(model, width, height, options);
}
