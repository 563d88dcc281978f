import type { FindingCode } from "./codes.js";

export type Severity = "error" | "warning" | "info";

/**
 * A finding is data: a stable code for scripts and tests (one of FINDING_CODES), a severity,
 * and one line for people that says what is wrong and how to fix it, rendered from the code
 * and `data` by findingMessage. `data` carries the figures behind the message.
 */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  message: string;
  data?: Record<string, number | string | boolean | null>;
}
