import { ImgencError } from "../errors.js";
import type { DataUriInfo } from "./types.js";

/** Everything a lenient reader lets through in a base64 payload; "%" is checked separately. */
const NOT_BASE64 = /[^A-Za-z0-9+/=\-_\t\n\f\r %]/;
const NOT_BASE64_DECODED = /[^A-Za-z0-9+/=\-_\t\n\f\r ]/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const PERCENT_ESCAPE = /%([0-9A-Fa-f]{2})/g;

function bad(message: string, input: string): ImgencError {
  return new ImgencError("bad-data-uri", `not a valid data URI: ${message}`, { input });
}

/** `"!"` for printable ASCII, `U+000A` otherwise, so control characters stay visible. */
function showChar(text: string, offset: number): string {
  const codePoint = text.codePointAt(offset) ?? 0;
  if (codePoint > 0x20 && codePoint < 0x7f) return `"${String.fromCodePoint(codePoint)}"`;
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
}

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** URL percent-decoding over bytes (not a string) so %FF stays one byte. Invalid escapes stay literal. */
function percentDecode(bytes: Buffer): Buffer {
  if (bytes.indexOf(0x25) === -1) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0x25 && i + 2 < bytes.length) {
      const high = hexValue(bytes[i + 1] as number);
      const low = hexValue(bytes[i + 2] as number);
      if (high >= 0 && low >= 0) {
        out[o++] = (high << 4) | low;
        i += 2;
        continue;
      }
    }
    out[o++] = byte;
  }
  return out.subarray(0, o);
}

function decodeBase64(payload: string, payloadOffset: number, input: string): Buffer {
  const badAt = payload.search(NOT_BASE64);
  if (badAt !== -1) {
    throw bad(
      `invalid base64 character ${showChar(payload, badAt)} at offset ${payloadOffset + badAt}`,
      input,
    );
  }
  let text = payload;
  if (text.includes("%")) {
    // Base64 that went through URL encoding (%2B, %2F, %3D) is common in HTML attributes.
    const percentAt = text.search(BAD_PERCENT);
    if (percentAt !== -1) {
      throw bad(`invalid base64 character "%" at offset ${payloadOffset + percentAt}`, input);
    }
    text = text.replace(PERCENT_ESCAPE, (_, hex: string) =>
      String.fromCharCode(Number.parseInt(hex, 16)),
    );
    const decodedBadAt = text.search(NOT_BASE64_DECODED);
    if (decodedBadAt !== -1) {
      throw bad(
        `invalid base64 character ${showChar(text, decodedBadAt)} (percent-encoded)`,
        input,
      );
    }
  }
  // Node's decoder stops at the first "=", so data after mid-stream padding would vanish silently.
  const padAt = text.indexOf("=");
  if (padAt !== -1) {
    const afterPad = /[^=\t\n\f\r ]/g;
    afterPad.lastIndex = padAt;
    if (afterPad.exec(text) !== null) {
      throw bad(
        `base64 padding "=" in the middle of the data (offset ${payloadOffset + padAt})`,
        input,
      );
    }
  }
  // Buffer's base64 decoder already skips whitespace and accepts "-"/"_" and missing padding,
  // so no per-character normalisation pass is needed even for very large payloads.
  return Buffer.from(text, "base64");
}

/**
 * Parses `data:[<mediatype>][;params][;base64],<data>`. Lenient on purpose (whitespace, URL-safe
 * alphabet, missing padding, percent-encoded base64); strictness is the linter's job.
 */
export function parseDataUri(text: string, input: string): { bytes: Buffer; info: DataUriInfo } {
  if (!/^data:/i.test(text)) throw bad('must start with "data:"', input);
  const comma = text.indexOf(",");
  if (comma === -1) throw bad("no comma", input);

  const header = text.slice(5, comma);
  const params = header.split(";").map((part) => part.trim());
  const base64 = params.length > 1 && params[params.length - 1]?.toLowerCase() === "base64";
  const first = (params[0] ?? "").toLowerCase();
  // "data:charset=utf-8,..." has parameters but no media type.
  const mediaType = first.includes("=") ? "" : first;

  const payload = text.slice(comma + 1);
  const bytes = base64
    ? decodeBase64(payload, comma + 1, input)
    : percentDecode(Buffer.from(payload, "utf8"));
  if (bytes.length === 0) {
    throw new ImgencError("empty", "data URI has an empty payload", { input });
  }
  return { bytes, info: { mediaType, header, base64, length: text.length, text } };
}

const DISPLAY_HEAD = 32;

/** Short form for messages: a data URI can be tens of megabytes. */
export function dataUriInput(text: string): string {
  // Control characters (line breaks from wrapped base64) would break the one-line message.
  const clean = (s: string) => s.replace(/\p{Cc}/gu, " ");
  if (text.length <= DISPLAY_HEAD + 16) return clean(text);
  return `${clean(text.slice(0, DISPLAY_HEAD))}… (${text.length} chars)`;
}
