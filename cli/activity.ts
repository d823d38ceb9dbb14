/**
 * Something to look at while a command waits: a spinner, drawn on stderr
 * only on a terminal and only once the wait passes 300 ms (a quick answer
 * shows nothing), then erased. Off a terminal nothing is drawn, so logs and
 * pipes stay clean. ZEBLIT_PROGRESS=0 turns it off, =1 forces it (as for the
 * transfer bars in progress.ts).
 */
import type { Writable } from 'node:stream';
import { isTerminal, type Env } from './style.ts';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export interface SpinnerOptions {
  live: boolean;
  /** Nothing is drawn before this (ms). */
  delayMs?: number;
  intervalMs?: number;
}

export class Spinner {
  private text: string;
  private frame = 0;
  private drawn = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly delay: NodeJS.Timeout | undefined;
  /** A line drawn by someone else (a progress bar) takes over the line. */
  private paused = false;

  constructor(
    private readonly out: Writable,
    label: string,
    private readonly opts: SpinnerOptions,
  ) {
    this.text = label;
    if (!opts.live) return;
    this.delay = setTimeout(() => {
      this.draw();
      this.timer = setInterval(() => this.draw(), opts.intervalMs ?? 80);
      this.timer.unref();
    }, opts.delayMs ?? 300);
    this.delay.unref();
  }

  /** Changes the text next to the spinner. */
  set(text: string): void {
    this.text = text;
    if (this.drawn && !this.paused) this.draw();
  }

  /** Draws `line` instead of the spinner (a progress bar); `set` goes back to the spinner. */
  line(line: string): void {
    if (!this.opts.live) return;
    this.paused = true;
    this.drawn = true;
    this.out.write(`\r${line}\x1b[K`);
  }

  resume(): void {
    this.paused = false;
  }

  private draw(): void {
    if (this.paused) return;
    this.drawn = true;
    this.out.write(`\r${FRAMES[this.frame++ % FRAMES.length]} ${this.text}\x1b[K`);
  }

  /** Stops and erases the line; `final`, if given, is printed in its place (live only). */
  stop(final?: string): void {
    clearTimeout(this.delay);
    clearInterval(this.timer);
    if (this.drawn) this.out.write(`\r\x1b[K${final ? `${final}\n` : ''}`);
    this.drawn = false;
  }
}

export function liveOn(stream: Writable, env: Env): boolean {
  const forced = env.ZEBLIT_PROGRESS;
  return forced === '1' ? true : forced === '0' ? false : isTerminal(stream);
}

/** Runs `work` with a spinner on `stream` (see the file's comment), erased whatever happens. */
export async function withSpinner<T>(stream: Writable, env: Env, label: string, work: (s: Spinner) => Promise<T>): Promise<T> {
  const s = new Spinner(stream, label, { live: liveOn(stream, env) });
  try {
    return await work(s);
  } finally {
    s.stop();
  }
}
