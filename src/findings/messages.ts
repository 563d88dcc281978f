import { count } from "../format/numbers.js";
import { mimeForFormat } from "../image/format.js";
import { type FindingCode, findingInfo } from "./codes.js";
import type { Finding } from "./types.js";

/**
 * The one place findings become English. A finding is its code and its `data`; the message
 * every consumer shows (terminal, HTML report, JSON `message`) is rendered here from them.
 * A few messages also name something scripts have never been given in `data` (the container
 * of an animation, a decoder's error); those come as a second, unserialised argument.
 */

type Value = number | string | boolean | null;
type Triple = readonly [number, number, number];

type MediaTypeData = {
  declared: string;
  detected: string | null;
  suggested: string;
};

type NotDataUriData =
  | { reason: "empty" }
  | { reason: "text-before-scheme"; offset: number }
  | { reason: "bare-base64"; detected: string }
  | { reason: "no-scheme" }
  | { reason: "no-comma" };

type PaddingCounts = { dataChars: number; padChars: number; expectedPad: number };

type BadPaddingData =
  | ({ kind: "misplaced"; offset: number } & PaddingCounts)
  | ({ kind: "impossible-length" } & PaddingCounts)
  | ({ kind: "missing"; missing: number } & PaddingCounts)
  | ({ kind: "excess"; excess: number } & PaddingCounts);

type NotAnImageData = {
  detected: string;
  length: number;
  head?: string;
  encodedTwice?: boolean;
};

type DeltaEData = { meanDeltaE: number; maxDeltaE: number; p95DeltaE: number; formula: string };

export const fixed = (n: number, digits = 1) => Number(n.toFixed(digits));

const rgb = (c: Triple) => `(${c.map((v) => Math.round(v)).join(", ")})`;

/** Clipped, with control characters made visible, so a message stays one short line. */
export function show(text: string, max = 40): string {
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text;
  return clipped.replace(/[\p{Cc}\u2028\u2029]/gu, "\uFFFD");
}

function plural(n: number, word: string): string {
  return `${count(n)} ${word}${n === 1 ? "" : "s"}`;
}

function wrapNote(width: number | null): string {
  if (width === 64) return " (wrapped at 64 columns, as openssl base64 does)";
  if (width === 76) return " (wrapped at 76 columns, as GNU base64 and MIME do)";
  if (width !== null) return ` (wrapped at ${width} columns)`;
  return "";
}

/** A sniffed format that is an image (not "html", "unknown" or nothing). */
function isImage(format: string | null | undefined): format is string {
  return format !== undefined && format !== null && format !== "unknown" && format !== "html";
}

const upper = (format: string | null | undefined) => (format ?? "").toUpperCase();

/** How the picture looks when the stored pixels are shown without the EXIF correction. */
const UNCORRECTED: Record<number, string> = {
  2: "mirrored left to right",
  3: "upside down",
  4: "mirrored top to bottom",
  5: "mirrored and lying on its side",
  6: "turned 90° counter-clockwise",
  7: "mirrored and lying on its side",
  8: "turned 90° clockwise",
};

/** The lower of the Cb and Cr PSNRs; null (identical channel) counts as infinite. */
const worst = (cb: number | null, cr: number | null) =>
  Math.min(cb ?? Number.POSITIVE_INFINITY, cr ?? Number.POSITIVE_INFINITY);

