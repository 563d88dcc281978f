/**
 * Python 3's `round(x)` for a float: the nearest integer, ties to even, decided on the exact
 * double (2.675 is stored below the tie, so it is not a tie at all). JavaScript's Math.round
 * sends ties toward +Infinity (36.5 -> 37 where Python gives 36), which changes Qwen's sizes.
 * Throws a RangeError for NaN and infinities, where Python raises.
 */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) throw new RangeError(`cannot round ${x} to an integer`);
  const floor = Math.floor(x);
  // Exact: the fractional part of a double is itself representable.
  const fraction = x - floor;
  let rounded = floor;
  if (fraction > 0.5 || (fraction === 0.5 && floor % 2 !== 0)) rounded = floor + 1;
  // Python returns an int, which has no negative zero.
  return rounded === 0 ? 0 : rounded;
}
