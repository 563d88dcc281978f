import type { ChalkInstance } from "chalk";
import { count } from "../../format/numbers.js";
import type { ModelPlan } from "../../models/registry.js";
import type { ModelComparison } from "../../models/sees.js";
import { termSafe } from "./terminal.js";

/** "384x256 -> 392x252, 126 tokens", or the model's refusal. */
export function planLine(plan: ModelPlan): string {
  if (plan.error !== null) return `refused: ${plan.error}`;
  const { width, height } = plan.input;
  const padded = plan.content
    ? ` (image ${plan.content.width}x${plan.content.height}, padded)`
    : "";
  const size = plan.resized
    ? `${width}x${height} -> ${plan.resized.width}x${plan.resized.height}${padded}`
    : `${width}x${height}, kept`;
  return `${size}, ${count(plan.tokens ?? 0)} tokens`;
}

function samePlan(a: ModelPlan, b: ModelPlan): boolean {
  return planLine(a) === planLine(b);
}

export function planBlock(plan: ModelPlan, c: ChalkInstance, server?: string): string[] {
  const through = server === undefined ? "" : ` through ${server}`;
  return [
    "",
    c.bold(`what ${plan.model} sees${through}`),
    `  ${termSafe(planLine(plan))}`,
    `  ${c.dim(termSafe(plan.note))}`,
  ];
}

export function comparisonBlock(
  model: ModelComparison,
  metricRows: (rows: NonNullable<ModelComparison["metrics"]>) => string[],
  c: ChalkInstance,
): string[] {
  const lines = planBlock(model.plan, c, model.server);
  if (model.payloadPlan && !samePlan(model.plan, model.payloadPlan)) {
    lines.push(`  payload: ${termSafe(planLine(model.payloadPlan))}`);
  }
  if (model.metrics) lines.push(...metricRows(model.metrics));
  const tone = model.hidesLoss === false ? c.yellow : c.green;
  lines.push(`  ${tone(model.summary)}`);
  return lines;
}
