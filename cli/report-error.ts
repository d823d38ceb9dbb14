/**
 * Every failure ends here: `Error [CODE]: message`, then the suggestion, on
 * stderr. Exit codes: 2 for a usage mistake, 1 for everything else.
 */
import type { Writable } from 'node:stream';
import { UsageError } from 'clipanion';
import { ClientTimeoutError, DaemonUnreachableError, ZeblitApiError } from '../src/client/index.ts';
import { CliError } from './cli-error.ts';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

interface FieldIssue {
  field: string;
  message: string;
}

function fieldIssues(details: unknown): FieldIssue[] {
  if (!Array.isArray(details)) return [];
  return details.flatMap((d: unknown) => {
    if (typeof d !== 'object' || d === null) return [];
    const { field, message } = d as Record<string, unknown>;
    return typeof field === 'string' && typeof message === 'string' ? [{ field, message }] : [];
  });
}

function block(code: string, message: string, suggestion?: string, extra: string[] = []): string {
  const lines = [`Error [${code}]: ${message}`, ...extra];
  if (suggestion) lines.push(`Hint: ${suggestion}`);
  return `${lines.join('\n')}\n`;
}

export function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true;
  const meta = (err as { clipanion?: { type?: string } } | null)?.clipanion;
  return meta?.type === 'usage';
}

/** Writes the error and returns the exit code. */
export function reportError(err: unknown, stderr: Writable): number {
  if (isUsageError(err)) {
    stderr.write(`Usage Error: ${(err as Error).message}\n`);
    return EXIT_USAGE;
  }
  if (err instanceof ZeblitApiError) {
    // The message already names the first field; list them all only when there are several.
    const fields = err.code === 'VALIDATION_FAILED' ? fieldIssues(err.details) : [];
    const issues = fields.length > 1 ? fields.map((i) => `  - ${i.field}: ${i.message}`) : [];
    const ref = err.status >= 500 && err.requestId ? [`(request id ${err.requestId})`] : [];
    const retry = err.retryAfter !== undefined ? [`Retry after ${err.retryAfter} s.`] : [];
    stderr.write(block(err.code, err.message, err.suggestion, [...issues, ...retry, ...ref]));
    return EXIT_FAILURE;
  }
  if (err instanceof DaemonUnreachableError) {
    const hint = err.target.startsWith('/')
      ? 'Start it with `zeblit daemon start`, or run the command without --no-start.'
      : 'Is zeblitd running there? Check ZEBLIT_HOST, or `zeblit auth login --host <url>` / `zeblit auth logout`.';
    stderr.write(block('DAEMON_UNREACHABLE', err.message, hint));
    return EXIT_FAILURE;
  }
  if (err instanceof ClientTimeoutError) {
    stderr.write(block('TIMEOUT', err.message, 'Check `zeblit daemon status` and the daemon log (`zeblit daemon logs`).'));
    return EXIT_FAILURE;
  }
  if (err instanceof CliError) {
    stderr.write(block(err.code, err.message, err.suggestion));
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(block('INTERNAL', message, 'This is a bug in the zeblit CLI; please report it with the command you ran.'));
  return EXIT_FAILURE;
}
