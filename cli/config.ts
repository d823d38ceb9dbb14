/**
 * $ZEBLIT_HOME/config.json is shared: the daemon owns its keys (port, bind,
 * allowed_origins, allowed_hosts, rate_limit, log_level, …) and the CLI owns
 * `host` and `current_project`. The CLI therefore never rewrites the file from
 * its own model: it reads the whole object, changes its own keys, and writes
 * everything else back untouched (atomically, through a temporary file).
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError } from './cli-error.ts';

export interface CliConfig {
  /** How to reach a daemon over TCP; absent means the local socket. */
  host?: string;
  /** The project `zeblit use` chose (its id). */
  current_project?: string;
}

/** A patch of the CLI's keys: a string sets, null removes, undefined leaves alone. */
export type CliConfigPatch = { [K in keyof CliConfig]?: string | null };

const CLI_KEYS = ['host', 'current_project'] as const;

export function readConfigObject(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CliError('CONFIG_INVALID', `${file} is not valid JSON (${(e as Error).message})`, { suggestion: 'Fix the file by hand, or remove it to start over.' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new CliError('CONFIG_INVALID', `${file} must hold a JSON object`, { suggestion: 'Fix the file by hand, or remove it to start over.' });
  return parsed as Record<string, unknown>;
}

/** The CLI's own keys; values of the wrong type are ignored rather than trusted. */
export function readCliConfig(file: string): CliConfig {
  const raw = readConfigObject(file);
  const out: CliConfig = {};
  for (const key of CLI_KEYS) {
    const v = raw[key];
    if (typeof v === 'string' && v !== '') out[key] = v;
  }
  return out;
}

/** Pure: the object with the patch applied, every other key kept in place. */
export function mergeCliConfig(current: Record<string, unknown>, patch: CliConfigPatch): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const key of CLI_KEYS) {
    const v = patch[key];
    if (v === null) delete next[key];
    else if (v !== undefined) next[key] = v;
  }
  return next;
}

export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/** Writes through a temporary file and a rename, so a crash never leaves half a file. */
export function writeFileAtomic(file: string, content: string, mode: number): void {
  ensureHome(dirname(file));
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

export function updateCliConfig(file: string, patch: CliConfigPatch): CliConfig {
  const current = readConfigObject(file);
  const next = mergeCliConfig(current, patch);
  const mode = existsSync(file) ? statSync(file).mode & 0o777 : 0o600;
  writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, mode);
  return readCliConfig(file);
}
