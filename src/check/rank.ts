import type { CheckItem } from "./types.js";

const STATUS_ORDER = { error: 0, failed: 1, passed: 2 } as const;

/** Worst first: unreadable, then failed, then by PSNR (lowest first; identical last). */
export function rankWorstFirst(items: readonly CheckItem[]): CheckItem[] {
  const psnr = (item: CheckItem) => {
    const metrics = item.report?.metrics;
    if (!metrics) return Number.NEGATIVE_INFINITY;
    return metrics.psnr ?? Number.POSITIVE_INFINITY;
  };
  return [...items].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      psnr(a) - psnr(b) ||
      a.file.localeCompare(b.file),
  );
}
