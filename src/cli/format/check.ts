import { stripVTControlCharacters as plain } from "node:util";
import type { ChalkInstance } from "chalk";
import { rankWorstFirst } from "../../check/rank.js";
import type { CheckItem, CheckTotals } from "../../check/types.js";
import { percent, ratio } from "../../format/numbers.js";
import type { Metrics } from "../../metrics/measure.js";
import { shortenMiddle, statusMark, termSafe } from "./terminal.js";

/** Passed images shown after the failures; the rest are counted, not listed. */
const PASSED_SHOWN = 10;

function metricCells(m: Metrics | null | undefined): string[] {
  return [
    m ? (m.psnr === null ? "identical" : `${m.psnr.toFixed(2)} dB`) : "-",
    m?.ssim == null ? "-" : m.ssim.toFixed(4),
    m ? percent(m.mismatchShare) : "-",
  ];
}

/** With several client paths, a row per path under the image's own (which is the first path). */
function clientRowsOf(item: CheckItem, c: ChalkInstance): string[][] {
  const clients = item.report?.clients;
  if (clients === undefined || clients.length < 2) return [];
  return clients.map((k) => {
    const failed = k.gates.filter((g) => !g.passed).map((g) => `--${g.gate}`);
    return [
      "",
      c.dim(`  ${k.client}`),
      ...metricCells(k.metrics),
      ratio(k.ratio.bytes),
      String(k.findings.length),
      failed.length > 0 ? c.red(failed.join(" ")) : "",
    ];
  });
}

function row(item: CheckItem, c: ChalkInstance): string[] {
  const mark = statusMark(item.status, c);
  const file = termSafe(item.file);
  if (item.error) {
    return [mark, file, c.red(termSafe(`${item.error.code}: ${item.error.message}`))];
  }
  const r = item.report;
  const m = r?.metrics;
  const failed = [
    ...(r?.gates ?? []).filter((g) => !g.passed).map((g) => `--${g.gate}`),
    ...(r?.failedFindings ?? []),
  ];
  const clients = r?.clients;
  if (clients !== undefined && clients.length > 1) {
    const findings = clients.reduce((n, k) => n + k.findings.length, 0);
    const failedPaths = [
      ...clients.filter((k) => !k.passed).map((k) => k.client),
      ...(r?.refusedClients ?? []).map((k) => `${k.client} (refused)`),
      ...(r?.failedFindings ?? []),
    ];
    return [
      mark,
      file,
      "",
      "",
      "",
      "",
      String(findings),
      failedPaths.length > 0 ? c.red(failedPaths.join(" ")) : "",
    ];
  }
  return [
    mark,
    file,
    ...metricCells(m),
    r ? ratio(r.ratio.bytes) : "-",
    String(r?.findings.length ?? 0),
    failed.length > 0 ? c.red(failed.join(" ")) : "",
  ];
}

/**
 * Columns padded to line up. On a terminal `width` wide, an error row's message (its last cell,
 * under the figures) does not widen those columns, and file names are shortened in the middle
 * so that the table fits.
 */
function align(rows: string[][], width?: number): string[] {
  const widths: number[] = [];
  const columns = rows[0]?.length ?? 0;
  for (const r of rows) {
    r.forEach((cell, i) => {
      if (width !== undefined && r.length < columns && i === r.length - 1 && i > 1) return;
      widths[i] = Math.max(widths[i] ?? 0, plain(cell).length);
    });
  }
  const sum = () => widths.reduce((all, w) => all + w + 2, -2);
  // On a narrow terminal the size column's heading says less before file names are cut.
  const header = rows[0];
  if (width !== undefined && sum() > width && header?.[5] === "lossy/lossless") {
    header[5] = "ratio";
    widths[5] = Math.max(...rows.map((r) => (r.length === columns ? plain(r[5] ?? "").length : 0)));
  }
  const total = sum();
  if (width !== undefined && total > width && widths[1] !== undefined) {
    const room = Math.max(8, widths[1] - (total - width));
    for (const r of rows) {
      const file = r[1];
      if (file !== undefined && plain(file) === file) r[1] = shortenMiddle(file, room);
    }
    widths[1] = Math.min(widths[1], room);
  }
  return rows.map((r) =>
    r
      .map((cell, i) => {
        const pad = " ".repeat(Math.max(0, (widths[i] ?? 0) - plain(cell).length));
        return i >= 2 && i <= 6 ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd(),
  );
}

function verdictLine(totals: CheckTotals, c: ChalkInstance): string {
  const time = `${(totals.durationMs / 1000).toFixed(1)} s`;
  const stopped = totals.interrupted ? c.yellow(" (interrupted: partial results)") : "";
  const bad = totals.failed + totals.errors;
  if (bad === 0) return `${c.green(`passed: ${totals.images} images`)} in ${time}${stopped}`;
  return `${c.red(`failed: ${bad} of ${totals.images} images`)} (${totals.failed} failed a gate, ${totals.errors} unreadable) in ${time}${stopped}`;
}

/**
 * Summary table, worst images first, then the verdict. The passed images listed: the first 10
 * (`some`), none (`failures`) or every one (`all`); on a terminal, fitted to its `width`.
 */
export function formatCheck(
  items: readonly CheckItem[],
  totals: CheckTotals,
  c: ChalkInstance,
  passed: "some" | "failures" | "all" = "some",
  width?: number,
): string {
  const ranked = rankWorstFirst(items);
  const bad = ranked.filter((i) => i.status !== "passed");
  const good = ranked.filter((i) => i.status === "passed");
  const limit = passed === "all" ? good.length : passed === "failures" ? 0 : PASSED_SHOWN;
  const shown = [...bad, ...good.slice(0, limit)];
  const lines: string[] = [];
  if (shown.length > 0) {
    const header = [
      "",
      "image",
      "PSNR",
      "SSIM",
      "mismatch",
      "lossy/lossless",
      "findings",
      "failed gates",
    ];
    const table = align(
      [header, ...shown.flatMap((i) => [row(i, c), ...clientRowsOf(i, c)])],
      width,
    );
    lines.push(c.dim(table[0] ?? ""), ...table.slice(1));
    if (good.length > limit) lines.push(c.dim(`(${good.length - limit} more passed)`));
    lines.push("");
  }
  lines.push(verdictLine(totals, c));
  return `${lines.join("\n")}\n`;
}

/** One line, redrawn in place: only ever written to a TTY. */
export function progressLine(done: number, total: number, file: string, columns: number): string {
  const width = 24;
  const filled = total === 0 ? width : Math.round((width * done) / total);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total} `;
  const room = Math.max(0, columns - bar.length - 1);
  const safe = termSafe(file);
  const name = safe.length > room ? `…${safe.slice(safe.length - room + 1)}` : safe;
  return `\r\u001b[K${bar}${name}`;
}
