import { mimeForFormat, type SniffedFormat, sniffFormat } from "../image/format.js";
import { parseDataUri } from "../source/parse-data-uri.js";
import { codesInGroup, type DataUriCode, findingInfo } from "./codes.js";
import { createFinding as finding, show } from "./messages.js";
import type { Finding, Severity } from "./types.js";

export interface DataUriCodeInfo {
  code: DataUriCode;
  severity: Severity;
  summary: string;
}

/** Every code lintDataUri can report, in report order, as FINDING_CODES lists them. */
export const DATA_URI_CODES: readonly DataUriCodeInfo[] = codesInGroup("data-uri").map((code) => {
  const { severity, meaning } = findingInfo(code);
  return { code, severity, summary: meaning };
});

export interface DataUriLint {
  findings: Finding[];
  /** Declared media type, lower-case, without parameters; "" when none. */
  mediaType: string;
  base64: boolean;
  /** The payload as imgenc's lenient reader decodes it; undefined when the reader rejects it. */
  bytes: Buffer | undefined;
  /** sniffFormat of `bytes`; undefined when `bytes` is. */
  sniffed: SniffedFormat | undefined;
}

/** True when any finding is an error, i.e. a strict consumer would reject the data URI. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}

/** `"!"` for printable ASCII, `U+00E9` otherwise, so invisible characters are named. */
function showChar(text: string, offset: number): string {
  const codePoint = text.codePointAt(offset) ?? 0;
  if (codePoint > 0x20 && codePoint < 0x7f) return `"${String.fromCodePoint(codePoint)}"`;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

function isImage(format: SniffedFormat | undefined): format is SniffedFormat {
  return format !== undefined && format !== "unknown" && format !== "html";
}

/** Format of the first bytes of some base64 text; Buffer's decoder never throws. */
function sniffBase64Head(text: string, start: number): SniffedFormat {
  return sniffFormat(Buffer.from(text.slice(start, start + 96), "base64"));
}

// Unregistered spellings seen in the wild, with the registered type to use instead.
const ALIASES: Record<string, string> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
  "image/x-png": "image/png",
  "image/x-ms-bmp": "image/bmp",
  "image/x-bmp": "image/bmp",
  "image/tif": "image/tiff",
  "image/svg": "image/svg+xml",
};

// Registered types that sniffFormat reports under another name.
const SAME_FORMAT: Record<string, string> = {
  "image/heic": "image/heif",
  "image/heic-sequence": "image/heif",
  "image/heif-sequence": "image/heif",
};

// Character classes for the payload scan (index = char code < 128; anything else is invalid).
const INVALID = 0;
const DATA = 1;
const URL_SAFE = 2;
const PAD = 3;
const SPACE = 4;
const LF = 5;
const CR = 6;
const PERCENT = 7;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9+/]/.test(ch)) CLASS[c] = DATA;
  else if (ch === "-" || ch === "_") CLASS[c] = URL_SAFE;
  else if (ch === "=") CLASS[c] = PAD;
  else if (ch === " " || ch === "\t" || ch === "\f") CLASS[c] = SPACE;
  else if (ch === "\n") CLASS[c] = LF;
  else if (ch === "\r") CLASS[c] = CR;
  else if (ch === "%") CLASS[c] = PERCENT;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

interface Scan {
  dataChars: number;
  trailingPad: number;
  midPad: number;
  midPadOffset: number;
  whitespace: number;
  whitespaceOffset: number;
  lineBreaks: number;
  wrapWidth: number | null;
  urlSafe: number;
  urlSafeOffset: number;
  invalid: number;
  invalidOffset: number;
  percent: number;
}

// Fast path: already-clean base64 needs no per-character loop.
const CLEAN = /[A-Za-z0-9+/]*={0,2}/y;

