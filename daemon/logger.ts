import { existsSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
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

/**
 * JSON lines to $ZEBLIT_HOME/logs/zeblitd.log and to stderr. pino transports
 * (workers) break inside a bundle, so this uses plain destinations. The file is
 * rotated once at start when it grew past 20 MiB.
 */
export function createLogger(file: string, level: string, stderr = true): Logger {
  mkdirSync(file.replace(/\/[^/]+$/, ''), { recursive: true, mode: 0o700 });
  if (existsSync(file) && statSync(file).size > ROTATE_BYTES) renameSync(file, `${file}.1`);
  // Opened here, synchronously: a destination that opens its file itself is not ready at once, and an early
  // process.exit (a failed start) then throws "sonic boom is not ready yet" from pino's exit handler.
  const fd = openSync(file, 'a', 0o600);
  const streams: pino.StreamEntry[] = [{ level: level as pino.Level, stream: pino.destination({ dest: fd, sync: false }) }];
  if (stderr) streams.push({ level: level as pino.Level, stream: pino.destination({ fd: 2, sync: false }) });
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
