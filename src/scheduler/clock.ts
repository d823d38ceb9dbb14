/**
 * The scheduler's only source of time. Production reads Date.now and arms
 * setTimeout; tests drive a FakeClock and never wait for real minutes.
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

/** A clock a test moves by hand: `advance` fires, in order, every timer that came due (and any they arm meanwhile). */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimer(at: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.timers.set(id, { at, fn });
    return () => void this.timers.delete(id);
  }

  /** Timers armed now (tests check that one timer serves any number of tasks). */
  get pending(): number {
    return this.timers.size;
  }

  /** The earliest armed instant, or null. */
  get nextAt(): number | null {
    let min: number | null = null;
    for (const { at } of this.timers.values()) if (min === null || at < min) min = at;
    return min;
  }

  /** Moves time to `to`, firing due timers at their own instants, earliest first. */
  advanceTo(to: number): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= to && (next === null || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = Math.max(this.t, to);
  }

  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Moves time without firing anything: a daemon that was down, a machine that slept. */
  jump(ms: number): void {
    this.t += ms;
  }
}
