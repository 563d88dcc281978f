import type { RetryClock } from "../../src/source/types.js";
import { rng } from "./random.js";

export interface SkippingClock {
  clock: RetryClock;
  /** Every wait asked for, in milliseconds, in order. */
  waits: number[];
}

/**
 * A retry clock whose waits take no time: its time is real time plus every wait skipped so far,
 * each wait is recorded, and the backoff's jitter comes from `rng(seed)`.
 */
export function skippingClock(seed: number): SkippingClock {
  const waits: number[] = [];
  let skipped = 0;
  return {
    waits,
    clock: {
      now: () => performance.now() + skipped,
      sleep: async (ms) => {
        waits.push(ms);
        skipped += ms;
      },
      random: rng(seed),
    },
  };
}