/** One pass over text[start, end) classifying every character; offsets are into `text`. */
function scanBase64(text: string, start: number, end: number): Scan {
  const scan: Scan = {
    dataChars: 0,
    trailingPad: 0,
    midPad: 0,
    midPadOffset: -1,
    whitespace: 0,
    whitespaceOffset: -1,
    lineBreaks: 0,
    wrapWidth: null,
    urlSafe: 0,
    urlSafeOffset: -1,
    invalid: 0,
    invalidOffset: -1,
    percent: 0,
  };
  CLEAN.lastIndex = start;
  if (CLEAN.test(text) && CLEAN.lastIndex === end && (end - start) % 4 === 0) {
    let pad = 0;
    while (pad < 2 && end - pad > start && text.charCodeAt(end - pad - 1) === 0x3d) pad++;
    scan.trailingPad = pad;
    scan.dataChars = end - start - pad;
    return scan;
  }

  let padRun = 0;
  let padRunStart = -1;
  let lineLen = 0;
  let firstLineLen = -1;
  let uniform = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const kind = c < 128 ? (CLASS[c] as number) : INVALID;
    if (kind !== LF && kind !== CR) lineLen++;
    switch (kind) {
      case DATA:
      case URL_SAFE:
        if (padRun > 0) {
          scan.midPad += padRun;
          if (scan.midPadOffset < 0) scan.midPadOffset = padRunStart;
          padRun = 0;
        }
        scan.dataChars++;
        if (kind === URL_SAFE) {
          if (scan.urlSafe === 0) scan.urlSafeOffset = i;
          scan.urlSafe++;
        }
        break;
      case PAD:
        if (padRun === 0) padRunStart = i;
        padRun++;
        break;
      case SPACE:
      case LF:
      case CR:
        if (scan.whitespace === 0) scan.whitespaceOffset = i;
        scan.whitespace++;
        if (kind === LF) {
          if (firstLineLen < 0) firstLineLen = lineLen;
          else if (lineLen !== firstLineLen) uniform = false;
          scan.lineBreaks++;
          lineLen = 0;
        }
        break;
      default:
        if (kind === PERCENT) scan.percent++;
        if (scan.invalid === 0) scan.invalidOffset = i;
        scan.invalid++;
        // Count an astral character once, not as two UTF-16 units.
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
          const next = text.charCodeAt(i + 1);
          if (next >= 0xdc00 && next <= 0xdfff) i++;
        }
    }
  }
  scan.trailingPad = padRun;
  // Wrapped output: every line the same width, the last one no longer.
  if (scan.lineBreaks > 0 && uniform && firstLineLen > 0 && lineLen > 0 && lineLen <= firstLineLen)
    scan.wrapWidth = firstLineLen;
  return scan;
}

/** A payload without the ";base64" marker that is nevertheless base64 of an image. */
function looksLikeBase64Image(text: string, start: number, end: number): boolean {
  if (end <= start) return false;
  CLEAN.lastIndex = start;
  return CLEAN.test(text) && CLEAN.lastIndex === end && isImage(sniffBase64Head(text, start));
}

function notDataUri(text: string): Finding {
  if (text.length === 0) {
    return finding("not-data-uri", { reason: "empty" });
  }
  const head = text.slice(0, 64);
  const at = head.search(/data:/i);
  if (at > 0) {
    return finding("not-data-uri", { reason: "text-before-scheme", offset: at });
  }
  if (/^[A-Za-z0-9+/_-]{8,}/.test(head)) {
    const format = sniffBase64Head(text, 0);
    if (isImage(format))
      return finding("not-data-uri", { reason: "bare-base64", detected: format });
  }
  return finding("not-data-uri", { reason: "no-scheme" });
}

const NOT_URI: Omit<DataUriLint, "findings"> = {
  mediaType: "",
  base64: false,
  bytes: undefined,
  sniffed: undefined,
};

const ORDER = new Map<string, number>(DATA_URI_CODES.map((c, i) => [c.code, i]));

/**
 * Checks data-URI text against what strict consumers (vLLM, OpenAI, Anthropic) accept, which is
 * stricter than imgenc's own reader. Never throws; linear in the length of the text.
 */
