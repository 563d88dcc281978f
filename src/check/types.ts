import type { CompareOptions, CompareReport } from "../compare.js";

export interface ReportImage {
  mime: string;
  bytes: Uint8Array;
  width: number;
  height: number;
}

export interface ReportImages {
  source: ReportImage;
  lossy: ReportImage;
  diff?: ReportImage;
}

export interface CheckJob {
  file: string;
  options: Omit<CompareOptions, "stdin" | "diff">;
  /** Also return the payloads and the diff image, for the HTML report. */
  images: boolean;
}

export interface CheckItem {
  file: string;
  /** failed: a gate failed; error: the image could not be read or compared. */
  status: "passed" | "failed" | "error";
  durationMs: number;
  report?: CompareReport;
  error?: { code: string; message: string };
  /** Only when the job asked for images; never part of the JSON. */
  images?: ReportImages;
}

export interface CheckTotals {
  images: number;
  passed: number;
  failed: number;
  errors: number;
  durationMs: number;
  /** Ctrl-C stopped the run before every image was done. */
  interrupted: boolean;
}
