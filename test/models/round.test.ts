import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { roundHalfEven } from "../../src/models/round.js";
import { runPython, skipUnlessPython } from "../helpers/python.js";

/**
 * Python's round() on each float of a JSON list, printed as exact integers. JSON writes
 * integral doubles without a point, so parse_int keeps them floats as in JavaScript.
 */
const PYTHON_ROUND = `
import json, sys
print(json.dumps([str(round(x)) for x in json.load(sys.stdin, parse_int=float)]))
`;

const TIES = [0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 36.5, 37.5, 1022 / 28, 1050 / 28, 1168 / 32];

function batch(): number[] {
  const values = [
    ...TIES,
    0,
    -0,
    2.675,
    0.49999999999999994,
    -0.49999999999999994,
    1.4,
    1.6,
    -1.6,
    4503599627370495.5,
    4503599627370497,
    2 ** 53,
    -(2 ** 60),
    1e300,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
  ];
  let s = 0x9e3779b9;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  // What smart_resize rounds: image sides over the patch factors.
  for (let side = 1; side <= 3000; side += 1) values.push(side / 28, side / 32);
  for (let i = 0; i < 400; i++) {
    values.push((next() - 0.5) * 10 ** Math.floor(next() * 18));
    values.push(Math.floor((next() - 0.5) * 2 ** 40) + 0.5);
  }
  return values;
}

describe("roundHalfEven", () => {
  test("ties go to the even neighbour", () => {
    assert.deepEqual(
      [0.5, 1.5, 2.5, -0.5, -1.5, 36.5, 37.5].map(roundHalfEven),
      [0, 2, 2, 0, -2, 36, 38],
    );
  });

  test("non-ties round to nearest; 2.675 is below its tie as a double", () => {
    assert.equal(roundHalfEven(1.4), 1);
    assert.equal(roundHalfEven(1.6), 2);
    assert.equal(roundHalfEven(-1.6), -2);
    assert.equal(roundHalfEven(2.675), 3);
    assert.equal(roundHalfEven(0.49999999999999994), 0);
  });

  test("never returns negative zero, as Python's int has none", () => {
    assert.ok(Object.is(roundHalfEven(-0.4), 0));
    assert.ok(Object.is(roundHalfEven(-0), 0));
  });

  test("NaN and infinities throw, as Python does", () => {
    assert.throws(() => roundHalfEven(Number.NaN), RangeError);
    assert.throws(() => roundHalfEven(Number.POSITIVE_INFINITY), RangeError);
  });

  test("equals /usr/bin/python3's round() on a batch", {
    skip: skipUnlessPython([]),
  }, () => {
    const values = batch();
    const input = Buffer.from(JSON.stringify(values));
    const expected = JSON.parse(runPython(PYTHON_ROUND, [], input).toString("utf8")) as string[];
    assert.equal(expected.length, values.length);
    const mismatches = values
      .map((x, i) => ({ x, python: expected[i], ours: BigInt(roundHalfEven(x)).toString() }))
      .filter((m) => m.python !== m.ours);
    assert.deepEqual(mismatches, []);
  });
});
