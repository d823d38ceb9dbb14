import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { QuickTaskRequest } from '../contracts/index.ts';
import { DueQueue } from './due-queue.ts';
import { localIso, nextAfter, parseSchedule, parseScheduleCached, presetSchedule, validateSchedule } from './schedule.ts';

const NOW = Date.UTC(2030, 0, 1, 12, 0, 0); // a Tuesday

describe('validateSchedule', () => {
  test('a weekday schedule: valid, in English, next runs in its time zone', () => {
    const v = validateSchedule('0 9 * * 1-5', 'Europe/Berlin', 3, NOW);
    assert.equal(v.is_valid, true);
    assert.equal(v.kind, 'cron');
    assert.equal(v.description, 'At 09:00, Monday through Friday');
    assert.deepEqual(
      v.next_runs.map((r) => r.local),
      ['2030-01-02T09:00:00+01:00', '2030-01-03T09:00:00+01:00', '2030-01-04T09:00:00+01:00'],
    );
    assert.equal(v.next_runs[0]?.at, Date.UTC(2030, 0, 2, 8, 0, 0));
  });

  test('six fields: seconds first', () => {
    const v = validateSchedule('*/2 * * * * *', 'UTC', 3, NOW);
    assert.equal(v.is_valid, true);
    assert.equal(v.description, 'Every 2 seconds');
    assert.deepEqual(v.next_runs.map((r) => r.at - NOW), [2000, 4000, 6000]);
  });

  test('nicknames', () => {
    for (const [nick, first] of [
      ['@hourly', Date.UTC(2030, 0, 1, 13)],
      ['@daily', Date.UTC(2030, 0, 2)],
      ['@weekly', Date.UTC(2030, 0, 6)],
      ['@monthly', Date.UTC(2030, 1, 1)],
      ['@yearly', Date.UTC(2031, 0, 1)],
    ] as const) {
      const v = validateSchedule(nick, 'UTC', 1, NOW);
      assert.equal(v.is_valid, true, nick);
      assert.equal(v.next_runs[0]?.at, first, nick);
      assert.ok(v.description && v.description !== nick, `${nick} is described: ${v.description}`);
    }
  });

  test('an out-of-range field: which one and where', () => {
    const v = validateSchedule('0 25 * * *', 'UTC', 5, NOW);
    assert.equal(v.is_valid, false);
    assert.equal(v.error?.field, 'hour');
    assert.equal(v.error?.position, 1);
    assert.match(v.error?.message ?? '', /hour field "25"/);
    assert.deepEqual(v.next_runs, []);

    const s = validateSchedule('61 * * * * *', 'UTC', 5, NOW);
    assert.equal(s.error?.field, 'second');
    assert.equal(s.error?.position, 0);
    const d = validateSchedule('0 0 * * 8', 'UTC', 5, NOW);
    assert.equal(d.error?.field, 'day_of_week');
    assert.equal(d.error?.position, 4);
    const m = validateSchedule('0 0 1 13 *', 'UTC', 5, NOW);
    assert.equal(m.error?.field, 'month');
  });

  test('0 0 30 2 * is a valid expression that never fires: not valid', () => {
    const v = validateSchedule('0 0 30 2 *', 'UTC', 5, NOW);
    assert.equal(v.is_valid, false);
    assert.match(v.error?.message ?? '', /never fires/);
    assert.equal(v.error?.field, null);
    assert.deepEqual(v.next_runs, []);
  });

  test('an invalid time zone', () => {
    const v = validateSchedule('0 9 * * *', 'Mars/Olympus_Mons', 5, NOW);
    assert.equal(v.is_valid, false);
    assert.equal(v.error?.field, 'timezone');
    assert.match(v.error?.message ?? '', /not an IANA time zone/);
  });

  test('seven fields (a year) and four fields are refused', () => {
    const seven = validateSchedule('0 0 9 * * * 2031', 'UTC', 5, NOW);
    assert.equal(seven.is_valid, false);
    assert.match(seven.error?.message ?? '', /5 fields .* or 6 .*has 7/);
    const four = validateSchedule('0 9 * *', 'UTC', 5, NOW);
    assert.equal(four.is_valid, false);
    assert.match(four.error?.message ?? '', /has 4/);
  });

  test('empty, blank and garbage', () => {
    for (const e of ['', '   ']) {
      const v = validateSchedule(e, 'UTC', 5, NOW);
      assert.equal(v.is_valid, false);
      assert.equal(v.kind, null);
      assert.match(v.error?.message ?? '', /empty/);
    }
    const g = validateSchedule('every day at nine', 'UTC', 5, NOW);
    assert.equal(g.is_valid, false);
    const n = validateSchedule('@fortnightly', 'UTC', 5, NOW);
    assert.equal(n.is_valid, false);
  });

  test('a one-shot time: in the task zone unless it has an offset; in the past it never fires', () => {
    const v = validateSchedule('2030-06-01T10:00', 'Europe/Berlin', 5, NOW);
    assert.equal(v.is_valid, true);
    assert.equal(v.kind, 'at');
    assert.deepEqual(v.next_runs.map((r) => r.at), [Date.UTC(2030, 5, 1, 8)]);
    assert.match(v.description ?? '', /^Once, at 2030-06-01 10:00 \(Europe\/Berlin\)/);
    const z = validateSchedule('2030-06-01T10:00:00Z', 'Europe/Berlin', 5, NOW);
    assert.deepEqual(z.next_runs.map((r) => r.at), [Date.UTC(2030, 5, 1, 10)]);
    const past = validateSchedule('2029-06-01T10:00:00Z', 'UTC', 5, NOW);
    assert.equal(past.is_valid, false);
    assert.match(past.error?.message ?? '', /in the past/);
    const bad = validateSchedule('2030-13-45T10:00', 'UTC', 5, NOW);
    assert.equal(bad.is_valid, false);
  });
});

