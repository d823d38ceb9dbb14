/**
 * When output may carry colour, decided in one place: only on a terminal,
 * never with NO_COLOR (https://no-color.org: any non-empty value), TERM=dumb
 * or --json. FORCE_COLOR=1 (or any value but 0) turns it on anyway, for
 * pagers that understand it (`FORCE_COLOR=1 zeblit --help | less -R`).
 */
import type { Writable } from 'node:stream';

export type Env = Record<string, string | undefined>;

export function colorEnabled(stream: Writable, env: Env, json = false): boolean {
  if (json) return false;
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  if (env.TERM === 'dumb') return false;
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** Whether the stream is a terminal (progress bars and spinners draw only there). */
export function isTerminal(stream: Writable | NodeJS.ReadableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** The terminal's width in columns, or undefined off a terminal (then nothing is cut). COLUMNS overrides. */
export function terminalWidth(stream: Writable, env: Env): number | undefined {
  const fromEnv = Number(env.COLUMNS);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  if (!isTerminal(stream)) return undefined;
  const cols = (stream as { columns?: number }).columns;
  return typeof cols === 'number' && cols > 0 ? cols : undefined;
}

export interface Paint {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
}

const sgr = (open: number, close: number) => (s: string) => `\x1b[${open}m${s}\x1b[${close}m`;
const plain = (s: string) => s;

/** SGR painters when `on`, identity functions otherwise. */
export function paint(on: boolean): Paint {
  if (!on) return { bold: plain, dim: plain, red: plain, green: plain, yellow: plain, cyan: plain };
  return { bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), green: sgr(32, 39), yellow: sgr(33, 39), cyan: sgr(36, 39) };
}

const ANSI = String.raw`\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\))`;
/** Whether a text holds any ANSI escape sequence (CSI or OSC); not global, so safe for repeated tests. */
export const HAS_ANSI = new RegExp(ANSI);

export function stripAnsi(s: string): string {
  return s.replace(new RegExp(ANSI, 'g'), '');
}
