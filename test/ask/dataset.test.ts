import assert from "node:assert/strict";
import { test } from "node:test";
import { parseDataset } from "../../src/ask/dataset.js";
import { ImgencError } from "../../src/errors.js";

test("a dataset line: image, prompt and any of the expectations", () => {
  const text = [
    '{"image": "a.png", "prompt": "Read it", "expect": "48213"}',
    "",
    '{"image": "b.png", "expect_number": 1204.5, "tolerance": 0.01, "expect_regex": "/eur/i"}',
    '{"image": "c.png", "prompt": "Total?", "expect_number": "1204.5±0.1"}',
    '{"image": "d.png", "prompt": "Anything?"}',
  ].join("\n");
  assert.deepEqual(parseDataset(text, "cases.jsonl", "Default"), [
    { line: 1, image: "a.png", prompt: "Read it", expect: { text: "48213" } },
    {
      line: 3,
      image: "b.png",
      prompt: "Default",
      expect: { regex: "/eur/i", number: { value: 1204.5, tolerance: 0.01 } },
    },
    {
      line: 4,
      image: "c.png",
      prompt: "Total?",
      expect: { number: { value: 1204.5, tolerance: 0.1 } },
    },
    { line: 5, image: "d.png", prompt: "Anything?" },
  ]);
});

test("a bad line is a usage error naming the file and the line", () => {
  const cases: [string, RegExp][] = [
    ["not json", /^line 1: not a JSON object$/],
    ['{"prompt": "x"}', /^line 1: no "image"$/],
    ['{"image": "a.png"}', /^line 1: no "prompt" \(or give --prompt\)$/],
    ['{"image": "a.png", "prompt": "x", "expect_regex": "(open"}', /expect_regex/],
    ['{"image": "a.png", "prompt": "x", "expect_number": "many"}', /expect_number/],
    ['{"image": 3, "prompt": "x"}', /for image but received 3/],
  ];
  for (const [line, message] of cases) {
    assert.throws(
      () => parseDataset(line, "cases.jsonl"),
      (e: unknown) => {
        assert.ok(e instanceof ImgencError);
        assert.equal(e.code, "usage");
        assert.equal(e.input, "cases.jsonl");
        assert.match(e.message, message);
        return true;
      },
      line,
    );
  }
  assert.throws(() => parseDataset("\n\n", "cases.jsonl"), /holds no cases/);
});
