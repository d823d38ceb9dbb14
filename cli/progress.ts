import type { Writable } from 'node:stream';

/** Bytes for people: 1023 B, 1.5 KiB, 12.3 MiB, 1.02 GiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${units[i]}`;
}

const clock = (s: number) => (Number.isFinite(s) ? `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}` : '-:--');

export interface ProgressOptions {
  /** Draw the bar (a terminal); otherwise only the closing summary for large transfers. */
  live: boolean;
  now?: () => number;
  width?: number;
  /** What update() counts: bytes (transfers, with speed) or percent (an image pull, as the daemon reports it). */
  unit?: 'bytes' | 'percent';
}

/**
 * A transfer progress bar on stderr: `label [#####-----] 45% 12.3 MiB/27.0 MiB
 * 85.2 MiB/s ETA 0:02`, redrawn at most ten times a second; speed is the
 * average since the start.
 */
export class Progress {
  private readonly started: number;
  private lastDraw = 0;
  private done = 0;
  private total: number | null = null;
  private readonly now: () => number;

  constructor(
    private readonly out: Writable,
    private readonly label: string,
    private readonly opts: ProgressOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.started = this.now();
  }

  update = (done: number, total: number | null): void => {
    this.done = done;
    this.total = total;
    if (!this.opts.live) return;
    const t = this.now();
    if (t - this.lastDraw < 100 && done !== total) return;
    this.lastDraw = t;
    this.out.write(`\r${this.line()}\x1b[K`);
  };

  line(): string {
    const elapsed = Math.max(0.001, (this.now() - this.started) / 1000);
    const speed = this.done / elapsed;
    const width = this.opts.width ?? 24;
    if (this.opts.unit === 'percent') {
      const frac = Math.min(1, this.done / 100);
      const rate = this.done / elapsed;
      const eta = rate > 0 ? (100 - this.done) / rate : Infinity;
      return `${this.label} [${'#'.repeat(Math.round(frac * width)).padEnd(width, '-')}] ${String(Math.floor(this.done)).padStart(3)}%  ETA ${clock(eta)}`;
    }
    if (this.total === null || this.total === 0) return `${this.label}  ${formatBytes(this.done)}  ${formatBytes(speed)}/s`;
    const frac = Math.min(1, this.done / this.total);
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '-');
    const eta = speed > 0 ? (this.total - this.done) / speed : Infinity;
    return `${this.label} [${bar}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${formatBytes(this.done)}/${formatBytes(this.total)}  ${formatBytes(speed)}/s  ETA ${clock(eta)}`;
  }

  /** Ends the bar with a summary line (transfers of 1 MiB or more, or any drawn bar). */
  finish(): void {
    const elapsed = Math.max(0.001, (this.now() - this.started) / 1000);
    if (!this.opts.live && this.done < 1024 * 1024) return;
    this.out.write(`${this.opts.live ? '\r' : ''}${this.label}: ${formatBytes(this.done)} in ${elapsed.toFixed(1)} s (${formatBytes(this.done / elapsed)}/s)${this.opts.live ? '\x1b[K' : ''}\n`);
  }
}

/** A live bar on a terminal; ZEBLIT_PROGRESS=1 forces it, =0 turns it off. */
export function progressFor(stderr: Writable, env: Record<string, string | undefined>, label: string): Progress {
  const forced = env.ZEBLIT_PROGRESS;
  const live = forced === '1' ? true : forced === '0' ? false : (stderr as { isTTY?: boolean }).isTTY === true;
  return new Progress(stderr, label, { live });
}
