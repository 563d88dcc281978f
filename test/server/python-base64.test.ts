import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { pythonBase64Error } from "../../src/server/python-base64.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

const python = new PythonSession(`
import base64, json

def b64(data):
    out = []
    for text in json.loads(bytes(data)):
        row = []
        for validate in (False, True):
            try:
                base64.b64decode(text, validate=validate)
                row.append(None)
            except Exception as error:
                row.append(str(error))
        out.append(row)
    return json.dumps(out).encode()
`);
after(() => python.close());

test("decides exactly as Debian's Python 3.11 base64.b64decode, lenient and validate=True", {
  skip: skipUnlessPython([]),
}, async () => {
  // Short strings over the characters that decide: data, padding, URL-safe, whitespace, é.
  const texts = fc.sample(
    fc.array(fc.constantFrom(..."AB+/=-_ \n\t\ré"), { maxLength: 11 }).map((a) => a.join("")),
    { numRuns: 4000, seed: 13 },
  );
  texts.push("", "iVBO==", "=AAA", "AA=A", "AA==AA", "AAA=", "A===", "AAAA=", "iVBORw0KGgo\n");
  const expected = JSON.parse(
    (await python.call("b64", [], Buffer.from(JSON.stringify(texts)))).toString(),
  ) as [string | null, string | null][];
  const ours = texts.map((t) => [pythonBase64Error(t, false), pythonBase64Error(t, true)]);
  const differ = texts.filter((_, i) => JSON.stringify(ours[i]) !== JSON.stringify(expected[i]));
  assert.deepEqual(differ, []);
  // The sample reaches every outcome, so the comparison means something.
  const messages = new Set(expected.flat());
  for (const m of [
    null,
    "Incorrect padding",
    "Only base64 data is allowed",
    "Excess data after padding",
    "Discontinuous padding not allowed",
    "Leading padding not allowed",
    "string argument should contain only ASCII characters",
  ]) {
    assert.ok(messages.has(m), String(m));
  }
});
