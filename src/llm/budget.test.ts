import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Budgets } from './budget.ts';
import { CallLog, monthKey, monthStart } from './calls.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(start = Date.UTC(2026, 10, 27, 12)) {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-llm-budget-'));
  dirs.push(dir);
  const database = openDatabase(join(dir, 'zeblit.db'));
  let t = start;
  const now = () => t;
  const calls = new CallLog(database.db, now);
  const caps = { global: null as number | null, project: null as number | null };
  const project = { id: 'prj_a', name: 'alpha', settings: { get monthly_budget_usd() { return caps.project; } } };
  const budgets = new Budgets(calls, () => caps.global, { findById: (id) => (id === project.id ? project : undefined) }, now);
  return { calls, budgets, caps, set: (ms: number) => void (t = ms) };
}

const meta = (project_id: string | null, agent: string | null = 'engineer') => ({ project_id, agent, conversation_id: null });
const usage = (i: number, o: number) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 0, cache_write_tokens: 0 });

test('usage totals and groups by project, agent, model, provider and UTC day, within since/until', () => {
  const { calls, set } = setup();
  set(Date.UTC(2026, 9, 31, 23, 59)); // last month: outside the default window
  calls.record({ provider: 'anthropic', model: 'claude-sonnet-4-5', meta: meta('prj_a'), usage: usage(10, 10), cost_usd: 1, outcome: 'ok' });
  set(Date.UTC(2026, 10, 1, 0, 30));
  calls.record({ provider: 'anthropic', model: 'claude-sonnet-4-5', meta: meta('prj_a'), usage: usage(100, 50), cost_usd: 0.25, outcome: 'ok' });
  calls.record({ provider: 'anthropic', model: 'claude-sonnet-4-5', meta: meta('prj_a'), outcome: 'error', error: 'HTTP 529' });
  set(Date.UTC(2026, 10, 2, 23, 0));
  calls.record({ provider: 'openai', model: 'gpt-4.1', meta: meta('prj_b', 'architect'), usage: usage(200, 20), cost_usd: 0.5, outcome: 'ok', fallback_from: 'anthropic' });
  calls.record({ provider: 'openai', model: 'gpt-4.1', meta: meta(null, null), usage: usage(1, 1), cost_usd: 0.125, outcome: 'ok' });

  const since = monthStart(Date.UTC(2026, 10, 15));
  const until = Date.UTC(2026, 11, 1);
  const byDay = calls.usage({ group_by: 'day', since, until });
  assert.deepEqual(byDay.totals, { calls: 4, errors: 1, input_tokens: 301, output_tokens: 71, cache_read_tokens: 0, cache_write_tokens: 0, cost_usd: 0.875 });
  assert.deepEqual(byDay.groups.map((g) => [g.key, g.calls, g.cost_usd]), [['2026-11-01', 2, 0.25], ['2026-11-02', 2, 0.625]]);
  const byProject = calls.usage({ group_by: 'project', since, until });
  assert.deepEqual(byProject.groups.map((g) => [g.key, g.cost_usd]), [['prj_b', 0.5], ['prj_a', 0.25], [null, 0.125]]);
  assert.deepEqual(calls.usage({ group_by: 'provider', since, until }).groups.map((g) => g.key).sort(), ['anthropic', 'openai']);
  assert.deepEqual(calls.usage({ group_by: 'model', since, until, project_ids: ['prj_a'] }).totals.calls, 2);
  assert.equal(calls.usage({ group_by: 'agent', since, until, project_ids: [] }).totals.calls, 0);
  const fallback = calls.recent(10).find((c) => c.provider === 'openai' && c.project_id === 'prj_b');
  assert.equal(fallback?.fallback_from, 'anthropic');

  assert.deepEqual(calls.todayByAgent(Date.UTC(2026, 10, 2, 23, 30)), { architect: { calls: 1, cost_usd: 0.5 } });
  assert.equal(monthKey(Date.UTC(2026, 10, 2)), '2026-11');
});

test('project cap: refused when spent this month >= cap, with the amounts, the month and the fix', () => {
  const { calls, budgets, caps } = setup();
  caps.project = 5;
  budgets.check({ meta: meta('prj_a') });
  calls.record({ provider: 'anthropic', model: 'm', meta: meta('prj_a'), cost_usd: 4.99, outcome: 'ok' });
  budgets.check({ meta: meta('prj_a') }); // under: allowed
  calls.record({ provider: 'anthropic', model: 'm', meta: meta('prj_a'), cost_usd: 0.03, outcome: 'ok' });
  assert.throws(
    () => budgets.check({ meta: meta('prj_a') }),
    (e: unknown) =>
      e instanceof ZeblitError &&
      e.code === 'BUDGET_EXCEEDED' &&
      e.message === 'The monthly budget of project alpha ($5.00) is spent: $5.02 used in 2026-11' &&
      /zeblit config set budget.project/.test(e.suggestion ?? '') &&
      /2026-12-01/.test(e.suggestion ?? ''),
  );
  budgets.check({ meta: meta('prj_other') }); // another project has no cap
  caps.project = 0;
  assert.throws(() => budgets.check({ meta: meta('prj_a') }), /budget of project alpha/);
  const [global, project] = budgets.states('prj_a');
  assert.deepEqual(global, { scope: 'global', project_id: null, month: '2026-11', limit_usd: null, spent_usd: 5.02, remaining_usd: null });
  assert.deepEqual(project, { scope: 'project', project_id: 'prj_a', month: '2026-11', limit_usd: 0, spent_usd: 5.02, remaining_usd: 0 });
});

test('global cap counts every project; last month does not count; the turn limit refuses too', () => {
  const { calls, budgets, caps, set } = setup();
  caps.global = 1;
  set(Date.UTC(2026, 9, 20));
  calls.record({ provider: 'openai', model: 'm', meta: meta('prj_x'), cost_usd: 50, outcome: 'ok' });
  set(Date.UTC(2026, 10, 3));
  budgets.check({ meta: meta(null) });
  calls.record({ provider: 'openai', model: 'm', meta: meta('prj_y'), cost_usd: 1, outcome: 'ok' });
  assert.throws(() => budgets.check({ meta: meta(null) }), /The global monthly budget \(\$1\.00\) is spent: \$1\.00 used in 2026-11/);
  caps.global = null;
  budgets.check({ meta: meta(null), turnCostLimitUsd: 0.5, turnCostSoFarUsd: 0.49 });
  assert.throws(() => budgets.check({ meta: meta(null), turnCostLimitUsd: 0.5, turnCostSoFarUsd: 0.5 }), (e: unknown) => e instanceof ZeblitError && e.code === 'BUDGET_EXCEEDED' && /turn/.test(e.message));
});
