import type { ChalkInstance } from "chalk";
import type { Finding } from "../../findings/types.js";
import { termSafe } from "./terminal.js";

function findingLine(f: Finding, c: ChalkInstance): string {
  const mark =
    f.severity === "error" ? c.red("✖") : f.severity === "warning" ? c.yellow("▲") : c.cyan("i");
  // A message can quote the file (an ICC profile's description, a declared media type).
  return `  ${mark} ${termSafe(f.message)} ${c.dim(`[${f.code}]`)}`;
}

/** The "findings" block of a report, or nothing when there are none. */
export function findingsBlock(findings: readonly Finding[], c: ChalkInstance): string[] {
  if (findings.length === 0) return [];
  return ["", c.bold("findings"), ...findings.map((f) => findingLine(f, c))];
}
