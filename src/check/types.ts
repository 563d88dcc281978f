import type { CompareOptions, CompareReport } from "../compare.js";
import type { EntryError, ReportImages } from "../report/types.js";

export interface CheckJob {
  file: string;
  options: Omit<CompareOptions, "stdin" | "diff" | "pixels">;
  /** Also return the images the HTML report embeds (preview-sized for large images). */
  images: boolean;
}

export interface CheckItem {
  file: string;
  /** failed: a gate failed; error: the image could not be read or compared. */
  status: "passed" | "failed" | "error";
  durationMs: number;
  report?: CompareReport;
  error?: EntryError;
  /** Only when the job asked for images; never part of the JSON. */
  images?: ReportImages;
  /** With several client paths: each path's images, in the order of `report.clients`. */
  clientImages?: (ReportImages | undefined)[];
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
