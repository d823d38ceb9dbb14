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

export interface Described {
  code: string;
  message: string;
  suggestion?: string;
  extra: string[];
  details?: unknown;
  requestId?: string;
  exitCode: number;
}

/** What any failure comes to: code, message, suggestion, exit code (reportError prints it; doctor shows it in a check). */
export function describeError(err: unknown): Described {
  if (isUsageError(err)) return { code: 'USAGE', message: (err as Error).message, extra: [], exitCode: EXIT_USAGE };
  if (err instanceof ZeblitApiError) {
    // The message already names the first field; list them all only when there are several.
    const fields = err.code === 'VALIDATION_FAILED' ? fieldIssues(err.details) : [];
    const issues = fields.length > 1 ? fields.map((i) => `  - ${i.field}: ${i.message}`) : [];
    const ref = err.status >= 500 && err.requestId ? [`(request id ${err.requestId})`] : [];
    const retry = err.retryAfter !== undefined ? [`Retry after ${err.retryAfter} s.`] : [];
    return { code: err.code, message: err.message, suggestion: err.suggestion, extra: [...issues, ...retry, ...ref], details: err.details, requestId: err.requestId, exitCode: EXIT_FAILURE };
  }
  if (err instanceof DaemonUnreachableError) {
    const hint = err.target.startsWith('/')
      ? 'Start it with `zeblit daemon start`, or run the command without --no-start.'
      : 'Is zeblitd running there? Check ZEBLIT_HOST, or `zeblit auth login --host <url>` / `zeblit auth logout`.';
    return { code: 'DAEMON_UNREACHABLE', message: err.message, suggestion: hint, extra: [], exitCode: EXIT_FAILURE };
  }
  if (err instanceof ClientTimeoutError)
    return { code: 'TIMEOUT', message: err.message, suggestion: 'Check `zeblit daemon status` and the daemon log (`zeblit daemon logs`).', extra: [], exitCode: EXIT_FAILURE };
  if (err instanceof CliError) return { code: err.code, message: err.message, suggestion: err.suggestion, extra: [], exitCode: err.exitCode };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, suggestion: 'This is a bug in the zeblit CLI; please report it with the command you ran.', extra: [], exitCode: EXIT_FAILURE };
}

/**
 * Writes the error and returns the exit code. With `json`, stderr gets one
 * line `{"error":{code,message,suggestion,details,request_id}}` that scripts
 * can parse (stdout stays empty, as it does for a failure without --json).
 */
export function reportError(err: unknown, stderr: Writable, json = false): number {
  const d = describeError(err);
  if (json) {
    const error = { code: d.code, message: d.message, suggestion: d.suggestion ?? null, details: d.details ?? null, request_id: d.requestId ?? null };
    stderr.write(`${JSON.stringify({ error })}\n`);
  } else if (d.code === 'USAGE') stderr.write(`Usage Error: ${d.message}\n`);
  else stderr.write(block(d.code, d.message, d.suggestion, d.extra));
  return d.exitCode;
}
