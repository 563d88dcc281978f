import { ImgencError } from "../errors.js";
import { readCapped, sniffImage } from "./limit.js";
import { parseDataUri } from "./parse-data-uri.js";
import {
  type DataUriInfo,
  DEFAULT_MAX_INPUT_BYTES,
  DEFAULT_TIMEOUT_MS,
  type SourceOptions,
} from "./types.js";

const STDIN_INPUT = "-";
const DATA_PREFIX = Buffer.from("data:");

function isSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === 0x0c;
}

/** True when the bytes are data-URI text (after whitespace or a BOM), not an image. */
function looksLikeDataUri(bytes: Buffer): boolean {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  while (i < bytes.length && isSpace(bytes[i] as number)) i++;
  if (bytes.length - i < DATA_PREFIX.length) return false;
  for (let k = 0; k < DATA_PREFIX.length; k++) {
    // | 0x20 lower-cases ASCII letters; ":" already has that bit set.
    if (((bytes[i + k] as number) | 0x20) !== DATA_PREFIX[k]) return false;
  }
  return true;
}

/**
 * Reads all of stdin without interpreting it, within opts.timeoutMs (stdin left open by its
 * writer would otherwise be waited on forever): `text` is set (trimmed, BOM dropped) when the
 * bytes are data-URI text rather than an image.
 */
export async function readStdinRaw(
  stream: AsyncIterable<Uint8Array | string>,
  opts: SourceOptions = {},
): Promise<{ raw: Buffer; text?: string }> {
  const maxBytes = opts.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  const raw = await readCapped(stream, maxBytes, STDIN_INPUT, {
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    what: "stdin",
    // Data-URI text is not an image but is read whole; so is a head of blank lines before it.
    sniff: (head, input) =>
      looksLikeDataUri(head) || head.every(isSpace)
        ? Promise.resolve(undefined)
        : sniffImage(head, input),
  });
  if (raw.length === 0) throw new ImgencError("empty", "stdin is empty", { input: STDIN_INPUT });
  if (raw.every(isSpace)) {
    throw new ImgencError("empty", "stdin is empty (only whitespace)", { input: STDIN_INPUT });
  }
  // trim() also drops a leading BOM (U+FEFF).
  return looksLikeDataUri(raw) ? { raw, text: raw.toString("utf8").trim() } : { raw };
}

/**
 * Reads all of stdin. Text starting with "data:" is parsed as a data URI (so
 * `echo "data:..." | imgenc -` works, trailing newline and all); anything else is image bytes.
 */
export async function readStdin(
  stream: AsyncIterable<Uint8Array | string>,
  opts: SourceOptions = {},
): Promise<{ bytes: Buffer; dataUri?: DataUriInfo }> {
  const { raw, text } = await readStdinRaw(stream, opts);
  if (text === undefined) return { bytes: raw };
  const { bytes, info } = parseDataUri(text, STDIN_INPUT);
  return { bytes, dataUri: info };
}
