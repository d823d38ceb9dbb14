/**
 * The stored API key lives apart from config.json, in a file only its owner
 * can read (0600), next to the host it was checked against: a key for one
 * daemon is never sent to another.
 */
import { existsSync, readFileSync, rmSync, statSync, chmodSync } from 'node:fs';
import { CliError } from './cli-error.ts';
import { writeFileAtomic } from './config.ts';

export interface Credentials {
  api_key: string;
  /** The host the key belongs to; null for the local socket. */
  host: string | null;
  saved_at: number;
}

export function readCredentials(file: string): Credentials | null {
  if (!existsSync(file)) return null;
  // A key another user could read is a leaked key: tighten it rather than go on quietly.
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CliError('CREDENTIALS_INVALID', `${file} is not valid JSON`, { suggestion: 'Run `zeblit auth logout`, then `zeblit auth login` again.' });
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { api_key, host, saved_at } = parsed as Record<string, unknown>;
  if (typeof api_key !== 'string' || api_key === '') return null;
  return { api_key, host: typeof host === 'string' && host !== '' ? host : null, saved_at: typeof saved_at === 'number' ? saved_at : 0 };
}

export function writeCredentials(file: string, creds: Credentials): void {
  writeFileAtomic(file, `${JSON.stringify(creds, null, 2)}\n`, 0o600);
}

export function removeCredentials(file: string): boolean {
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}
