import type { CompareReport } from "../compare.js";
import type { Finding } from "../findings/types.js";

/** Encoded bytes kept elsewhere (a spool file), read when the page gets to them. */
export interface StoredBytes {
  byteLength: number;
  read(): Promise<Uint8Array>;
}

/** One image the page embeds: a payload, a downscaled view of it, a crop or a diff. */
export interface ReportImage {
  mime: string;
  /** Of the image embedded (a preview's size when downscaled). */
  width: number;
  height: number;
  bytes: Uint8Array | StoredBytes;
}

/** The first payload, the second, and pixelmatch's diff, shown side by side. */
export interface ReportView {
  source: ReportImage;
  lossy: ReportImage;
  diff?: ReportImage;
}

export interface ReportCrop extends ReportView {
  x: number;
  y: number;
  width: number;
  height: number;
  /** What chose the region: most pixelmatch mismatches, else most absolute difference. */
  by: "mismatch" | "difference" | "centre";
}

/**
 * What the page embeds for one image. Without `divisor` the views are the payloads' own bytes
 * and the diff at full size; with it, every view is downscaled by that integer factor and a
 * 1:1 crop of the region with the most difference comes along.
 */
export interface ReportImages extends ReportView {
  divisor?: number;
  crop?: ReportCrop;
}

/** Why an image has no report: the error's stable code and its one line. */
export interface EntryError {
  code: string;
  message: string;
}

/** One image on the page. */
export interface ReportEntry {
  /** Anchor id; made safe and unique on the page (the JSON block carries the one used). */
  id: string;
  title: string;
  /** null when the image could not be read. */
  report: CompareReport | null;
  error?: EntryError;
  passed: boolean;
  /** source = the first payload (lossless), lossy = the second; as they are, or previews. */
  images?: ReportImages;
  /** `imgenc ask --report`: the model's answers to each payload variant of this image. */
  answers?: ReportAnswers;
  /** `imgenc proxy --report` (with `report` null): an image as a client sent it. */
  sent?: ReportSent;
}

/** One image a client sent, as the proxy analysed it. */
export interface ReportSent {
  /** The one-line analysis the proxy printed for it. */
  summary: string;
  findings: Finding[];
  /** The image as sent, shown on the page; absent for a URL or bytes over the page's bound. */
  image?: ReportImage;
}

/** What a model answered for each variant, as `ask` judged it. */
export interface ReportAnswers {
  model: string;
  prompt: string;
  /** The expectation in words ("contains \"48213\""); null when the variants are compared. */
  expectation: string | null;
  variants: {
    variant: string;
    bytes: number;
    /** Each distinct answer and how many runs gave it. */
    answers: { answer: string; count: number }[];
    status: "passed" | "failed" | "error";
    similarity: number | null;
  }[];
}