export function lintDataUri(text: string): DataUriLint {
  if (!/^data:/i.test(text)) return { findings: [notDataUri(text)], ...NOT_URI };
  const comma = text.indexOf(",");
  if (comma === -1) {
    return { findings: [finding("not-data-uri", { reason: "no-comma" })], ...NOT_URI };
  }

  // Sliced at the first and last ";" rather than split: a garbage header can be megabytes.
  const header = text.slice(5, comma);
  const firstSemi = header.indexOf(";");
  const lastSemi = header.lastIndexOf(";");
  const marker = firstSemi === -1 ? "" : header.slice(lastSemi + 1);
  // Same rule as the reader: the marker counts only as the last parameter.
  const base64 = marker.trim().toLowerCase() === "base64";
  const rawType = (firstSemi === -1 ? header : header.slice(0, firstSemi)).trim();
  // "data:charset=utf-8,..." has a parameter where the type would be.
  const typeIsParameter = rawType.includes("=");
  const mediaType = typeIsParameter ? "" : rawType.toLowerCase();
  const middle =
    firstSemi === -1 ? "" : header.slice(firstSemi + 1, base64 ? lastSemi : header.length);
  const parameters = typeIsParameter ? (middle === "" ? rawType : `${rawType};${middle}`) : middle;

  // The payload is text[start, end); trailing whitespace is reported on its own.
  const start = comma + 1;
  let end = text.length;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;

  let bytes: Buffer | undefined;
  try {
    // Decoding depends only on the marker; the reader splits the header, so spare it a huge one.
    const decodable =
      header.length > 1024 ? `data:${base64 ? ";base64" : ""}${text.slice(comma)}` : text;
    bytes = parseDataUri(decodable, "").bytes;
  } catch {
    bytes = undefined;
  }
  const sniffed = bytes === undefined ? undefined : sniffFormat(bytes);

  // What the bytes are, for messages; from the payload's head when the whole does not decode.
  const base64WithoutMarker = !base64 && looksLikeBase64Image(text, start, end);
  const detected =
    base64WithoutMarker || (base64 && bytes === undefined && end > start)
      ? sniffBase64Head(text, start)
      : sniffed;

  const findings = mediaTypeFindings(rawType, mediaType, detected);
  findings.push(...headerFindings(parameters, base64, marker));
  if (!base64) findings.push(notBase64(base64WithoutMarker, detected));
  findings.push(...payloadFindings(text, start, end, base64));
  if (sniffed !== undefined && bytes !== undefined && !isImage(sniffed) && !base64WithoutMarker) {
    findings.push(notAnImage(bytes, sniffed));
  }
  findings.sort((a, b) => (ORDER.get(a.code) ?? 0) - (ORDER.get(b.code) ?? 0));
  return { findings, mediaType, base64, bytes, sniffed };
}

function suggestedType(detected: SniffedFormat | undefined): string {
  return isImage(detected) ? mimeForFormat(detected) : "image/png";
}

function mediaTypeFindings(
  rawType: string,
  mediaType: string,
  detected: SniffedFormat | undefined,
): Finding[] {
  const suggested = suggestedType(detected);
  const data = { declared: show(mediaType, 100), detected: detected ?? null, suggested };
  if (mediaType === "") return [finding("missing-media-type", data)];
  if (!mediaType.includes("/")) return [finding("missing-subtype", data)];
  if (!mediaType.startsWith("image/")) return [finding("non-image-media-type", data)];
  const alias = ALIASES[mediaType];
  const canonical = alias ?? SAME_FORMAT[mediaType] ?? mediaType;
  if (isImage(detected) && mimeForFormat(detected) !== canonical) {
    return [finding("media-type-mismatch", data)];
  }
  if (alias !== undefined || rawType !== mediaType) {
    const fix = show(alias ?? mediaType);
    return [finding("nonstandard-media-type", { declared: show(rawType, 100), suggested: fix })];
  }
  return [];
}

const BLANK = /[ \t\n\r\f]*/y;

/** Non-blank ";"-separated entries, counted without building a string per entry. */
function countParameters(list: string): number {
  let count = 0;
  for (let from = 0; from <= list.length; ) {
    let next = list.indexOf(";", from);
    if (next === -1) next = list.length;
    BLANK.lastIndex = from;
    BLANK.test(list);
    if (BLANK.lastIndex < next) count++;
    from = next + 1;
  }
  return count;
}

function headerFindings(parameters: string, base64: boolean, marker: string): Finding[] {
  const findings: Finding[] = [];
  const count = countParameters(parameters);
  if (count > 0) {
    const list = parameters.trim();
    findings.push(finding("media-type-parameters", { parameters: show(list, 100), count }));
  }
  if (base64 && marker !== "base64") {
    findings.push(finding("nonstandard-base64-marker", { marker: show(marker, 100) }));
  }
  return findings;
}