const MESSAGES = {
  "not-data-uri": (d: NotDataUriData) => {
    switch (d.reason) {
      case "empty":
        return 'empty text; pass a data URI such as "data:image/png;base64,…"';
      case "text-before-scheme":
        return `${plural(d.offset, "character")} (whitespace, a quote or a BOM?) before "data:"; remove them`;
      case "bare-base64":
        return `bare base64 of ${upper(d.detected)} bytes without a header; prepend "data:${mimeForFormat(d.detected)};base64,"`;
      case "no-scheme":
        return `does not start with "data:"; a data URI looks like "data:image/png;base64,<base64>"`;
      case "no-comma":
        return 'no comma after the header; write "data:image/png;base64,<base64>"';
    }
  },
  "missing-media-type": (d: MediaTypeData) =>
    `no media type declared; OpenAI and Anthropic need one and qwen-vl-utils needs "data:image"; declare ${d.suggested}`,
  "missing-subtype": (d: MediaTypeData) =>
    `media type "${show(d.declared)}" has no subtype: accepted by vLLM and qwen-vl-utils, rejected by stricter APIs (OpenAI, Anthropic); declare ${d.suggested}`,
  "non-image-media-type": (d: MediaTypeData) => {
    const really = isImage(d.detected)
      ? `the bytes are ${upper(d.detected)}; declare ${d.suggested}`
      : d.detected === "html"
        ? "the bytes are an HTML page, not an image; encode the image file itself"
        : "the bytes are not a known image either; encode the image file itself";
    return `declared "${show(d.declared)}" is not an image type (qwen-vl-utils and the APIs reject it); ${really}`;
  },
  "media-type-mismatch": (d: MediaTypeData) =>
    `declared ${show(d.declared)} but the bytes are ${upper(d.detected)}; Anthropic rejects the mismatch and vLLM ignores the declared type; declare ${d.suggested}`,
  "nonstandard-media-type": (d: { declared: string; suggested: string }) =>
    `"${show(d.declared)}" is not the registered spelling; APIs that check the type exactly may reject it; use ${d.suggested}`,
  "media-type-parameters": (d: { parameters: string; count: number }) =>
    `header parameters ";${show(d.parameters)}": Ollama and older vLLM releases reject them (current vLLM strips them); remove them`,
  "nonstandard-base64-marker": (d: { marker: string }) =>
    `marker ";${show(d.marker)}" is not exactly ";base64"; vLLM compares it exactly and qwen-vl-utils looks for lower-case "base64,"; write ";base64"`,
  "not-base64": (
    d: { base64WithoutMarker: boolean },
    x: { detected: string | null; suggested: string },
  ) =>
    d.base64WithoutMarker
      ? `the payload is base64 of ${upper(x.detected)} bytes but the header lacks a final ";base64" marker; write "data:${x.suggested};base64,"`
      : `payload is percent-encoded, not base64; vLLM and OpenAI accept only base64; encode the file with base64 and write "data:${x.suggested};base64,"`,
  "empty-payload": (_: { offset: number }) =>
    "no data after the comma; the encoded file is missing (was it empty, or was the text cut off?)",
  "whitespace-in-base64": (d: {
    count: number;
    lineBreaks: number;
    wrapWidth: number | null;
    offset: number;
  }) =>
    `${plural(d.count, "whitespace character")} inside the base64${wrapNote(d.wrapWidth)}; strict decoders such as vLLM's (validate=True) reject it; remove line breaks (base64 -w0, openssl base64 -A)`,
  "trailing-whitespace": (d: { count: number; lineBreaks: number; offset: number }) =>
    `${plural(d.count, "whitespace character")} after the payload (read from a file or stdin?); imgenc strips it but strict decoders such as vLLM's reject it; strip it before sending`,
  "url-safe-alphabet": (d: { count: number; offset: number }) =>
    `${plural(d.count, "URL-safe base64 character")} ("-" or "_", first at offset ${count(d.offset)}); vLLM's strict decoder rejects them; replace - with + and _ with / (use base64.b64encode, not urlsafe_b64encode)`,
  "invalid-base64-character": (d: {
    char: string;
    offset: number;
    count: number;
    percentEncoded: boolean;
  }) => {
    const fix = d.percentEncoded
      ? "the base64 was URL-encoded (%2B, %2F, %3D); URL-decode it before use"
      : "the text was corrupted or other text got mixed in; re-encode the file";
    return `invalid base64 character ${d.char} at offset ${count(d.offset)} (${plural(d.count, "character")} outside the alphabet); ${fix}`;
  },
  "bad-padding": (d: BadPaddingData) => {
    switch (d.kind) {
      case "misplaced":
        return `"=" padding at offset ${count(d.offset)} in the middle of the base64 (two encodings joined?); decoders stop there or fail; encode the whole file once`;
      case "impossible-length":
        return `${count(d.dataChars)} base64 characters leave one stray character (length % 4 = 1): the text is truncated or has an extra character; re-encode the file`;
      case "missing":
        return `base64 padding is missing (length is not a multiple of 4); Python's b64decode and vLLM reject it; append "${"=".repeat(d.missing)}"`;
      case "excess":
        return `too much base64 padding: ${d.padChars} "=" where ${d.expectedPad} belong; remove ${d.excess}`;
    }
  },
  "not-an-image": (d: NotAnImageData, x?: { inner: string }) => {
    if (d.detected === "html") {
      return "the payload is an HTML page (an error or login page?), not an image; encode the image file itself";
    }
    if (d.encodedTwice && x !== undefined) {
      return `the payload is base64 of base64 (encoded twice; inside is ${upper(x.inner)}); encode the image bytes once`;
    }
    if (d.encodedTwice) {
      return "the payload is itself a data URI (encoded twice); encode the image bytes, not the data URI";
    }
    return `the bytes are no known image format (first bytes ${d.head}); encode a PNG, JPEG, GIF or WebP file`;
  },
  "corrupt-image": (_: { format: string }, x: { cause: string }) =>
    `the payload cannot be decoded: ${x.cause}; was the data URI cut short?`,
  "content-type-mismatch": (d: { declared: string; detected: string }) =>
    `the server says ${d.declared} but the bytes are ${d.detected}; clients that trust the header will mislabel the image`,
  "dimensions-differ": (d: { widthA: number; heightA: number; widthB: number; heightB: number }) =>
    `A is ${d.widthA}x${d.heightA} but B is ${d.widthB}x${d.heightB}: pixel metrics need equal sizes (was one resized?)`,
  "alpha-dropped": (
    d: {
      pixels: number;
      share: number;
      storedR: number;
      storedG: number;
      storedB: number;
      whiteR: number;
      whiteG: number;
      whiteB: number;
      /** With a client path: what it shows there. */
      shows?: "stored-colour" | "black" | "white";
    },
    // The message rounds the unrounded means, which data keeps to two decimals only.
    x: { imagePixels: number; stored: Triple; white: Triple; shown: Triple },
  ) => {
    const opaque = `${count(d.pixels)} pixels (${fixed((100 * d.pixels) / x.imagePixels)}%) are not fully opaque`;
    if (d.shows === undefined) {
      return (
        `${opaque}: Pillow's convert("RGB") drops alpha and shows their stored colour, ` +
        `mean ${rgb(x.stored)}, where qwen-vl-utils and vLLM composite onto white, mean ${rgb(x.white)}; composite before encoding`
      );
    }
    if (d.shows === "white") {
      return `${opaque}: this path composites them onto white, mean ${rgb(x.shown)}, as qwen-vl-utils and vLLM would; transparency itself is gone`;
    }
    const what =
      d.shows === "black" ? "blends them onto black" : "drops alpha and shows their stored colour";
    return `${opaque}: this path ${what}, mean ${rgb(x.shown)}, where qwen-vl-utils and vLLM composite the original onto white, mean ${rgb(x.white)}; composite onto white before encoding`;
  },
  "orientation-lost": (d: { orientation: number }) =>
    `EXIF orientation ${d.orientation} is not applied by Pillow's save, qwen-vl-utils or vLLM before mid-2026: the model sees the picture ${UNCORRECTED[d.orientation] ?? `in the stored orientation (EXIF ${d.orientation})`}; apply it before encoding (ImageOps.exif_transpose)`,
  "icc-dropped": (d: { profile: string } & DeltaEData) =>
    `the ${d.profile} ICC profile is ignored by Pillow-based model stacks (the model sees the stored values) and dropped by re-encoding: a viewer sees colours shift by a mean ΔE2000 of ${fixed(d.meanDeltaE, 2)} (max ${fixed(d.maxDeltaE, 1)}); convert to sRGB before encoding`,
  "depth-reduced": (d: { bitDepth: number; clippedShare?: number }) => {
    const message = `${d.bitDepth} bits per channel become 8: ${count(2 ** d.bitDepth)} levels per channel fall to 256`;
    if (d.clippedShare === undefined) return message;
    return `${message}; worse, Pillow reads 16-bit greyscale as mode "I" and convert("RGB") clips it, so ${fixed(100 * d.clippedShare)}% of pixels turn white`;
  },
  "frames-dropped": (d: { frames: number }, x: { format: string }) => {
    const what = x.format === "tiff" ? "pages" : "frames";
    return `the ${x.format.toUpperCase()} has ${count(d.frames)} ${what}: the payload keeps only the first; send the ${what} that matter as separate images`;
  },
  "cmyk-converted": (d: DeltaEData) =>
    `CMYK source: Pillow converts it without a colour profile (R = 255 - C - K ...), a mean ΔE2000 of ${fixed(d.meanDeltaE, 2)} (max ${fixed(d.maxDeltaE, 1)}) from a profile-based conversion; convert to sRGB with a CMYK profile before encoding`,
  "second-jpeg-generation": (d: { sourceQuality: number | null }) =>
    `the source is already a JPEG (${d.sourceQuality === null ? "an unknown quality" : `quality ${d.sourceQuality}`}): re-encoding adds a second round of loss; send the original bytes (the URL, or --lossless original) instead`,
  "server-rejects-data-uri": (d: { server: string; reason: string; rule: string; url?: boolean }) =>
    `${d.server} refuses this ${d.url ? "URL" : "data URI"} (${show(d.reason)}): the model never sees the image`,
  "payload-larger-than-source": (d: {
    payloadBytes: number;
    sourceBytes: number;
    /** With a client path: the format it sends ("PNG"); otherwise the payload is the JPEG. */
    format?: string;
  }) =>
    d.format === undefined || d.format === "JPEG"
      ? `the "compressed" JPEG payload is ${fixed(d.payloadBytes / d.sourceBytes, 2)}x the source's ${count(d.sourceBytes)} bytes while losing detail: send the source bytes instead`
      : `the ${d.format} payload is ${fixed(d.payloadBytes / d.sourceBytes, 2)}x the source's ${count(d.sourceBytes)} bytes: send the source bytes instead`,
  "chroma-subsampling": (d: {
    cbPsnr: number | null;
    crPsnr: number | null;
    cbPsnr444: number | null;
    crPsnr444: number | null;
    lumaPsnr: number | null;
  }) => {
    const full = worst(d.cbPsnr444, d.crPsnr444);
    const kept = Number.isFinite(full) ? `${fixed(full, 2)} dB` : "it exactly";
    return `4:2:0 chroma subsampling smears fine colour detail: chroma PSNR ${fixed(worst(d.cbPsnr, d.crPsnr), 2)} dB, where 4:4:4 at the same quality keeps ${kept}; use 4:4:4 (Pillow: subsampling=0)`;
  },
} satisfies { [C in FindingCode]: (data: never, extra: never) => string };

