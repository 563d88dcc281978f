import type { Metrics } from "./metrics/measure.js";

/** A mismatch limit is an absolute pixel count or a share of all pixels (0-1). */
export type MismatchLimit = { count: number } | { share: number };

export interface Gates {
  minPsnr?: number;
  minSsim?: number;
  maxMismatch?: MismatchLimit;
}

export interface GateResult {
  /** Stable name, as the flag: "min-psnr", "min-ssim", "max-mismatch". */
  gate: "min-psnr" | "min-ssim" | "max-mismatch";
  metric: "psnr" | "ssim" | "mismatchedPixels" | "mismatchShare";
  limit: number;
  /** null when the metric could not be computed (different dimensions, image under 11 px). */
  value: number | null;
  passed: boolean;
}

/** The gates among a set of settings (a config's, a command line's). */
export function gatesOf(settings: Gates): Gates {
  return {
    ...(settings.minPsnr !== undefined && { minPsnr: settings.minPsnr }),
    ...(settings.minSsim !== undefined && { minSsim: settings.minSsim }),
    ...(settings.maxMismatch !== undefined && { maxMismatch: settings.maxMismatch }),
  };
}

/**
 * Identical payloads have no PSNR (infinite): they pass any PSNR limit. A metric that could not
 * be computed fails its gate, since nothing shows the limit holds.
 */
export function evaluateGates(metrics: Metrics | null, gates: Gates): GateResult[] {
  const results: GateResult[] = [];
  if (gates.minPsnr !== undefined) {
    const value = metrics === null ? null : metrics.psnr;
    const passed = metrics !== null && (metrics.identical || (value ?? 0) >= gates.minPsnr);
    results.push({ gate: "min-psnr", metric: "psnr", limit: gates.minPsnr, value, passed });
  }
  if (gates.minSsim !== undefined) {
    const value = metrics?.ssim ?? null;
    results.push({
      gate: "min-ssim",
      metric: "ssim",
      limit: gates.minSsim,
      value,
      passed: value !== null && value >= gates.minSsim,
    });
  }
  if (gates.maxMismatch !== undefined) {
    const limit = gates.maxMismatch;
    if ("count" in limit) {
      const value = metrics?.mismatchedPixels ?? null;
      results.push({
        gate: "max-mismatch",
        metric: "mismatchedPixels",
        limit: limit.count,
        value,
        passed: value !== null && value <= limit.count,
      });
    } else {
      const value = metrics?.mismatchShare ?? null;
      results.push({
        gate: "max-mismatch",
        metric: "mismatchShare",
        limit: limit.share,
        value,
        passed: value !== null && value <= limit.share,
      });
    }
  }
  return results;
}
