import { InvalidArgumentError } from "commander";
import type { MismatchLimit } from "../gates.js";

/** One voice for every option error: "expected <what> but received '<value>'". */
function invalid(what: string, value: string): InvalidArgumentError {
  return new InvalidArgumentError(`expected ${what} but received '${value}'.`);
}

export function numberIn(min: number, max: number, { integer = false } = {}) {
  const what = `${integer ? "a whole number" : "a number"} from ${min} to ${max}`;
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n < min || n > max)
      throw invalid(what, value);
    if (integer && !Number.isInteger(n)) throw invalid(what, value);
    return n;
  };
}

export function positiveNumber(what: string, { max = Number.POSITIVE_INFINITY } = {}) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n) || n <= 0 || n > max) throw invalid(what, value);
    return n;
  };
}

/** Node's timers take at most 2^31-1 ms; a longer one fires at once with a warning. */
export const MAX_TIMEOUT_SECONDS = (2 ** 31 - 1) / 1000;

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
};

/** "52428800", "50MB", "512k": sizes in bytes, with binary k/M/G suffixes. */
export function byteSize(value: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = match ? UNITS[(match[2] ?? "").toLowerCase()] : undefined;
  if (!match || unit === undefined) throw invalid("a size such as 52428800, 512k or 50MB", value);
  const bytes = Math.floor(Number(match[1]) * unit);
  if (bytes < 1) throw invalid("a size of at least 1 byte", value);
  return bytes;
}

/** "250" pixels or "0.5%" of all pixels. */
export function mismatchLimit(value: string): MismatchLimit {
  const percent = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value);
  if (percent) {
    const share = Number(percent[1]) / 100;
    if (share > 1) throw invalid("a percentage from 0% to 100%", value);
    return { share };
  }
  if (/^\s*\d+\s*$/.test(value)) return { count: Number(value) };
  throw invalid("a pixel count such as 250 or a share such as 0.5%", value);
}

/** "2/4": the second of four shards. */
export function shard(value: string): { index: number; count: number } {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || index < 1 || index > count) {
    throw invalid("a shard i/n with 1 <= i <= n, such as 2/4", value);
  }
  return { index, count };
}
