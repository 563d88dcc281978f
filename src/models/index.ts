export { CLAUDE_MAX_EDGE, CLAUDE_MAX_TOKENS } from "../server/anthropic.js";
export {
  compositeOnWhite,
  type ModelView,
  modelView,
  opensAsRgba,
  pillowResize,
  type ResampleFilter,
} from "./pillow-resize.js";
export {
  isModelName,
  MODELS,
  type ModelName,
  type ModelPlan,
  modelPlan,
  type PlanOptions,
} from "./registry.js";
export { roundHalfEven } from "./round.js";
export { compareAsSeen, type ModelComparison } from "./sees.js";
export { MAX_RATIO, type Size, type SmartResizeOptions, smartResize } from "./smart-resize.js";
