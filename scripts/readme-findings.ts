import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { FINDING_CODES, type FindingCodeInfo, type FindingGroup } from "../src/findings/codes.js";

/**
 * The README's findings tables are generated from FINDING_CODES between marker comments:
 *
 *     <!-- findings-table data-uri input -->
 *
 *     | code | severity | ... |
 *
 *     <!-- /findings-table -->
 *
 * `node dist/scripts/readme-findings.js` rewrites them; test/readme.test.ts checks they match.
 */

const START = /^<!-- findings-table ([a-z -]+) -->$/gm;
const END = "<!-- /findings-table -->";

const GROUPS: readonly FindingGroup[] = ["data-uri", "input", "pitfall"];

const cell = (text: string) => text.replaceAll("|", "\\|");

/** A Markdown table, its columns padded to line up as the rest of the README does. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** The table of the codes in `groups`, in FINDING_CODES order. */
function findingsTable(groups: readonly FindingGroup[]): string {
  const rows: FindingCodeInfo[] = FINDING_CODES.filter((info) => groups.includes(info.group));
  const reports = rows.some((info) => info.reports !== undefined);
  const header = [
    "code",
    "severity",
    "meaning",
    ...(reports ? ["what it reports"] : []),
    "what to do",
  ];
  return table(
    header,
    rows.map((info) => [
      `\`${info.code}\``,
      info.severity,
      cell(info.meaning),
      ...(reports ? [cell(info.reports ?? "")] : []),
      cell(info.fix),
    ]),
  );
}

/** The README with every marked findings table regenerated. */
export function withFindingsTables(readme: string): string {
  let out = "";
  let from = 0;
  for (const match of readme.matchAll(START)) {
    const groups = (match[1] as string).split(" ") as FindingGroup[];
    for (const group of groups) {
      if (!GROUPS.includes(group)) throw new Error(`unknown findings group "${group}"`);
    }
    const bodyStart = (match.index as number) + match[0].length;
    const end = readme.indexOf(END, bodyStart);
    if (end === -1) throw new Error(`"${match[0]}" has no "${END}"`);
    // Blank lines keep the comments from running into the table in every Markdown renderer.
    out += `${readme.slice(from, bodyStart)}\n\n${findingsTable(groups)}\n\n`;
    from = end;
  }
  return out + readme.slice(from);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const path = fileURLToPath(new URL("../../README.md", import.meta.url));
  const before = readFileSync(path, "utf8");
  const after = withFindingsTables(before);
  if (after !== before) writeFileSync(path, after);
  console.log(after === before ? "README.md findings tables are up to date" : "README.md updated");
}
