/**
 * A failure found by the CLI itself (no daemon, a broken config file), shown
 * like an API error: `Error [CODE]: message` and the suggestion.
 */
export class CliError extends Error {
  readonly code: string;
  readonly suggestion?: string;
  readonly exitCode: number;

  constructor(code: string, message: string, options: { suggestion?: string; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.code = code;
    this.suggestion = options.suggestion;
    this.exitCode = options.exitCode ?? 1;
  }
}
