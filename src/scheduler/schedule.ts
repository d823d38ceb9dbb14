/**
 * Schedules: croner parses them and computes the next instants (5 or 6
 * fields, nicknames, one-shot ISO times, in an IANA time zone); cronstrue says
 * them in English. Nothing here parses cron by hand: where an expression is
 * wrong, each field is tried alone through croner to say which one.
 */
import { Cron } from 'croner';
import cronstrue from 'cronstrue';
import type { QuickTaskInput, ScheduleKind, ScheduleValidation } from '../contracts/index.ts';

export interface ParsedSchedule {
  kind: ScheduleKind;
  expression: string;
  timezone: string;
  cron: Cron;
}

export class ScheduleError extends Error {
  constructor(
    message: string,
    readonly field: string | null = null,
    readonly position: number | null = null,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

const FIELDS_5 = ['minute', 'hour', 'day_of_month', 'month', 'day_of_week'];
const FIELDS_6 = ['second', ...FIELDS_5];
const AT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const CRON_OPTIONS = { paused: true, mode: '5-or-6-parts' } as const;

/** The daemon's own time zone (the default of a task). */
export function localTimezone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/** croner only notices a bad zone when asked for a date: check it first. */
export function isTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const scheduleKind = (expression: string): ScheduleKind => (AT.test(expression.trim()) ? 'at' : 'cron');

/** Parses an expression in a time zone; throws ScheduleError saying what and where. Does not check that it ever fires. */
export function parseSchedule(expression: string, timezone: string): ParsedSchedule {
  const expr = expression.trim();
  if (!isTimezone(timezone)) throw new ScheduleError(`"${timezone}" is not an IANA time zone`, 'timezone');
  if (!expr) throw new ScheduleError('the schedule is empty');
  if (AT.test(expr)) {
    const iso = expr.replace(' ', 'T');
    if (Number.isNaN(Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso) ? iso : `${iso}Z`)))
      throw new ScheduleError(`"${expr}" is not an ISO 8601 time (e.g. 2030-01-31T09:00, or 2030-01-31T09:00:00+01:00)`);
    try {
      return { kind: 'at', expression: expr, timezone, cron: new Cron(iso, { paused: true, timezone }) };
    } catch (e) {
      throw new ScheduleError(`"${expr}" is not a time croner understands: ${message(e)}`);
    }
  }
  if (!expr.startsWith('@')) {
    const parts = expr.split(/\s+/);
    if (parts.length !== 5 && parts.length !== 6)
      throw new ScheduleError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); this one has ${parts.length}`);
  }
  try {
    return { kind: 'cron', expression: expr, timezone, cron: new Cron(expr, { ...CRON_OPTIONS, timezone }) };
  } catch (e) {
    throw locate(expr, e);
  }
}

/**
 * Parsed schedules, shared by every task with the same expression and zone.
 * A croner Cron holds a 10,000-entry year table (~80 KiB), so one per task
 * would cost 80 MiB for 1,000 tasks; a small LRU keeps the common ones and
 * parses the rest when they fire (~0.1 ms). A paused Cron that never runs a
 * job keeps no state between nextRun() calls, so sharing it is safe.
 */
const parsedCache = new Map<string, ParsedSchedule>();
const PARSED_CACHE_MAX = 64;

export function parseScheduleCached(expression: string, timezone: string): ParsedSchedule {
  const key = `${expression}\u0000${timezone}`;
  const hit = parsedCache.get(key);
  if (hit) {
    parsedCache.delete(key);
    parsedCache.set(key, hit);
    return hit;
  }
  const parsed = parseSchedule(expression, timezone);
  parsedCache.set(key, parsed);
  if (parsedCache.size > PARSED_CACHE_MAX) parsedCache.delete(parsedCache.keys().next().value as string);
  return parsed;
}

/** Which field is wrong: each alone, the others `*`, through croner. */
function locate(expr: string, original: unknown): ScheduleError {
  const parts = expr.split(/\s+/);
  const names = parts.length === 6 ? FIELDS_6 : FIELDS_5;
  if (!expr.startsWith('@') && (parts.length === 5 || parts.length === 6)) {
    for (let i = 0; i < parts.length; i++) {
      const probe = parts.map((p, j) => (j === i ? p : '*')).join(' ');
      try {
        new Cron(probe, CRON_OPTIONS);
      } catch (e) {
        return new ScheduleError(`${names[i]} field "${parts[i]}": ${clean(message(e))}`, names[i] ?? null, i);
      }
    }
  }
  return new ScheduleError(clean(message(original)));
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const clean = (m: string) => m.replace(/^Cron(Pattern|Date)?:\s*/, '');

/** The next instant strictly after `from` (UTC ms), or null when there is none (a one-shot that passed, 30 February). */
export function nextAfter(p: ParsedSchedule, from: number): number | null {
  return p.cron.nextRun(new Date(from))?.getTime() ?? null;
}

/** The schedule in English ("At 09:00, Monday through Friday"). */
export function describeSchedule(p: Pick<ParsedSchedule, 'kind' | 'expression' | 'timezone'>): string {
  if (p.kind === 'at') return `Once, at ${p.expression.replace('T', ' ')}${/[zZ]|[+-]\d{2}:?\d{2}$/.test(p.expression) ? '' : ` (${p.timezone})`}`;
  try {
    return cronstrue.toString(p.expression, { use24HourTimeFormat: true });
  } catch {
    return p.expression;
  }
}

/** An instant as ISO 8601 in a time zone, with its offset: 2030-01-31T09:00:00+01:00. */
export function localIso(at: number, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'longOffset',
  }).formatToParts(new Date(at));
  const get = (t: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === t)?.value ?? '';
  const offset = get('timeZoneName').replace(/^GMT/, '') || '+00:00';
  return `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}${offset}`;
}

/** POST /validate-schedule: never throws; a schedule that never fires (or an `at` in the past) is not valid. */
export function validateSchedule(expression: string, timezone: string, count: number, now: number): ScheduleValidation {
  const base = { schedule: expression, timezone, description: null, next_runs: [] };
  let p: ParsedSchedule;
  try {
    p = parseSchedule(expression, timezone);
  } catch (e) {
    const err = e instanceof ScheduleError ? e : new ScheduleError(message(e));
    return { ...base, is_valid: false, kind: expression.trim() ? scheduleKind(expression) : null, error: { message: err.message, field: err.field, position: err.position } };
  }
  const next_runs: ScheduleValidation['next_runs'] = [];
  let from = now;
  for (let i = 0; i < count; i++) {
    const at = nextAfter(p, from);
    if (at === null) break;
    next_runs.push({ at, local: localIso(at, timezone) });
    from = at;
  }
  const description = describeSchedule(p);
  if (next_runs.length === 0) {
    const why = p.kind === 'at' ? `${p.expression} is in the past` : 'no date ever matches it (like 30 February)';
    return { ...base, is_valid: false, kind: p.kind, description, error: { message: `the schedule never fires: ${why}`, field: null, position: null } };
  }
  return { ...base, is_valid: true, kind: p.kind, description, error: null, next_runs };
}

const WEEKDAY_NUMBER = { sunday: 0, monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6 } as const;

/** The cron expression of a quick preset. */
export function presetSchedule(q: Pick<QuickTaskInput, 'preset' | 'time' | 'weekday' | 'day_of_month' | 'schedule'>): string {
  const [h = '9', m = '0'] = q.time.split(':');
  const at = `${Number(m)} ${Number(h)}`;
  switch (q.preset) {
    case 'every-minute':
      return '* * * * *';
    case 'every-5-minutes':
      return '*/5 * * * *';
    case 'every-15-minutes':
      return '*/15 * * * *';
    case 'hourly':
      return '0 * * * *';
    case 'daily':
      return `${at} * * *`;
    case 'weekdays':
      return `${at} * * 1-5`;
    case 'weekly':
      return `${at} * * ${WEEKDAY_NUMBER[q.weekday]}`;
    case 'monthly':
      return `${at} ${q.day_of_month} * *`;
    case 'custom':
      return q.schedule ?? '';
  }
}
