import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  distinctAnswers,
  meets,
  normalise,
  numbersIn,
  SIMILARITY_CHARS,
  similarity,
  wilsonInterval,
} from "../../src/ask/judge.js";
import { SETTINGS } from "../../src/settings.js";

describe("judging an answer", () => {
  test("normalising: NFKC, case, whitespace", () => {
    assert.equal(normalise("  Invoice\n\t４８２１３  TOTAL "), "invoice 48213 total");
    assert.equal(normalise("ﬁle"), "file");
  });

  test("--expect is a normalised substring", () => {
    assert.ok(meets("Invoice 48213 total", { text: "INVOICE  48213" }));
    assert.ok(meets("Ｉｎｖｏｉｃｅ 48213", { text: "invoice" }));
    assert.ok(!meets("Invoice 48233 total", { text: "48213" }));
  });

  test("--expect-regex: a pattern or /pattern/flags", () => {
    assert.ok(meets("Invoice 48213", { regex: "48\\d{3}" }));
    assert.ok(!meets("INVOICE", { regex: "invoice" }));
    assert.ok(meets("INVOICE", { regex: "/invoice/i" }));
  });

  test("--expect-number: any number in the answer within the tolerance", () => {
    assert.deepEqual(numbersIn("total 1,204.50 EUR, -3 and 48213"), [1204.5, -3, 48213]);
    assert.ok(meets("total 1204.50 EUR", { number: { value: 1204.5, tolerance: 0 } }));
    assert.ok(meets("total 1204.51", { number: { value: 1204.5, tolerance: 0.01 } }));
    assert.ok(!meets("total 1204.40", { number: { value: 1204.5, tolerance: 0.01 } }));
    assert.ok(!meets("no numbers", { number: { value: 0, tolerance: 1 } }));
    // Every part given must hold.
    assert.ok(!meets("Invoice 48213", { text: "invoice", number: { value: 1, tolerance: 0 } }));
  });

  test("the flags read as the table says", () => {
    const n = SETTINGS.expectNumber.fromText;
    assert.deepEqual(n("1204.5±0.01"), { value: 1204.5, tolerance: 0.01 });
    assert.deepEqual(n("1204.5 +- 0.5"), { value: 1204.5, tolerance: 0.5 });
    assert.deepEqual(n("48213"), { value: 48213, tolerance: 0 });
    assert.equal(n("about 5"), undefined);
    assert.equal(SETTINGS.expectRegex.fromText("(unclosed"), undefined);
    assert.equal(SETTINGS.minAccuracy.fromText("90%"), 0.9);
    assert.equal(SETTINGS.minAccuracy.fromText("0.75"), 0.75);
    assert.equal(SETTINGS.minAccuracy.fromText("1.5"), undefined);
    assert.deepEqual(SETTINGS.variants.fromText("original, pillow,opencv"), [
      "original",
      "pillow",
      "opencv",
    ]);
    assert.equal(SETTINGS.variants.fromText("original,original"), undefined);
    assert.equal(SETTINGS.endpoint.fromText("ftp://host/v1"), undefined);
    assert.equal(SETTINGS.apiKeyEnv.fromText("MY KEY"), undefined);
  });
});

describe("comparing answers", () => {
  test("similarity is normalised Levenshtein after normalisation", () => {
    assert.equal(similarity("Invoice 48213", "invoice  48213"), 1);
    assert.equal(similarity("abcd", "abce"), 0.75);
    assert.equal(similarity("", ""), 1);
    assert.equal(similarity("abc", ""), 0);
    // A huge answer is compared over its first characters only, and quickly.
    const long = "a".repeat(200_000);
    const started = performance.now();
    assert.equal(similarity(long, `${"a".repeat(SIMILARITY_CHARS)}b`), 1);
    assert.ok(performance.now() - started < 2000);
  });

  test("distinct answers, most frequent first", () => {
    assert.deepEqual(distinctAnswers(["A b", "c", "a  B", "C", "a b"]), [
      { answer: "A b", count: 3 },
      { answer: "c", count: 2 },
    ]);
  });

  test("Wilson 95% interval", () => {
    const [lo, hi] = wilsonInterval(8, 10);
    assert.equal(lo.toFixed(4), "0.4902");
    assert.equal(hi.toFixed(4), "0.9433");
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
    const [zero, upper] = wilsonInterval(0, 5);
    assert.equal(zero, 0);
    assert.equal(upper.toFixed(4), "0.4345");
    assert.equal(wilsonInterval(5, 5)[1], 1);
  });
});
