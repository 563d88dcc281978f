import assert from "node:assert/strict";
import { test } from "node:test";
import { junitXml } from "../../src/check/junit.js";
import type { CheckItem } from "../../src/check/types.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

const totals = { images: 2, passed: 0, failed: 1, errors: 1, durationMs: 1500, interrupted: false };

test("names and messages are escaped; control characters cannot break the XML", () => {
  const items: CheckItem[] = [
    {
      file: 'odd <name> & "quotes"\u0001.png',
      status: "error",
      durationMs: 12,
      error: { code: "not-image", message: "an HTML page, not an image" },
    },
  ];
  const xml = junitXml(items, { ...totals, images: 1, failed: 0 });
  assert.match(xml, /name="odd &lt;name&gt; &amp; &quot;quotes&quot;\uFFFD\.png"/);
  assert.match(xml, /<failure type="not-image" message="not-image: an HTML page, not an image">/);
  assert.ok(!xml.includes("\u0001"));
});

test("a failed gate gives the metric, its value and the limit", () => {
  const items: CheckItem[] = [
    {
      file: "a.png",
      status: "failed",
      durationMs: 40,
      report: {
        gates: [
          { gate: "min-ssim", metric: "ssim", limit: 0.95, value: 0.9, passed: false },
          { gate: "min-psnr", metric: "psnr", limit: 30, value: 35, passed: true },
        ],
      } as unknown as CheckItem["report"],
    },
  ];
  const xml = junitXml(items, { ...totals, images: 1, errors: 0 });
  assert.match(xml, /tests="1" failures="1"/);
  assert.equal(xml.match(/<failure /g)?.length, 1);
  assert.match(
    xml,
    /<failure type="min-ssim" message="ssim 0\.9 does not meet --min-ssim &gt;= 0\.95">metric: ssim\nvalue: 0\.9\nlimit: &gt;= 0\.95<\/failure>/,
  );
});

test("attributes keep tabs, newlines and CRs as character references; text keeps them raw", () => {
  const items: CheckItem[] = [
    {
      file: "a\tb\nc\rd.png",
      status: "error",
      durationMs: 1,
      error: { code: "decode", message: "corrupt JPEG data:\n\tpremature end\r" },
    },
  ];
  const xml = junitXml(items, { ...totals, images: 1, failed: 0 });
  assert.match(xml, /name="a&#9;b&#10;c&#13;d\.png"/);
  assert.match(
    xml,
    /message="decode: corrupt JPEG data:&#10;&#9;premature end&#13;">decode: corrupt JPEG data:\n\tpremature end&#13;<\/failure>/,
  );
});

test("a real XML parser reads names and messages back exactly", {
  skip: skipUnlessPython([]),
}, () => {
  const file = 'tab\there\nnew line\r<&>"quoted".png';
  const message = "line one\n\tline two\r\nend";
  const items: CheckItem[] = [
    { file, status: "error", durationMs: 1, error: { code: "decode", message } },
  ];
  const parsed = JSON.parse(
    runPython(
      "import json, sys, xml.etree.ElementTree as E\n" +
        "root = E.fromstring(sys.stdin.buffer.read())\n" +
        "case = next(root.iter('testcase'))\n" +
        "failure = case.find('failure')\n" +
        "print(json.dumps([case.get('name'), failure.get('message'), failure.text]))",
      [],
      Buffer.from(junitXml(items, { ...totals, images: 1, failed: 0 })),
    ).toString(),
  );
  assert.deepEqual(parsed, [file, `decode: ${message}`, `decode: ${message}`]);
});

test("an interrupted run is an error testcase naming the images not run, never a green suite", () => {
  const items: CheckItem[] = [{ file: "a.png", status: "passed", durationMs: 30 }];
  const interrupted = {
    images: 1,
    passed: 1,
    failed: 0,
    errors: 0,
    durationMs: 900,
    interrupted: true,
  };
  const xml = junitXml(items, interrupted, { notRun: ["b <1>.png", "c.png"] });
  assert.match(xml, /<testsuite name="imgenc check" tests="2" failures="0" errors="1"/);
  assert.match(
    xml,
    /<testcase classname="imgenc\.check" name="interrupted" time="0\.000">\n {6}<error type="interrupted" message="the run was interrupted: 2 of 3 images not run">not run:\nb &lt;1&gt;\.png\nc\.png<\/error>/,
  );
  // Not interrupted: no such testcase.
  const whole = junitXml(items, { ...interrupted, interrupted: false });
  assert.match(whole, /tests="1" failures="0" errors="0"/);
  assert.doesNotMatch(whole, /interrupted/);
});
