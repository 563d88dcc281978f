import assert from "node:assert/strict";
import { after, test } from "node:test";
import { qwenVlUtils } from "../../src/server/qwen-vl-utils.js";
import { PythonSession, skipUnlessPython } from "../helpers/python.js";

/**
 * fetch_image's string handling, restated: http(s) and file:// are opened, a string starting
 * "data:image" is decoded after its first "base64," with the lenient b64decode, anything else is
 * a path. Pillow then opens the bytes; the verdict is whether the decode step raises.
 */
const python = new PythonSession(`
import base64, json

def verdicts(data):
    out = []
    for ref in json.loads(bytes(data)):
        if ref.startswith(("http://", "https://", "file://")):
            out.append(None)
        elif ref.startswith("data:image"):
            if "base64," not in ref:
                out.append("unrecognized")
                continue
            try:
                base64.b64decode(ref.split("base64,", 1)[1])
                out.append(None)
            except Exception as error:
                out.append("binascii.Error: " + str(error))
        else:
            out.append("path")
    return json.dumps(out).encode()
`);
after(() => python.close());

const REFS = [
  "data:image/png;base64,iVBORw0KGgo=",
  "data:image;base64,iVBORw0KGgo=",
  "data:image/png;charset=utf-8;base64,iVBORw0KGgo=",
  "data:image/png; base64,iVBORw0KGgo=",
  "data:image/png;BASE64,iVBORw0KGgo=",
  "data:image/png,iVBORw0KGgo=",
  "DATA:image/png;base64,iVBORw0KGgo=",
  "data:IMAGE/png;base64,iVBORw0KGgo=",
  "data:image/png;base64,iVBORw0KGgo=\n",
  "data:image/png;base64,iVBO\nRw0KGgo=",
  "data:image/png;base64,iVBORw0KGgo",
  "data:image/png;base64,iVBOR",
  "data:image/png;base64,i-B_Rw0KGgo=",
  "data:;base64,iVBORw0KGgo=",
  "https://example.com/a.png",
  "http://example.com/a.png",
  "file:///tmp/a.png",
  "/tmp/a.png",
];

test("accepts exactly what fetch_image decodes, and names the reason otherwise", {
  skip: skipUnlessPython([]),
}, async () => {
  const expected = JSON.parse(
    (await python.call("verdicts", [], Buffer.from(JSON.stringify(REFS)))).toString(),
  ) as (string | null)[];
  REFS.forEach((ref, i) => {
    const verdict = qwenVlUtils.accepts(ref);
    const want = expected[i];
    assert.equal(verdict.accepted, want === null, ref);
    if (want === "unrecognized") assert.match(verdict.reason ?? "", /^Unrecognized image input/);
    else if (want === "path") assert.match(verdict.reason ?? "", /No such file or directory/);
    else if (want !== null) assert.equal(verdict.reason, want, ref);
  });
  // The table covers every branch.
  assert.deepEqual(
    new Set(expected.map((e) => (e?.startsWith("binascii") ? "b64" : e))),
    new Set([null, "unrecognized", "path", "b64"]),
  );
});
