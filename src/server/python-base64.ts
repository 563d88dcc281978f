/**
 * CPython 3.11's `binascii.a2b_base64` (Modules/binascii.c), which `base64.decodebytes` runs
 * lenient and `base64.b64decode(s, validate=True)` runs in strict mode: the same walk over the
 * input, the same stop at a complete pad, the same errors. Servers that take base64 differ
 * mostly here: a line break or a URL-safe character is skipped by one and refused by the other.
 */

export type Base64Result = { bytes: Buffer } | { error: string };

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d;

/** `binascii.a2b_base64(data, strict_mode=strict)`; `data` is the bytes Python sees. */
export function a2bBase64(data: Uint8Array, strict: boolean): Base64Result {
  const out: number[] = [];
  let quad = 0;
  let pads = 0;
  let left = 0;
  let paddingStarted = false;
  for (let i = 0; i < data.length; i++) {
    const ch = data[i] as number;
    if (ch === PAD) {
      paddingStarted = true;
      if (strict && i === 0) return { error: "Leading padding not allowed" };
      // Padding only counts after two characters of a quad; a complete pad ends the input.
      if (quad >= 2) {
        pads++;
        if (quad + pads >= 4) {
          if (strict && i + 1 < data.length) return { error: "Excess data after padding" };
          return { bytes: Buffer.from(out) };
        }
      }
      continue;
    }
    const v = VALUE[ch] as number;
    if (v < 0) {
      if (strict) return { error: "Only base64 data is allowed" };
      continue;
    }
    if (strict && paddingStarted) return { error: "Discontinuous padding not allowed" };
    pads = 0;
    if (quad === 0) {
      left = v;
    } else if (quad === 1) {
      out.push(((left << 2) | (v >> 4)) & 0xff);
      left = v & 0x0f;
    } else if (quad === 2) {
      out.push(((left << 4) | (v >> 2)) & 0xff);
      left = v & 0x03;
    } else {
      out.push(((left << 6) | v) & 0xff);
      left = 0;
    }
    quad = (quad + 1) % 4;
  }
  if (quad === 1) {
    const count = Math.floor(out.length / 3) * 4 + 1;
    return {
      error: `Invalid base64-encoded string: number of data characters (${count}) cannot be 1 more than a multiple of 4`,
    };
  }
  if (quad !== 0) return { error: "Incorrect padding" };
  return { bytes: Buffer.from(out) };
}

/** Where `text` is not 7-bit ASCII, which Python's `b64decode` of a str refuses outright. */
export function nonAscii(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return i;
  return -1;
}

/**
 * `base64.b64decode(text, validate=...)` on a str, as far as it decides success or failure:
 * Python's error message, or null when it decodes.
 */
export function pythonBase64Error(text: string, validate: boolean): string | null {
  if (nonAscii(text) >= 0) return "string argument should contain only ASCII characters";
  const result = a2bBase64(Buffer.from(text, "latin1"), validate);
  return "error" in result ? result.error : null;
}
