import { stripVTControlCharacters as plain } from "node:util";
import type { ChalkInstance } from "chalk";

/**
 * Untrusted text (file names, URLs, ICC descriptions, server and decoder messages) is escaped
 * before it reaches a terminal or a CI log: an ESC or OSC sequence could retitle the terminal or
 * rewrite what is on screen, a CR could overwrite the line, and a newline could start a line of
 * its own that GitHub Actions obeys ("::error::..."). The formatters' own newlines and colours
 * are added around the escaped values, never inside them.
 */

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * C0 controls, DEL and C1 controls; U+2028 and U+2029, which some viewers take as line breaks;
 * and the bidirectional embeddings, overrides and isolates, which reorder what is shown.
 */
function isUnsafe(code: number): boolean {
  return (
    code < 0x20 ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x2028 ||
    code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2066 && code <= 0x2069)
  );
}

function escapeChar(char: string): string {
  const named = NAMED[char];
  if (named !== undefined) return named;
  const code = char.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

/** One value, safe to print: ESC becomes "\x1b", a newline "\n", U+2028 "\u2028". */
export function termSafe(value: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < value.length; i++) {
    if (!isUnsafe(value.charCodeAt(i))) continue;
    out += value.slice(from, i) + escapeChar(value.charAt(i));
    from = i + 1;
  }
  return from === 0 ? value : out + value.slice(from);
}

/**
 * Multi-line text whose line breaks are meant (a stack trace under --debug): each line is
 * escaped and the "\n" between them kept.
 */
export function termSafeLines(text: string): string {
  return text.split("\n").map(termSafe).join("\n");
}

/** The verdict column of check and ask tables: pass, FAIL, or ERROR (could not be judged). */
export function statusMark(status: "passed" | "failed" | "error", c: ChalkInstance): string {
  return status === "passed"
    ? c.green("pass")
    : status === "failed"
      ? c.red("FAIL")
      : c.red("ERROR");
}

/**
 * `text` cut to `width` characters by replacing its middle with "…", keeping the start and, when
 * it fits, the whole file name after the last "/". No width (piped output): unchanged.
 */
export function shortenMiddle(text: string, width: number | undefined): string {
  const chars = [...text];
  if (width === undefined || chars.length <= width) return text;
  if (width <= 1) return "…".slice(0, width);
  const name = chars.length - 1 - chars.lastIndexOf("/");
  const half = Math.ceil((width - 1) / 2);
  const tail = name + 1 <= width - 2 ? Math.max(half, name + 1) : half;
  const head = width - 1 - tail;
  return `${chars.slice(0, head).join("")}…${chars.slice(chars.length - tail).join("")}`;
}

/**
 * Words (which may carry colour) laid out in lines of at most `width` visible characters: the
 * first line after `first`, the others after `indent` spaces. A word longer than a line is cut.
 * No width (piped output): one line.
 */
export function wrapHanging(
  first: string,
  words: readonly string[],
  width: number | undefined,
  indent: number,
): string[] {
  if (width === undefined) return [`${first}${words.join(" ")}`];
  const room = Math.max(1, width - indent);
  const lines: string[] = [];
  let line = first;
  let used = plain(first).length;
  let empty = true;
  const pieces = words.flatMap((word) => {
    const length = [...plain(word)].length;
    if (length <= room || plain(word) !== word) return [word];
    const chars = [...word];
    return Array.from({ length: Math.ceil(chars.length / room) }, (_, i) =>
      chars.slice(i * room, (i + 1) * room).join(""),
    );
  });
  for (const word of pieces) {
    const length = [...plain(word)].length;
    if (!empty && used + 1 + length > width) {
      lines.push(line);
      line = " ".repeat(indent);
      used = indent;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    used += empty ? length : length + 1;
    empty = false;
  }
  lines.push(line);
  return lines;
}
