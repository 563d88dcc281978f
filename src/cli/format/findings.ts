import type { ChalkInstance } from "chalk";
import type { Command } from "commander";
import { FINDING_CODES, type FindingCodeInfo, type FindingGroup } from "../../findings/codes.js";
import type { Finding } from "../../findings/types.js";
import { termSafe, wrapHanging } from "./terminal.js";

/** One finding; on a terminal `width` wide, wrapped with its text indented under the first line. */
function findingLines(f: Finding, c: ChalkInstance, width: number | undefined): string[] {
  const mark =
    f.severity === "error" ? c.red("✖") : f.severity === "warning" ? c.yellow("▲") : c.cyan("i");
  // A message can quote the file (an ICC profile's description, a declared media type).
  const words = [...termSafe(f.message).split(" "), c.dim(`[${f.code}]`)];
  return wrapHanging(`  ${mark} `, words, width, 4);
}

/** The "findings" block of a report, or nothing when there are none. */
export function findingsBlock(
  findings: readonly Finding[],
  c: ChalkInstance,
  width?: number,
): string[] {
  if (findings.length === 0) return [];
  return ["", c.bold("findings"), ...findings.flatMap((f) => findingLines(f, c, width))];
}

const GROUP_TITLES: Record<FindingGroup, string> = {
  "data-uri": "Data-URI findings (code, severity, meaning):",
  input: "Input findings:",
  pitfall: "Encoding-pitfall findings:",
};

/**
 * Every finding code with its severity and meaning, by group, laid out and wrapped like the
 * command's options; for `inspect --help`.
 */
export function findingCodesHelp(command: Command): string {
  const help = command.createHelp();
  help.prepareContext({ helpWidth: command.configureOutput().getOutHelpWidth?.() });
  const codeWidth = Math.max(...FINDING_CODES.map((info) => info.code.length));
  const term = (info: FindingCodeInfo) => `${info.code.padEnd(codeWidth)}  ${info.severity}`;
  const termWidth = Math.max(...FINDING_CODES.map((info) => term(info).length));
  const lines: string[] = [];
  for (const group of Object.keys(GROUP_TITLES) as FindingGroup[]) {
    lines.push("", GROUP_TITLES[group]);
    for (const info of FINDING_CODES) {
      if (info.group === group)
        lines.push(help.formatItem(term(info), termWidth, info.meaning, help));
    }
  }
  return lines.join("\n");
}
