import { ImgencError } from "../errors.js";
import { NOT_AN_IMAGE, refusalFromHead } from "../image/format.js";
import { hasCatchAllLoader } from "../image/sharp.js";
import { MAX_TIMER_MS } from "../settings.js";

const UNITS = ["B", "kB", "MB", "GB", "TB"] as const;

/**
 * "812 B", "1.5 kB", "50 MB". Powers of 1024, so the 50 MiB default reads as "50 MB", matching
 * how the limit is described in help text.
 */
export function formatBytes(n: number): string {
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : 1;
  // Number() drops a trailing ".0" so exact sizes read "50 MB", not "50.0 MB".
  return `${Number(value.toFixed(digits))} ${UNITS[unit]}`;
}

/** The one too-large error, so every source words the limit (and the fix) the same way. */
export function tooLarge(input: string, maxBytes: number, actualBytes?: number): ImgencError {
  const limit = `the ${formatBytes(maxBytes)} input limit (raise --max-input-bytes)`;
  const message =
    actualBytes === undefined
      ? `larger than ${limit}`
      : `${formatBytes(actualBytes)} is larger than ${limit}`;
  return new ImgencError("too-large", message, { input });
}

interface Destroyable {
  destroy(error?: Error): unknown;
  on?: (event: "error", listener: () => void) => unknown;
}

function hasDestroy(value: unknown): value is Destroyable {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { destroy?: unknown }).destroy === "function"
  );
}

/** Some streams (undici bodies) emit an "aborted" error when destroyed early; nobody needs it. */
function destroyQuietly(stream: Destroyable): void {
  if (typeof stream.on === "function") stream.on("error", () => undefined);
  stream.destroy();
}

/** A stream this long is sniffed: bytes that cannot start an image end the read there. */
export const SNIFF_AFTER_BYTES = 64 * 1024;

/** Looks at a stream's first bytes: an error when they cannot start an image. */
export type Sniff = (head: Buffer, input: string) => Promise<ImgencError | undefined>;

/** The refusal decoding would give, made from the first bytes (see refusalFromHead). */
export const sniffImage: Sniff = async (head, input) => {
  const refusal = refusalFromHead(head);
  if (refusal === undefined) return undefined;
  if (refusal === NOT_AN_IMAGE && (await hasCatchAllLoader())) return undefined;
  return new ImgencError("not-image", refusal, { input });
};

export interface ReadOptions {
  /**
   * Checks the first SNIFF_AFTER_BYTES of a longer stream (default: sniffImage), so /dev/zero
   * or a huge download of the wrong thing stops there rather than at maxBytes; false reads any
   * bytes. Shorter streams are read whole and judged by whoever decodes them.
   */
  sniff?: Sniff | false;
  /** Gives up when the stream has not ended this many milliseconds after reading began. */
  timeoutMs?: number;
  /** What the stream is, for the timeout message ("stdin", "the pipe"). */
  what?: string;
}

function seconds(ms: number): string {
  return String(Number((ms / 1000).toFixed(3)));
}

function timedOut(input: string, ms: number, what: string, bytesRead: number): ImgencError {
  const message =
    bytesRead === 0
      ? `timed out after ${seconds(ms)} s: ${what} sent nothing and did not end (raise --timeout)`
      : `timed out after ${seconds(ms)} s: ${what} did not end (${formatBytes(bytesRead)} read; raise --timeout)`;
  return new ImgencError("timeout", message, { input });
}

/**
 * Reads a whole stream into memory, refusing to hold more than maxBytes: the cap is checked per
 * chunk so an endless or lying source stops costing memory as soon as it crosses the line.
 * String chunks (a stream with an encoding set) are taken as UTF-8. A stream that never ends
 * (stdin left open, a pipe nobody writes to) ends at options.timeoutMs.
 */
export async function readCapped(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  input: string,
  options: ReadOptions = {},
): Promise<Buffer> {
  const sniff = options.sniff ?? sniffImage;
  const chunks: Buffer[] = [];
  let total = 0;
  let sniffed = sniff === false;
  let timer: NodeJS.Timeout | undefined;
  const { timeoutMs } = options;
  // Beyond 2^31-1 ms Node's timers fire at once; a deadline that far away is no deadline.
  const expired =
    timeoutMs === undefined || !(timeoutMs <= MAX_TIMER_MS)
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(timedOut(input, timeoutMs, options.what ?? "the source", total)),
            timeoutMs,
          );
        });
  const iterator = stream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await (expired ? Promise.race([iterator.next(), expired]) : iterator.next());
      if (next.done) break;
      const chunk = next.value;
      const buffer =
        typeof chunk === "string"
          ? Buffer.from(chunk, "utf8")
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      total += buffer.byteLength;
      if (total > maxBytes) throw tooLarge(input, maxBytes);
      chunks.push(buffer);
      if (sniff !== false && !sniffed && total >= SNIFF_AFTER_BYTES) {
        sniffed = true;
        const refusal = await sniff(Buffer.concat(chunks, total), input);
        if (refusal !== undefined) throw refusal;
      }
    }
  } catch (error) {
    // Destroying is what actually closes the fd or socket: a plain async iterable wrapping a
    // stream may not forward return(), and a pending read (a timeout) never reaches it.
    if (hasDestroy(stream)) destroyQuietly(stream);
    iterator.return?.().catch(() => undefined);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks, total);
}
