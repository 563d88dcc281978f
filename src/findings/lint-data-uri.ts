import { mimeForFormat, type SniffedFormat, sniffFormat } from "../image/format.js";
import { parseDataUri } from "../source/parse-data-uri.js";
import type { Finding, Severity } from "./types.js";

export interface DataUriCodeInfo {
  code: string;
  severity: Severity;
  summary: string;
}

/** Every code lintDataUri can report, in report order; the severity here is the one it uses. */
export const DATA_URI_CODES = [
  {
    code: "not-data-uri",
    severity: "error",
    summary: 'Does not start with "data:" or has no comma.',
  },
  {
    code: "missing-media-type",
    severity: "warning",
    summary: "No media type (data:;base64, or data:,).",
  },
  {
    code: "missing-subtype",
    severity: "warning",
    summary: "Media type without a subtype (data:image;base64,).",
  },
  {
    code: "non-image-media-type",
    severity: "error",
    summary: "Declared type is not image/* (text/plain, application/octet-stream).",
  },
  {
    code: "media-type-mismatch",
    severity: "error",
    summary: "Declared image type differs from what the bytes are.",
  },
  {
    code: "nonstandard-media-type",
    severity: "warning",
    summary: "Unregistered alias or upper case (image/jpg, IMAGE/PNG).",
  },
  {
    code: "media-type-parameters",
    severity: "warning",
    summary: "Parameters such as ;charset=utf-8 in the header; vLLM rejects them.",
  },
  {
    code: "nonstandard-base64-marker",
    severity: "warning",
    summary: "The marker is not exactly ;base64 (;BASE64, ; base64); vLLM rejects it.",
  },
  {
    code: "not-base64",
    severity: "error",
    summary: "No final ;base64 marker (percent-encoded payload).",
  },
  { code: "empty-payload", severity: "error", summary: "Nothing after the comma." },
  {
    code: "whitespace-in-base64",
    severity: "error",
    summary: "Spaces or line breaks inside the base64 (64/76-column wrapping).",
  },
  {
    code: "trailing-whitespace",
    severity: "warning",
    summary: "A newline or space after the payload.",
  },
  { code: "url-safe-alphabet", severity: "error", summary: 'URL-safe base64 ("-" and "_").' },
  {
    code: "invalid-base64-character",
    severity: "error",
    summary: "Characters outside the base64 alphabet.",
  },
  {
    code: "bad-padding",
    severity: "error",
    summary: '"=" padding missing, excessive or in the middle.',
  },
  {
    code: "not-an-image",
    severity: "error",
    summary: "The bytes are no known image format (or an HTML page).",
  },
] as const satisfies readonly DataUriCodeInfo[];

type DataUriCode = (typeof DATA_URI_CODES)[number]["code"];

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

type Data = NonNullable<Finding["data"]>;

const SEVERITY = new Map<string, Severity>(DATA_URI_CODES.map((c) => [c.code, c.severity]));

function finding(code: DataUriCode, message: string, data: Data): Finding {
  // Messages are one line even when they quote hostile input.
  const line = message.replace(/[\p{Cc}\u2028\u2029]/gu, "\uFFFD");
  return { code, severity: SEVERITY.get(code) ?? "error", message: line, data };
}

/** True when any finding is an error, i.e. a strict consumer would reject the data URI. */
export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === "error");
}

