import { ImgencError } from "../errors.js";

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

/**
 * Reads a whole stream into memory, refusing to hold more than maxBytes: the cap is checked per
 * chunk so an endless or lying source stops costing memory as soon as it crosses the line.
 * String chunks (a stream with an encoding set) are taken as UTF-8.
 */
export async function readCapped(
  stream: AsyncIterable<Uint8Array | string>,
  maxBytes: number,
  input: string,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of stream) {
      const buffer =
        typeof chunk === "string"
          ? Buffer.from(chunk, "utf8")
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      total += buffer.byteLength;
      if (total > maxBytes) throw tooLarge(input, maxBytes);
      chunks.push(buffer);
    }
  } catch (error) {
    // Leaving for-await already calls return(), but a plain async iterable wrapping a stream
    // may not forward it; destroying is what actually closes the fd or socket.
    if (hasDestroy(stream)) destroyQuietly(stream);
    throw error;
  }
  return Buffer.concat(chunks, total);
}
