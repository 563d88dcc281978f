/**
 * Masking of secrets carried in URLs, for everything imgenc shows: text, JSON, reports, JUnit
 * and error lines. A password in the userinfo and the values of signature-like query
 * parameters become "***"; the rest of the URL is kept as written, so a reader still sees which
 * image it was and can tell an expired signed link (X-Amz-Date, X-Amz-Expires, se) from a
 * wrong one.
 */

const MASK = "***";

/** Query parameter names (lower-case, "-" read as "_") whose values are secrets. */
const SECRET_NAMES = new Set([
  // AWS S3 presigned URLs, v4 and v2; CloudFront signed URLs
  "x_amz_signature",
  "x_amz_credential",
  "x_amz_security_token",
  "awsaccesskeyid",
  "signature",
  // Google Cloud Storage signed URLs
  "x_goog_signature",
  "x_goog_credential",
  "x_goog_security_token",
  "googleaccessid",
  // Azure SAS: only sig is secret; sv, se, sp, sr, st stay readable
  "sig",
  // OAuth and generic API keys
  "token",
  "access_token",
  "id_token",
  "refresh_token",
  "code",
  "key",
  "api_key",
  "apikey",
  "auth",
  "authorization",
  "password",
  "passwd",
  "pwd",
  "secret",
  "client_secret",
  "credential",
  "credentials",
  "session",
  "sessionid",
  "jwt",
  "hmac",
]);

/** Suffixes that mark a secret whatever comes before: auth_token, sessionToken, app-secret. */
const SECRET_SUFFIX = /(?:token|secret|signature|password|passwd|credentials?|_key|apikey)$/;

/** Percent escapes decoded, or the text as it is when they are malformed. */
export function decodePercent(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function decodeName(name: string): string {
  // The URL parser drops tabs and newlines anywhere, so "sig\tnature" is "signature" on the wire.
  return decodePercent(name.replace(/[\t\n\r]/g, "").replace(/\+/g, " "));
}

/** True for a query parameter name whose value must not be shown. */
export function isSecretParam(name: string): boolean {
  const key = decodeName(name).trim().toLowerCase().replace(/-/g, "_");
  return SECRET_NAMES.has(key) || SECRET_SUFFIX.test(key);
}

/** "a=1&sig=xyz" -> "a=1&sig=***"; separators and unmasked pairs are kept byte for byte. */
function redactParams(params: string): string {
  return params
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq < 0 || !isSecretParam(pair.slice(0, eq))) return pair;
      return `${pair.slice(0, eq)}=${MASK}`;
    })
    .join("&");
}

/** Schemes whose authority may follow any run of "/" and "\" (WHATWG "special" schemes). */
const SPECIAL = /^(?:https?|wss?|ftp|file):/i;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Masks one URL as written: "https://user:pw@host/p?X-Amz-Signature=abc#access_token=t" becomes
 * "https://user:***@host/p?X-Amz-Signature=***#access_token=***". A user name without a password
 * is masked whole, since that is where tokens go ("https://<token>@host"). Text that is not a
 * URL is returned unchanged.
 */
export function redactUrl(url: string): string {
  const scheme = SCHEME.exec(url)?.[0];
  if (scheme === undefined) return url;
  const special = SPECIAL.test(url);
  const slashes = (special ? /^[/\\]*/ : /^\/\/|^/).exec(url.slice(scheme.length))?.[0] ?? "";
  // Only "scheme://authority" forms carry userinfo; "mailto:", "data:" and the like do not.
  if (!special && slashes === "") return url;
  const start = scheme.length + slashes.length;
  const rest = url.slice(start);
  const authorityEnd = rest.search(special ? /[/\\?#]/ : /[/?#]/);
  let authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  let tail = authorityEnd < 0 ? "" : rest.slice(authorityEnd);

  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = authority.slice(0, at);
    const colon = userinfo.indexOf(":");
    const masked = colon < 0 ? MASK : `${userinfo.slice(0, colon)}:${MASK}`;
    authority = `${masked}${authority.slice(at)}`;
  }

  const hash = tail.indexOf("#");
  let fragment = "";
  if (hash >= 0) {
    fragment = tail.slice(hash);
    tail = tail.slice(0, hash);
    // OAuth's implicit flow returns "#access_token=...": mask a fragment shaped like a query.
    if (fragment.includes("=")) fragment = `#${redactParams(fragment.slice(1))}`;
  }
  const question = tail.indexOf("?");
  if (question >= 0) {
    tail = `${tail.slice(0, question + 1)}${redactParams(tail.slice(question + 1))}`;
  }
  return `${url.slice(0, start)}${authority}${tail}${fragment}`;
}

/** A URL inside free text ends at whitespace, a quote or an angle bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]*/gi;

/** Punctuation that ends a sentence rather than the URL: "(after redirects to <url>)". */
const TRAILING = /[).,;:!?\]}]+$/;

/** Masks every "scheme://..." URL inside a message (error text from undici, Node, a server). */
export function redactText(text: string): string {
  return text.replace(URL_IN_TEXT, (match) => {
    const trailing = TRAILING.exec(match)?.[0] ?? "";
    return redactUrl(match.slice(0, match.length - trailing.length)) + trailing;
  });
}

/**
 * The display form of a source spec or error input: a URL is masked as a whole (it may contain
 * spaces), anything else (a path, "-", a shortened data URI) is masked only where it contains
 * a URL.
 */
export function redactSpec(spec: string): string {
  return SPECIAL.test(spec) || /^[a-z][a-z0-9+.-]*:\/\//i.test(spec)
    ? redactUrl(spec)
    : redactText(spec);
}
