import type { ServerName, ServerPath, ServerPixels, ServerRefusal, Verdict } from "./types.js";

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

/**
 * A base64 data URI's media type as written and where its data starts; undefined when it has no
 * comma or its last parameter is not "base64" in any case (a URL-style reader's split).
 */
export function base64DataUri(reference: string): { type: string; data: number } | undefined {
  const comma = reference.indexOf(",");
  if (comma < 0) return undefined;
  const [type = "", ...params] = reference.slice(5, comma).split(";");
  return params.at(-1)?.toLowerCase() === "base64" ? { type, data: comma + 1 } : undefined;
}

export function isHttpUrl(reference: string): boolean {
  return /^https?:\/\//i.test(reference);
}

/** One server's answer to a data URI or URL, and to the bytes it holds. */
export interface ServerVerdict extends Verdict {
  server: ServerName;
}

/**
 * The server's answer to the reference, then to the bytes once its decoder has read them
 * (`pixels` undefined: the reference rules alone).
 */
export function serverVerdict(
  server: ServerPath,
  reference: string,
  pixels: ServerPixels | ServerRefusal | undefined,
): ServerVerdict {
  const answer = server.accepts(reference);
  if (!answer.accepted || pixels === undefined || !("error" in pixels)) {
    return { server: server.name, ...answer };
  }
  return {
    server: server.name,
    accepted: false,
    reason: pixels.error,
    rule: `${server.description}: its decoder cannot read these bytes`,
  };
}