type Messages = typeof MESSAGES;

/** What `data` holds for a code. */
type FindingData<C extends FindingCode> = Parameters<Messages[C]>[0];

/** The message-only values a code needs besides its data; none for most codes. */
type Extra<C extends FindingCode> =
  Parameters<Messages[C]> extends [unknown, ...infer Rest] ? Rest : [];

/** The English of a finding, from its code and data (and, for a few codes, `extra`). */
function findingMessage<C extends FindingCode>(
  code: C,
  data: FindingData<C>,
  ...extra: Extra<C>
): string {
  const render = MESSAGES[code] as (data: unknown, extra: unknown) => string;
  const message = render(data, extra[0]);
  // Data-URI messages quote hostile input and must stay one line.
  if (findingInfo(code).group !== "data-uri") return message;
  return message.replace(/[\p{Cc}\u2028\u2029]/gu, "\uFFFD");
}

/** A finding of `code`: its severity from the table, its message from findingMessage. */
export function createFinding<C extends FindingCode>(
  code: C,
  data: FindingData<C>,
  ...extra: Extra<C>
): Finding {
  return {
    code,
    severity: findingInfo(code).severity,
    message: findingMessage(code, data, ...extra),
    data: data as Record<string, Value>,
  };
}

/** A finding about one client path's payload: named in the message and in `data.client`. */
export function forClient(finding: Finding, client: string): Finding {
  return {
    ...finding,
    message: `${client}: ${finding.message}`,
    data: { ...finding.data, client },
  };
}

/** A finding about one of two sources ("A" or "B"): named in the message and in `data.source`. */
export function forSource(finding: Finding, source: string): Finding {
  return {
    ...finding,
    message: `${source}: ${finding.message}`,
    data: { ...finding.data, source },
  };
}
