import type { ChalkInstance } from "chalk";
import { count } from "../../format/numbers.js";
import type { ModelPlan } from "../../models/registry.js";
import type { ModelComparison } from "../../models/sees.js";
import { termSafe } from "./terminal.js";

/** "384x256 -> 392x252, 126 tokens", or the model's refusal. */
function planLine(plan: ModelPlan): string {
  if (plan.error !== null) return `refused: ${plan.error}`;
  const { width, height } = plan.input;
  const size = plan.resized
    ? `${width}x${height} -> ${plan.resized.width}x${plan.resized.height}`
    : `${width}x${height}, kept`;
  return `${size}, ${count(plan.tokens ?? 0)} tokens`;
}

export function planBlock(plan: ModelPlan, c: ChalkInstance): string[] {
  return [
    "",
    c.bold(`what ${plan.model} sees`),
    `  ${termSafe(planLine(plan))}`,
    `  ${c.dim(termSafe(plan.note))}`,
  ];
}

export function comparisonBlock(
  model: ModelComparison,
  metricRows: (rows: NonNullable<ModelComparison["metrics"]>) => string[],
  c: ChalkInstance,
): string[] {
  const lines = planBlock(model.plan, c);
  if (model.metrics) lines.push(...metricRows(model.metrics));
  const tone = model.hidesLoss === false ? c.yellow : c.green;
  lines.push(`  ${tone(model.summary)}`);
  return lines;
}
