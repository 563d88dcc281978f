import { redactSpec, redactText } from "./source/redact.js";

/**
 * Every failure the core reports is an ImgencError with a stable code. The CLI maps these to
 * one line on stderr and exit code 2; anything else is a bug and is rethrown.
 */
export type ErrorCode =
  | "usage"
  | "not-found"
  | "is-directory"
  | "unreadable"
  | "empty"
  | "too-large"
  | "too-many-pixels"
  | "http-status"
  | "timeout"
  | "network"
  | "too-many-redirects"
  | "bad-data-uri"
  | "not-image"
  | "decode"
  | "client-unsupported"
  | "cannot-fit"
  | "config"
  | "output"
  | "unauthorized"
  | "model-not-found"
  | "rate-limited"
  | "bad-response";

export class ImgencError extends Error {
  override readonly name = "ImgencError";
  readonly code: ErrorCode;
  /** The source spec or path the error is about, as the user wrote it (secrets masked). */
  readonly input: string | undefined;

  /**
   * Passwords and signatures in URLs are masked in both the input and the message here, so no
   * output that shows an error (a line, JSON, JUnit, a report) can leak them. `cause` keeps the
   * original error.
   */
  constructor(code: ErrorCode, message: string, options: { input?: string; cause?: unknown } = {}) {
    super(redactText(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.input = options.input === undefined ? undefined : redactSpec(options.input);
  }

  /** One line for a person: "<input>: <message>". */
  override toString(): string {
    return this.input === undefined ? this.message : `${this.input}: ${this.message}`;
  }
}

export function isImgencError(error: unknown): error is ImgencError {
  return error instanceof ImgencError;
}

/** Names the input on errors raised by code that works on bytes and does not know it. */
export async function withInput<T>(input: string, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ImgencError && error.input === undefined) {
      throw new ImgencError(error.code, error.message, { input, cause: error });
    }
    throw error;
  }
}

const WRITE_ERRORS: Record<string, string> = {
  EISDIR: "is a folder",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EFBIG: "file too large",
  EROFS: "read-only file system",
  ENOTDIR: "a parent is not a folder",
  EIO: "input/output error",
};

/** `cannot write: <cause in words>` about a file, or about `<stdout>`. */
export function cannotWrite(name: string, error: unknown): ImgencError {
  const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
  return new ImgencError("output", `cannot write: ${WRITE_ERRORS[code] ?? code}`, {
    input: name,
    cause: error,
  });
}
