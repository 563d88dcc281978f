import { toRegExp } from "../settings.js";
import type { DistinctAnswer, Expectation } from "./types.js";

/**
 * An answer as it is compared: Unicode NFKC (full-width digits, ligatures and the like become
 * their plain forms), lower case, runs of whitespace as one space, no space at either end.
 */
export function normalise(text: string): string {
  return text.normalize("NFKC").toLowerCase().replace(/\s+/gu, " ").trim();
}

/**
 * The numbers in a text: "1,204.50" is 1204.5 (commas between groups of three are thousands
 * separators), "-3" is -3, "48213" is 48213.
 */
export function numbersIn(text: string): number[] {
  const found: number[] = [];
  for (const match of text
    .normalize("NFKC")
    .matchAll(/[-+\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?/gu)) {
    const value = Number(match[0].replace(/,/g, "").replace("\u2212", "-"));
    if (Number.isFinite(value)) found.push(value);
  }
  return found;
}

/** Whether an answer meets every part of the expectation. */
export function meets(answer: string, expectation: Expectation): boolean {
  if (expectation.text !== undefined && !normalise(answer).includes(normalise(expectation.text)))
    return false;
  if (expectation.regex !== undefined && !toRegExp(expectation.regex).test(answer)) return false;
  if (expectation.number !== undefined) {
    const { value, tolerance } = expectation.number;
    // A little slack for decimal rounding: 1204.51 is within 0.01 of 1204.5.
    const slack = tolerance + Math.abs(value) * 1e-12;
    if (!numbersIn(answer).some((n) => Math.abs(n - value) <= slack)) return false;
  }
  return true;
}

export function hasExpectation(expectation: Expectation | undefined): expectation is Expectation {
  return (
    expectation !== undefined &&
    (expectation.text !== undefined ||
      expectation.regex !== undefined ||
      expectation.number !== undefined)
  );
}

/** Similarity is measured over this many leading characters, so a huge answer stays cheap. */
export const SIMILARITY_CHARS = 4096;

/** Levenshtein distance over code points, in O(min(m, n)) memory. */
function levenshtein(a: readonly string[], b: readonly string[]): number {
  if (a.length < b.length) [a, b] = [b, a];
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  let current = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
    }
    [previous, current] = [current, previous];
  }
  return previous[b.length] ?? 0;
}

/**
 * Normalised Levenshtein similarity of two answers after normalisation: 1 - distance / length
 * of the longer, over their first SIMILARITY_CHARS code points; 1 for two empty answers.
 */
export function similarity(a: string, b: string): number {
  const x = Array.from(normalise(a)).slice(0, SIMILARITY_CHARS);
  const y = Array.from(normalise(b)).slice(0, SIMILARITY_CHARS);
  const longer = Math.max(x.length, y.length);
  return longer === 0 ? 1 : 1 - levenshtein(x, y) / longer;
}

/** The distinct answers after normalisation, most frequent first (ties: first seen first). */
export function distinctAnswers(answers: readonly string[]): DistinctAnswer[] {
  const byKey = new Map<string, DistinctAnswer>();
  for (const answer of answers) {
    const key = normalise(answer);
    const seen = byKey.get(key);
    if (seen) seen.count++;
    else byKey.set(key, { answer, count: 1 });
  }
  return [...byKey.values()].sort((p, q) => q.count - p.count);
}

/**
 * Wilson score interval for a proportion at 95% confidence (z = 1.96): unlike the normal
 * approximation it stays inside [0, 1] and is honest for small samples and 0% or 100%.
 */
export function wilsonInterval(successes: number, trials: number): [number, number] {
  if (trials === 0) return [0, 1];
  const z = 1.959964;
  const p = successes / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half =
    (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / (1 + z2 / trials);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The expectation in words: `contains "48213"`, `matches \d+`, `holds 1204.5±0.01`. */
export function describeExpectation(e: Expectation): string {
  const parts: string[] = [];
  if (e.text !== undefined) parts.push(`contains "${e.text}"`);
  if (e.regex !== undefined) parts.push(`matches ${e.regex}`);
  if (e.number !== undefined)
    parts.push(`holds ${e.number.value}${e.number.tolerance > 0 ? `±${e.number.tolerance}` : ""}`);
  return parts.join(", ");
}
