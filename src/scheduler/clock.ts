/**
 * The scheduler's only source of time. Production reads Date.now and arms
 * setTimeout; tests drive a FakeClock (testing.ts) and never wait for real minutes.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once at (or just after) the instant `at`, in UTC ms. Returns the cancel. */
  setTimer(at: number, fn: () => void): () => void;
}

/** setTimeout takes at most 2^31-1 ms (~24.8 days); a longer wait is armed in steps. */
const MAX_DELAY_MS = 2_147_483_647;

/** Date.now and setTimeout, unref'd (a timer alone never keeps the process alive). */
export function realClock(maxDelayMs = MAX_DELAY_MS): Clock {
  return {
    now: Date.now,
    setTimer(at, fn) {
      let timer: NodeJS.Timeout | undefined;
      let cancelled = false;
      const arm = () => {
        const delay = at - Date.now();
        if (delay > maxDelayMs) {
          timer = setTimeout(arm, maxDelayMs);
        } else {
          timer = setTimeout(() => {
            if (!cancelled) fn();
          }, Math.max(0, delay));
        }
        timer.unref();
      };
      arm();
      return () => {
        cancelled = true;
        clearTimeout(timer);
      };
    },
  };
}
