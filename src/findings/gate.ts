import type { Finding, Severity } from "./types.js";

const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

function isSeverity(value: string): value is Severity {
  return value in RANK;
}

/**
 * The findings that break a `--fail-on` gate: those of a code it names, or of a severity it
 * names or worse ("warning" also takes errors).
 */
export function findingsFailing(
  findings: readonly Finding[],
  failOn: readonly string[],
): Finding[] {
  return findings.filter((f) =>
    failOn.some((wanted) =>
      isSeverity(wanted) ? RANK[f.severity] >= RANK[wanted] : f.code === wanted,
    ),
  );
}
