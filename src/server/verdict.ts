import type { Verdict } from "./types.js";

export function accepted(rule: string): Verdict {
  return { accepted: true, reason: null, rule };
}

export function rejected(reason: string, rule: string): Verdict {
  return { accepted: false, reason, rule };
}

/** "data:" in any case, as URL schemes are case-insensitive. */
export function isDataUri(reference: string): boolean {
  return reference.slice(0, 5).toLowerCase() === "data:";
}

export function isHttpUrl(reference: string): boolean {
  return /^https?:\/\//i.test(reference);
}