describe('daylight saving time (Europe/Berlin)', () => {
  const p = parseSchedule('30 2 * * *', 'Europe/Berlin');
  const day = (ms: number) => localIso(ms, 'Europe/Berlin').slice(0, 10);
  const runsBetween = (from: number, to: number) => {
    const out: number[] = [];
    for (let t = nextAfter(p, from); t !== null && t < to; t = nextAfter(p, t)) out.push(t);
    return out;
  };

  test('spring forward (02:30 does not exist on 30 March 2025): exactly one run that day', () => {
    const runs = runsBetween(Date.UTC(2025, 2, 28), Date.UTC(2025, 3, 2));
    const perDay = new Map<string, number>();
    for (const r of runs) perDay.set(day(r), (perDay.get(day(r)) ?? 0) + 1);
    assert.deepEqual([...perDay.entries()], [['2025-03-28', 1], ['2025-03-29', 1], ['2025-03-30', 1], ['2025-03-31', 1], ['2025-04-01', 1]]);
  });

  test('fall back (02:30 happens twice on 26 October 2025): exactly one run that day', () => {
    const runs = runsBetween(Date.UTC(2025, 9, 24), Date.UTC(2025, 9, 29));
    const onTheDay = runs.filter((r) => day(r) === '2025-10-26');
    assert.equal(onTheDay.length, 1);
    assert.equal(localIso(onTheDay[0] as number, 'Europe/Berlin'), '2025-10-26T02:30:00+02:00');
    assert.equal(runs.length, 5);
  });
});

describe('quick presets', () => {
  const base = { project_id: 'p', name: 't', command: 'true' };
  const cron = (extra: Record<string, unknown>) => presetSchedule(QuickTaskRequest.parse({ ...base, ...extra }));
  test('each preset is a cron expression croner accepts', () => {
    assert.equal(cron({ preset: 'every-minute' }), '* * * * *');
    assert.equal(cron({ preset: 'every-5-minutes' }), '*/5 * * * *');
    assert.equal(cron({ preset: 'every-15-minutes' }), '*/15 * * * *');
    assert.equal(cron({ preset: 'hourly' }), '0 * * * *');
    assert.equal(cron({ preset: 'daily' }), '0 9 * * *');
    assert.equal(cron({ preset: 'daily', time: '18:45' }), '45 18 * * *');
    assert.equal(cron({ preset: 'weekdays', time: '08:00' }), '0 8 * * 1-5');
    assert.equal(cron({ preset: 'weekly', weekday: 'friday' }), '0 9 * * 5');
    assert.equal(cron({ preset: 'monthly', day_of_month: 15 }), '0 9 15 * *');
    assert.equal(cron({ preset: 'custom', schedule: '*/10 * * * *' }), '*/10 * * * *');
    for (const preset of ['every-minute', 'hourly', 'daily', 'weekdays', 'weekly', 'monthly'])
      assert.equal(validateSchedule(cron({ preset }), 'UTC', 1, NOW).is_valid, true, preset);
  });
  test('custom needs a schedule; the others refuse one; times are HH:MM', () => {
    assert.equal(QuickTaskRequest.safeParse({ ...base, preset: 'custom' }).success, false);
    assert.equal(QuickTaskRequest.safeParse({ ...base, preset: 'daily', schedule: '* * * * *' }).success, false);
    assert.equal(QuickTaskRequest.safeParse({ ...base, preset: 'daily', time: '25:00' }).success, false);
  });
});

describe('DueQueue', () => {
  test('pops in time order; moving or removing a key drops its old entry', () => {
    const q = new DueQueue();
    q.set('a', 30);
    q.set('b', 10);
    q.set('c', 20);
    q.set('b', 40); // moved
    q.delete('c');
    assert.deepEqual(q.peek(), { at: 30, key: 'a' });
    assert.equal(q.popDue(29), null);
    assert.deepEqual(q.popDue(100), { at: 30, key: 'a' });
    assert.deepEqual(q.popDue(100), { at: 40, key: 'b' });
    assert.equal(q.popDue(100), null);
    assert.equal(q.size, 0);
  });

  test('thousands of moves stay ordered and bounded', () => {
    const q = new DueQueue();
    for (let round = 0; round < 20; round++) for (let i = 0; i < 500; i++) q.set(`k${i}`, (i * 7919 + round * 13) % 100_000);
    const out: number[] = [];
    for (let e = q.popDue(Infinity); e; e = q.popDue(Infinity)) out.push(e.at);
    assert.equal(out.length, 500);
    assert.deepEqual(out, [...out].sort((a, b) => a - b));
  });
});

describe('parseScheduleCached', () => {
  test('tasks with one expression and zone share one parse; the cache stays small', () => {
    const a = parseScheduleCached('*/5 * * * *', 'Europe/Berlin');
    assert.equal(parseScheduleCached('*/5 * * * *', 'Europe/Berlin'), a);
    assert.notEqual(parseScheduleCached('*/5 * * * *', 'UTC'), a);
    for (let i = 0; i < 200; i++) parseScheduleCached(`${i % 60} ${Math.floor(i / 60)} * * *`, 'UTC');
    // Evicted by then: a fresh parse, equal in what it computes.
    const again = parseScheduleCached('*/5 * * * *', 'Europe/Berlin');
    assert.notEqual(again, a);
    assert.equal(nextAfter(again, NOW), nextAfter(a, NOW));
  });
});
