import type { ChalkInstance } from "chalk";
import {
  type ClientIdentification,
  describeEvidence,
  type NearMiss,
} from "../../client/identify.js";
import type { Expected, Fact } from "../../client/signatures.js";
import { termSafe, wrapHanging } from "./terminal.js";

/** Fact names as a reader knows them. */
const FACT_WORDS: Record<string, string> = {
  tables: "quantisation tables",
  huffman: "Huffman tables",
  restartInterval: "restart interval",
  comment: "COM",
  colourType: "colour type",
  bitDepth: "bit depth",
  ancillary: "ancillary chunks",
  iccpName: "iCCP name",
  zlibLevel: "zlib FLEVEL",
  zlibWindow: "zlib window bits",
  idat: "IDAT chunking",
  rowFilter: "row filter",
  pillowFilters: "Pillow's filter choice",
  simpleFilter: "simple loop filter",
};

function factText(value: Fact | Expected): string {
  if (Array.isArray(value)) return value.map((v: Fact) => factText(v)).join("/");
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    if ("set" in value) return value.set.length === 0 ? "none" : value.set.join("/");
    if ("range" in value) {
      const [min, max] = value.range;
      return min === max ? String(min) : `${min}-${max}`;
    }
  }
  return String(value);
}

function nearMiss(miss: NearMiss): string {
  const differs = miss.differs
    .map((d) => `${FACT_WORDS[d.fact] ?? d.fact} ${factText(d.found)}, not ${factText(d.expected)}`)
    .join("; ");
  return `${miss.label} (${differs})`;
}

/**
 * The "which client made this" block: what the bytes show, every client path and encoder
 * they fit, and plainly whether those can be told apart.
 */
export function identificationBlock(
  id: ClientIdentification,
  c: ChalkInstance,
  columns?: number,
): string[] {
  const names = id.candidates.map((x) => (x.path ? x.client : ""));
  const width = Math.max(...names.map((n) => n.length));
  const head = ["the bytes", "fit"];
  const headWidth = Math.max(...head.map((h) => h.length));
  const lines = [
    "",
    c.bold("which client made this"),
    ...wrapHanging(
      `  ${c.dim("the bytes".padEnd(headWidth))}  `,
      termSafe(describeEvidence(id.evidence)).split(" "),
      columns,
      headWidth + 4,
    ),
  ];
  id.candidates.forEach((candidate, i) => {
    const label = i === 0 ? "fit".padEnd(headWidth) : " ".repeat(headWidth);
    const name = (names[i] as string).padEnd(width);
    lines.push(`  ${c.dim(label)}  ${c.bold(name)}  ${termSafe(candidate.label)}`);
  });
  const known = id.candidates.filter((x) => x.client !== "raw");
  if (known.length > 1) {
    lines.push(`  ${known.length} fit: nothing in these bytes tells them apart`);
  } else if (known.length === 0) {
    lines.push("  no known client writes these bytes");
    if (id.closest.length > 0) {
      const closest = termSafe(id.closest.map(nearMiss).join("; "));
      lines.push(...wrapHanging("  closest: ", closest.split(" "), columns, 4));
    }
  }
  return lines;
}