/** Clipped, with control characters made visible, so a message stays one short line. */
function show(text: string, max = 40): string {
  const clipped = text.length > max ? `${text.slice(0, max)}…` : text;
  return clipped.replace(/[\p{Cc}\u2028\u2029]/gu, "\uFFFD");
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

function wrapNote(width: number | null): string {
  if (width === 64) return " (wrapped at 64 columns, as openssl base64 does)";
  if (width === 76) return " (wrapped at 76 columns, as GNU base64 and MIME do)";
  if (width !== null) return ` (wrapped at ${width} columns)`;
  return "";
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function notDataUri(text: string): Finding {
  if (text.length === 0) {
    return finding(
      "not-data-uri",
      'empty text; pass a data URI such as "data:image/png;base64,…"',
      {
        reason: "empty",
      },
    );
  }
  const head = text.slice(0, 64);
  const at = head.search(/data:/i);
  if (at > 0) {
    return finding(
      "not-data-uri",
      `${plural(at, "character")} (whitespace, a quote or a BOM?) before "data:"; remove them`,
      { reason: "text-before-scheme", offset: at },
    );
  }
  if (/^[A-Za-z0-9+/_-]{8,}/.test(head)) {
    const format = sniffBase64Head(text, 0);
    if (isImage(format)) {
      const mime = mimeForFormat(format);
      return finding(
        "not-data-uri",
        `bare base64 of ${format.toUpperCase()} bytes without a header; prepend "data:${mime};base64,"`,
        { reason: "bare-base64", detected: format },
      );
    }
  }
  return finding(
    "not-data-uri",
    `does not start with "data:"; a data URI looks like "data:image/png;base64,<base64>"`,
    { reason: "no-scheme" },
  );
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
    const noComma = finding(
      "not-data-uri",
      'no comma after the header; write "data:image/png;base64,<base64>"',
      { reason: "no-comma" },
    );
    return { findings: [noComma], ...NOT_URI };
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
  const declared = show(mediaType);
  const data = { declared: show(mediaType, 100), detected: detected ?? null, suggested };
  if (mediaType === "") {
    return [
      finding(
        "missing-media-type",
        `no media type declared; OpenAI and Anthropic need one and qwen-vl-utils needs "data:image"; declare ${suggested}`,
        data,
      ),
    ];
  }
  if (!mediaType.includes("/")) {
    return [
      finding(
        "missing-subtype",
        `media type "${declared}" has no subtype: accepted by vLLM and qwen-vl-utils, rejected by stricter APIs (OpenAI, Anthropic); declare ${suggested}`,
        data,
      ),
    ];
  }
  if (!mediaType.startsWith("image/")) {
    const really = isImage(detected)
      ? `the bytes are ${detected.toUpperCase()}; declare ${suggested}`
      : detected === "html"
        ? "the bytes are an HTML page, not an image; encode the image file itself"
        : "the bytes are not a known image either; encode the image file itself";
    return [
      finding(
        "non-image-media-type",
        `declared "${declared}" is not an image type (qwen-vl-utils and the APIs reject it); ${really}`,
        data,
      ),
    ];
  }
  const alias = ALIASES[mediaType];
  const canonical = alias ?? SAME_FORMAT[mediaType] ?? mediaType;
  if (isImage(detected) && mimeForFormat(detected) !== canonical) {
    return [
      finding(
        "media-type-mismatch",
        `declared ${declared} but the bytes are ${detected.toUpperCase()}; Anthropic rejects the mismatch and vLLM ignores the declared type; declare ${suggested}`,
        data,
      ),
    ];
  }
  if (alias !== undefined || rawType !== mediaType) {
    const fix = show(alias ?? mediaType);
    return [
      finding(
        "nonstandard-media-type",
        `"${show(rawType)}" is not the registered spelling; APIs that check the type exactly may reject it; use ${fix}`,
        { declared: show(rawType, 100), suggested: fix },
      ),
    ];
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
    findings.push(
      finding(
        "media-type-parameters",
        `header parameters ";${show(list)}": vLLM accepts only "<type>;base64" and rejects them; remove them`,
        { parameters: show(list, 100), count },
      ),
    );
  }
  if (base64 && marker !== "base64") {
    findings.push(
      finding(
        "nonstandard-base64-marker",
        `marker ";${show(marker)}" is not exactly ";base64"; vLLM compares it exactly and qwen-vl-utils looks for lower-case "base64,"; write ";base64"`,
        { marker: show(marker, 100) },
      ),
    );
  }
  return findings;
}

function notBase64(base64WithoutMarker: boolean, detected: SniffedFormat | undefined): Finding {
  const suggested = suggestedType(detected);
  const message = base64WithoutMarker
    ? `the payload is base64 of ${(detected ?? "").toUpperCase()} bytes but the header lacks a final ";base64" marker; write "data:${suggested};base64,"`
    : `payload is percent-encoded, not base64; vLLM and OpenAI accept only base64; encode the file with base64 and write "data:${suggested};base64,"`;
  return finding("not-base64", message, { base64WithoutMarker });
}

function payloadFindings(text: string, start: number, end: number, base64: boolean): Finding[] {
  const findings: Finding[] = [];
  const trailing = text.length - end;
  let trailingBreaks = 0;
  for (let i = end; i < text.length; i++) if (text.charCodeAt(i) === 0x0a) trailingBreaks++;

  const scan = base64 ? scanBase64(text, start, end) : undefined;
  if (end === start || (scan !== undefined && scan.dataChars === 0 && scan.invalid === 0)) {
    return [
      finding(
        "empty-payload",
        "no data after the comma; the encoded file is missing (was it empty, or was the text cut off?)",
        { offset: start },
      ),
    ];
  }
  if (scan !== undefined && scan.whitespace > 0) {
    // Trailing whitespace is counted here too: one fix (remove all whitespace) covers both.
    findings.push(
      finding(
        "whitespace-in-base64",
        `${plural(scan.whitespace + trailing, "whitespace character")} inside the base64${wrapNote(scan.wrapWidth)}; strict decoders such as vLLM's (validate=True) reject it; remove line breaks (base64 -w0, openssl base64 -A)`,
        {
          count: scan.whitespace + trailing,
          lineBreaks: scan.lineBreaks + trailingBreaks,
          wrapWidth: scan.wrapWidth,
          offset: scan.whitespaceOffset,
        },
      ),
    );
  } else if (trailing > 0) {
    findings.push(
      finding(
        "trailing-whitespace",
        `${plural(trailing, "whitespace character")} after the payload (read from a file or stdin?); imgenc strips it but strict decoders such as vLLM's reject it; strip it before sending`,
        { count: trailing, lineBreaks: trailingBreaks, offset: end },
      ),
    );
  }
  if (scan === undefined) return findings;
  if (scan.urlSafe > 0) {
    findings.push(
      finding(
        "url-safe-alphabet",
        `${plural(scan.urlSafe, "URL-safe base64 character")} ("-" or "_", first at offset ${scan.urlSafeOffset}); vLLM's strict decoder rejects them; replace - with + and _ with / (use base64.b64encode, not urlsafe_b64encode)`,
        { count: scan.urlSafe, offset: scan.urlSafeOffset },
      ),
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
  const char = showChar(text, scan.invalidOffset);
  const fix = percentEncoded
    ? "the base64 was URL-encoded (%2B, %2F, %3D); URL-decode it before use"
    : "the text was corrupted or other text got mixed in; re-encode the file";
  return finding(
    "invalid-base64-character",
    `invalid base64 character ${char} at offset ${scan.invalidOffset} (${plural(scan.invalid, "character")} outside the alphabet); ${fix}`,
    { char, offset: scan.invalidOffset, count: scan.invalid, percentEncoded },
  );
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
    return finding(
      "bad-padding",
      `"=" padding at offset ${scan.midPadOffset} in the middle of the base64 (two encodings joined?); decoders stop there or fail; encode the whole file once`,
      { kind: "misplaced", offset: scan.midPadOffset, ...counts },
    );
  }
  if (rest === 1) {
    return finding(
      "bad-padding",
      `${scan.dataChars} base64 characters leave one stray character (length % 4 = 1): the text is truncated or has an extra character; re-encode the file`,
      { kind: "impossible-length", ...counts },
    );
  }
  if (scan.trailingPad < expectedPad) {
    const missing = expectedPad - scan.trailingPad;
    return finding(
      "bad-padding",
      `base64 padding is missing (length is not a multiple of 4); Python's b64decode and vLLM reject it; append "${"=".repeat(missing)}"`,
      { kind: "missing", missing, ...counts },
    );
  }
  if (scan.trailingPad > expectedPad) {
    const excess = scan.trailingPad - expectedPad;
    return finding(
      "bad-padding",
      `too much base64 padding: ${scan.trailingPad} "=" where ${expectedPad} belong; remove ${excess}`,
      { kind: "excess", excess, ...counts },
    );
  }
  return undefined;
}

function notAnImage(bytes: Buffer, sniffed: SniffedFormat): Finding {
  if (sniffed === "html") {
    return finding(
      "not-an-image",
      "the payload is an HTML page (an error or login page?), not an image; encode the image file itself",
      { detected: "html", length: bytes.length },
    );
  }
  const head = bytes.subarray(0, 96).toString("latin1");
  if (/^data:/i.test(head)) {
    return finding(
      "not-an-image",
      "the payload is itself a data URI (encoded twice); encode the image bytes, not the data URI",
      { detected: "unknown", length: bytes.length, encodedTwice: true },
    );
  }
  if (/^[A-Za-z0-9+/]{16,}/.test(head)) {
    const inner = sniffBase64Head(head, 0);
    if (isImage(inner)) {
      return finding(
        "not-an-image",
        `the payload is base64 of base64 (encoded twice; inside is ${inner.toUpperCase()}); encode the image bytes once`,
        { detected: "unknown", length: bytes.length, encodedTwice: true },
      );
    }
  }
  const hex = bytes.subarray(0, 8).toString("hex");
  return finding(
    "not-an-image",
    `the bytes are no known image format (first bytes ${hex}); encode a PNG, JPEG, GIF or WebP file`,
    { detected: "unknown", length: bytes.length, head: hex, encodedTwice: false },
  );
}