function notBase64(base64WithoutMarker: boolean, detected: SniffedFormat | undefined): Finding {
  return finding(
    "not-base64",
    { base64WithoutMarker },
    { detected: detected ?? null, suggested: suggestedType(detected) },
  );
}

function payloadFindings(text: string, start: number, end: number, base64: boolean): Finding[] {
  const findings: Finding[] = [];
  const trailing = text.length - end;
  let trailingBreaks = 0;
  for (let i = end; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) trailingBreaks++;

  const scan = base64 ? scanBase64(text, start, end) : undefined;
  if (end === start || (scan !== undefined && scan.dataChars === 0 && scan.invalid === 0)) {
    return [finding("empty-payload", { offset: start })];
  }
  if (scan !== undefined && scan.whitespace > 0) {
    // Trailing whitespace is counted here too: one fix (remove all whitespace) covers both.
    findings.push(
      finding("whitespace-in-base64", {
        count: scan.whitespace + trailing,
        lineBreaks: scan.lineBreaks + trailingBreaks,
        wrapWidth: scan.wrapWidth,
        offset: scan.whitespaceOffset,
      }),
    );
  } else if (trailing > 0) {
    findings.push(
      finding("trailing-whitespace", { count: trailing, lineBreaks: trailingBreaks, offset: end }),
    );
  }
  if (scan === undefined) return findings;
  if (scan.urlSafe > 0) {
    findings.push(
      finding("url-safe-alphabet", { count: scan.urlSafe, offset: scan.urlSafeOffset }),
    );
  }
  if (scan.invalid > 0) {
    findings.push(invalidCharacters(text, start, end, scan));
  } else {
    // Padding is only meaningful when every character belongs to the alphabet.
    const padding = badPadding(scan);
    if (padding !== undefined) findings.push(padding);
  }
  return findings;
}

function invalidCharacters(text: string, start: number, end: number, scan: Scan): Finding {
  const percentEncoded = scan.percent > 0 && /%(?:2B|2F|3D)/i.test(text.slice(start, end));
  return finding("invalid-base64-character", {
    char: showChar(text, scan.invalidOffset),
    offset: scan.invalidOffset,
    count: scan.invalid,
    percentEncoded,
  });
}

function badPadding(scan: Scan): Finding | undefined {
  const rest = scan.dataChars % 4;
  const expectedPad = rest === 2 ? 2 : rest === 3 ? 1 : 0;
  const counts = {
    dataChars: scan.dataChars,
    padChars: scan.trailingPad + scan.midPad,
    expectedPad,
  };
  if (scan.midPad > 0) {
    return finding("bad-padding", { kind: "misplaced", offset: scan.midPadOffset, ...counts });
  }
  if (rest === 1) {
    return finding("bad-padding", { kind: "impossible-length", ...counts });
  }
  if (scan.trailingPad < expectedPad) {
    return finding("bad-padding", {
      kind: "missing",
      missing: expectedPad - scan.trailingPad,
      ...counts,
    });
  }
  if (scan.trailingPad > expectedPad) {
    return finding("bad-padding", {
      kind: "excess",
      excess: scan.trailingPad - expectedPad,
      ...counts,
    });
  }
  return undefined;
}

function notAnImage(bytes: Buffer, sniffed: SniffedFormat): Finding {
  if (sniffed === "html") {
    return finding("not-an-image", { detected: "html", length: bytes.length });
  }
  const head = bytes.subarray(0, 96).toString("latin1");
  if (/^data:/i.test(head)) {
    return finding("not-an-image", {
      detected: "unknown",
      length: bytes.length,
      encodedTwice: true,
    });
  }
  if (/^[A-Za-z0-9+/]{16,}/.test(head)) {
    const inner = sniffBase64Head(head, 0);
    if (isImage(inner)) {
      return finding(
        "not-an-image",
        { detected: "unknown", length: bytes.length, encodedTwice: true },
        { inner },
      );
    }
  }
  const hex = bytes.subarray(0, 8).toString("hex");
  return finding("not-an-image", {
    detected: "unknown",
    length: bytes.length,
    head: hex,
    encodedTwice: false,
  });
}
