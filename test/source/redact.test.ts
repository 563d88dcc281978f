import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ImgencError } from "../../src/errors.js";
import { isSecretParam, redactSpec, redactText, redactUrl } from "../../src/source/redact.js";

describe("redactUrl", () => {
  const cases: [string, string][] = [
    // userinfo: the user name stays (as curl shows it), the password goes
    ["http://user:secret@host/a.png", "http://user:***@host/a.png"],
    ["https://user:@host/a.png", "https://user:***@host/a.png"],
    ["https://:secret@host/a.png", "https://:***@host/a.png"],
    // a lone user name is where tokens go
    ["https://ghp_abc123@host/a.png", "https://***@host/a.png"],
    // the last "@" ends the userinfo; an "@" in the path is not userinfo
    ["http://u:p@ss@host/a.png", "http://u:***@host/a.png"],
    ["http://host/a@b.png", "http://host/a@b.png"],
    // the URL parser reads these forms as http://user:secret@host too
    ["http:user:secret@host/a.png", "http:user:***@host/a.png"],
    ["HTTP:\\\\user:secret@host\\a.png", "HTTP:\\\\user:***@host\\a.png"],
    // S3 presigned (v4): the signature, credential and session token; the dates stay readable
    [
      "https://b.s3.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20250101&X-Amz-Date=20250101T000000Z&X-Amz-Expires=300&X-Amz-Security-Token=FQo&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef",
      "https://b.s3.amazonaws.com/k.png?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=***&X-Amz-Date=20250101T000000Z&X-Amz-Expires=300&X-Amz-Security-Token=***&X-Amz-SignedHeaders=host&X-Amz-Signature=***",
    ],
    // S3 v2 and CloudFront
    [
      "https://h/k.png?AWSAccessKeyId=AKIA&Expires=1&Signature=abc",
      "https://h/k.png?AWSAccessKeyId=***&Expires=1&Signature=***",
    ],
    // Google Cloud Storage
    [
      "https://storage.googleapis.com/b/k.png?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=sa%40p&X-Goog-Signature=00ff",
      "https://storage.googleapis.com/b/k.png?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Credential=***&X-Goog-Signature=***",
    ],
    // Azure SAS: only sig is the secret
    [
      "https://a.blob.core.windows.net/c/k.png?sv=2022-11-02&se=2025-01-01&sp=r&sr=b&sig=abc%3D",
      "https://a.blob.core.windows.net/c/k.png?sv=2022-11-02&se=2025-01-01&sp=r&sr=b&sig=***",
    ],
    // generic tokens and keys, any case, "-" or "_", suffixes
    [
      "https://h/i.png?w=200&TOKEN=t&Api-Key=k&apikey=k&access_token=a&auth_token=b&sessionToken=c&client_secret=d&password=e&key=f&code=g&auth=h",
      "https://h/i.png?w=200&TOKEN=***&Api-Key=***&apikey=***&access_token=***&auth_token=***&sessionToken=***&client_secret=***&password=***&key=***&code=***&auth=***",
    ],
    // a name spelled with percent escapes or broken by a tab is the same name on the wire
    ["https://h/i.png?%73ig=abc&si\tg=def", "https://h/i.png?%73ig=***&si\tg=***"],
    // OAuth implicit flow puts the token in the fragment
    [
      "https://h/i.png?w=1#access_token=abc&state=x",
      "https://h/i.png?w=1#access_token=***&state=x",
    ],
    ["https://h/i.png#section", "https://h/i.png#section"],
    // nothing to hide
    ["https://h/i.png?w=200&fmt=png", "https://h/i.png?w=200&fmt=png"],
    ["https://h/i.png?signature", "https://h/i.png?signature"],
    // not URLs
    ["photos/a.png", "photos/a.png"],
    ["-", "-"],
    ["mailto:user:pw@host", "mailto:user:pw@host"],
  ];
  for (const [url, expected] of cases) {
    test(url, () => assert.equal(redactUrl(url), expected));
  }

  test("is idempotent", () => {
    for (const [url, expected] of cases) assert.equal(redactUrl(expected), expected, url);
  });
});

test("isSecretParam: the names asked about, and harmless ones", () => {
  for (const name of ["X-Amz-Signature", "x-amz-credential", "X-AMZ-SECURITY-TOKEN", "sig"]) {
    assert.ok(isSecretParam(name), name);
  }
  for (const name of ["X-Amz-Date", "X-Amz-Expires", "se", "sp", "sv", "w", "width", "format"]) {
    assert.ok(!isSecretParam(name), name);
  }
});

test("redactText masks every URL in a sentence and keeps the punctuation around it", () => {
  assert.equal(
    redactText(
      "HTTP 403 Forbidden (after redirects to https://h/k.png?X-Amz-Signature=abc), from http://u:p@h/.",
    ),
    "HTTP 403 Forbidden (after redirects to https://h/k.png?X-Amz-Signature=***), from http://u:***@h/.",
  );
  assert.equal(redactText("no URL here: a:b@c"), "no URL here: a:b@c");
});

test("redactSpec masks a URL whole, even with a space in its password", () => {
  assert.equal(redactSpec("http://user:pass word@host/a.png"), "http://user:***@host/a.png");
  assert.equal(redactSpec("photos/a.png"), "photos/a.png");
});

test("ImgencError masks its input and message, and keeps the cause", () => {
  const cause = new Error("raw");
  const error = new ImgencError(
    "http-status",
    "HTTP 403 Forbidden (after redirects to https://h/k.png?sig=abc)",
    { input: "https://user:secret@h/k.png?token=t", cause },
  );
  assert.equal(error.input, "https://user:***@h/k.png?token=***");
  assert.equal(error.message, "HTTP 403 Forbidden (after redirects to https://h/k.png?sig=***)");
  assert.equal(error.cause, cause);
  assert.ok(!String(error).includes("secret"));
});
