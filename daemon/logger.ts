import { existsSync, fstatSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear: credentials never reach a log line. */
export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'api_key',
  '*.api_key',
  'apiKey',
  '*.apiKey',
  '["x-api-key"]',
  '*["x-api-key"]',
  '*.headers["x-api-key"]',
  'token',
  '*.token',
  'key',
  '*.key',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'cookie',
  '*.cookie',
];

const ROTATE_BYTES = 20 * 1024 * 1024;

const LEVELS: pino.Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * What stderr carries. The whole log when someone reads it as it comes: a
 * terminal (zeblitd run in the foreground) or systemd's journal (it sets
 * JOURNAL_STREAM). Redirected anywhere else (the CLI starts the daemon with
 * stderr to logs/zeblitd.out, launchd does the same) only warnings and
 * errors: the log file already has every line, and a copy of each request
 * line there grew a second, never-rotated log and cost a write per request.
 */
export function stderrLevel(level: string, isTTY = process.stderr.isTTY === true, journal = stderrIsJournal()): string {
  if (isTTY || journal) return level;
  const i = LEVELS.indexOf(level as pino.Level);
  return i === -1 || i >= LEVELS.indexOf('warn') ? level : 'warn';
}

/** systemd's check: JOURNAL_STREAM names the journal's socket as device:inode, and stderr is that socket (not merely a child of a service). */
function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '');
  if (!m) return false;
  try {
    const st = fstatSync(2);
    return String(st.dev) === m[1] && String(st.ino) === m[2];
  } catch {
    return false;
  }
}

/**
 * JSON lines to $ZEBLIT_HOME/logs/zeblitd.log and to stderr (see
 * stderrLevel). pino transports (workers) break inside a bundle, so this uses
 * plain destinations. The file is rotated once at start when it grew past
 * 20 MiB.
 */
export function createLogger(file: string, level: string, stderr = true): Logger {
  mkdirSync(file.replace(/\/[^/]+$/, ''), { recursive: true, mode: 0o700 });
  if (existsSync(file) && statSync(file).size > ROTATE_BYTES) renameSync(file, `${file}.1`);
  // Opened here, synchronously: a destination that opens its file itself is not ready at once, and an early
  // process.exit (a failed start) then throws "sonic boom is not ready yet" from pino's exit handler.
  const fd = openSync(file, 'a', 0o600);
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: pino.destination({ dest: fd, sync: false }) }];
  if (stderr) streams.push({ level: stderrLevel(level) as pino.Level, stream: pino.destination({ fd: 2, sync: false }) });
  return pino(
    {
      level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    pino.multistream(streams),
  );
}
