export type Severity = "error" | "warning" | "info";

/**
 * A finding is data: a stable code for scripts and tests, a severity, and one line for people
 * that says what is wrong and how to fix it. `data` carries the figures behind the message.
 */
export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  data?: Record<string, number | string | boolean | null>;
}
