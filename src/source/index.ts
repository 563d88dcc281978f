import { ImgencError } from "../errors.js";
import { readFileSource } from "./file.js";
import { dataUriInput, parseDataUri } from "./parse-data-uri.js";
import { redactSpec, redactUrl } from "./redact.js";
import { readStdin } from "./stdin.js";
import type { Source, SourceOptions } from "./types.js";

// The HTTP client (and node:http with it) loads with the first URL, not at start-up.
let http: typeof import("./http.js") | undefined;
const loadHttp = async () => {
  http ??= await import("./http.js");
  return http;
};

/** Close the HTTP client's connections, if a URL was ever read. */
export async function closeHttpAgent(): Promise<void> {
  await http?.closeHttpAgent();
}
export { dataUriInput } from "./parse-data-uri.js";
export { readStdinRaw } from "./stdin.js";
export * from "./types.js";

/** "scheme://" for anything we do not handle; a Windows "C:\\" path does not match. */
const OTHER_SCHEME = /^([a-z][a-z0-9+.-]*:)\/\//i;

/**
 * Reads an image source: "-" (stdin), a data URI, an http(s) URL, a file: URL or a path.
 * Every expected failure is an ImgencError whose `input` is the display form of `spec`. A
 * URL's password and signature-like query parameters are masked in `input` and `finalUrl`.
 */
export async function readSource(spec: string, opts: SourceOptions = {}): Promise<Source> {
  if (spec === "-") {
    if (opts.stdin === undefined) {
      throw new ImgencError("usage", "reading stdin needs a stdin stream (opts.stdin)", {
        input: spec,
      });
    }
    const { bytes, dataUri } = await readStdin(opts.stdin, opts);
    return dataUri === undefined
      ? { input: spec, kind: "stdin", bytes }
      : { input: spec, kind: "stdin", bytes, dataUri };
  }
  if (/^data:/i.test(spec)) {
    const input = dataUriInput(spec);
    const { bytes, info } = parseDataUri(spec, input);
    return { input, kind: "data-uri", bytes, dataUri: info };
  }
  if (/^https?:/i.test(spec)) {
    // The display name is masked here, once, so every report and formatter gets it masked.
    const input = redactSpec(spec);
    const { bytes, finalUrl, contentType } = await (await loadHttp()).fetchUrl(spec, opts, input);
    const source: Source = { input, kind: "url", bytes, finalUrl: redactUrl(finalUrl) };
    if (contentType !== undefined) source.contentType = contentType;
    return source;
  }
  if (/^file:/i.test(spec)) {
    const input = redactSpec(spec);
    return { input, kind: "file", bytes: await readFileSource(spec, opts, input) };
  }
  const scheme = OTHER_SCHEME.exec(spec)?.[1];
  if (scheme !== undefined) {
    throw new ImgencError(
      "usage",
      `unsupported URL scheme ${scheme.toLowerCase()} (use http, https, data or a path)`,
      { input: spec },
    );
  }
  return { input: spec, kind: "file", bytes: await readFileSource(spec, opts, spec) };
}
