/**
 * The built CLI and daemon: `zeblit config set/get/unset` with a key read
 * from stdin, and `zeblit usage` with budgets. The key must never show in
 * CLI output, API answers, the daemon log or the database files.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openDatabase } from '../../src/db/index.ts';
import { CallLog } from '../../src/llm/calls.ts';
import { cleanup, runCli, tempHome, type CliResult } from './helpers.ts';

const SECRET = 'sk-ant-api03-E2E-CLI-SECRET-KEY-7c1d';
// The machine's own keys must not leak into the test's daemon.
const CLEAN_ENV = { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_BASE_URL: '', OPENAI_BASE_URL: '' };

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), `${what}: the key is printed`);
  return r;
}

describe('zeblit config and zeblit usage', () => {
  let home: string;
  let cli: (args: string[], input?: string) => Promise<CliResult>;

  before(() => {
    home = tempHome('llm');
    cli = (args, input) => runCli(home, args, { env: CLEAN_ENV, input });
  });
  after(cleanup);

  it('config get: nothing configured, keys "not set"', async () => {
    const r = ok(await cli(['config', 'get']), 'config get');
    assert.match(r.stdout, /anthropic\s+yes\s+no\s+claude-sonnet-4-6\s+https:\/\/api\.anthropic\.com \(default\)\s+not set/);
    assert.match(r.stdout, /order\s+anthropic, openai, compatible/);
  });

  it('config set <provider>.api_key - reads the key from stdin; get shows only its source and last four characters', async () => {
    ok(await cli(['config', 'set', 'anthropic.api_key', '-'], `${SECRET}\n`), 'set api_key');
    const one = ok(await cli(['config', 'get', 'anthropic.api_key']), 'get api_key');
    assert.equal(one.stdout, 'set (config, …7c1d)\n');
    const all = ok(await cli(['config', 'get', '--json']), 'get --json');
    const view = JSON.parse(all.stdout) as { providers: Array<{ name: string; key_set: boolean; usable: boolean }> };
    assert.deepEqual(view.providers.find((p) => p.name === 'anthropic'), { ...view.providers.find((p) => p.name === 'anthropic'), key_set: true, usable: true });
    const empty = await cli(['config', 'set', 'openai.api_key', '-'], '');
    assert.notEqual(empty.code, 0);
    assert.match(empty.stdout + empty.stderr, /read nothing from stdin/);
  });

  it('other keys: base_url, model, order, agent model, price, limits; unset resets', async () => {
    ok(await cli(['config', 'set', 'compatible.base_url', 'http://127.0.0.1:11434/v1']), 'compatible.base_url');
    ok(await cli(['config', 'set', 'compatible.model', 'llama3.1']), 'compatible.model');
    ok(await cli(['config', 'set', 'order', 'compatible,anthropic']), 'order');
    ok(await cli(['config', 'set', 'model.engineer', 'claude-opus-4-5']), 'model.engineer');
    ok(await cli(['config', 'set', 'price.llama3.1', '0.1,0.2']), 'price');
    ok(await cli(['config', 'set', 'max_retries', '4']), 'max_retries');
    const r = ok(await cli(['config', 'get']), 'get');
    assert.match(r.stdout, /compatible\s+yes\s+yes\s+llama3\.1\s+http:\/\/127\.0\.0\.1:11434\/v1/);
    assert.match(r.stdout, /order\s+compatible, anthropic/);
    assert.match(r.stdout, /engineer\s+claude-opus-4-5/);
    assert.match(r.stdout, /llama3\.1\s+0\.1\s+0\.2/);
    assert.equal(ok(await cli(['config', 'get', 'max_retries']), 'get').stdout, '4\n');
    ok(await cli(['config', 'unset', 'max_retries']), 'unset');
    assert.equal(ok(await cli(['config', 'get', 'max_retries']), 'get').stdout, '2\n');
    ok(await cli(['config', 'unset', 'order']), 'unset order');
  });

  it('mistakes: an unknown key lists the valid ones; a bad value says what is expected; the daemon refuses a bad URL', async () => {
    const unknown = await cli(['config', 'set', 'anthropic.colour', 'blue']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stdout + unknown.stderr, /Unknown setting "anthropic\.colour"\. Valid keys: .*anthropic\.api_key.*budget\.project/);
    const agent = await cli(['config', 'set', 'model.wizard', 'gpt-4.1']);
    assert.match(agent.stdout + agent.stderr, /Unknown agent "wizard".*engineer/);
    const budget = await cli(['config', 'set', '--', 'budget.global', '-3']); // after --, -3 is a value, not an option
    assert.match(budget.stdout + budget.stderr, /budget\.global must be a number >= 0/);
    const url = await cli(['config', 'set', 'openai.base_url', 'not-a-url']);
    assert.notEqual(url.code, 0);
    assert.match(url.stderr, /VALIDATION_FAILED/);
    assert.match(url.stderr, /http:\/\/ or https:\/\//);
  });

  it('budgets and usage: global and project caps, calls grouped, totals', async () => {
    ok(await cli(['create', 'shop']), 'create');
    ok(await cli(['config', 'set', 'budget.global', '20']), 'budget.global');
    const set = ok(await cli(['config', 'set', 'budget.project', '5', '--project', 'shop']), 'budget.project');
    assert.match(set.stdout, /Project shop now has a monthly budget of \$5\.00/);
    assert.equal(ok(await cli(['config', 'get', 'budget.project', '--project', 'shop']), 'get').stdout, '$5.00\n');

    const project = (JSON.parse(ok(await cli(['info', 'shop', '--json']), 'info').stdout) as { id: string }).id;
    // Calls as the service records them, written beside the running daemon (WAL allows it).
    const database = openDatabase(join(home, 'zeblit.db'));
    const calls = new CallLog(database.db);
    const usage = (i: number, o: number) => ({ input_tokens: i, output_tokens: o, cache_read_tokens: 0, cache_write_tokens: 0 });
    calls.record({ provider: 'anthropic', model: 'claude-sonnet-4-5', meta: { project_id: project, agent: 'engineer', conversation_id: null }, usage: usage(1000, 200), cost_usd: 0.006, outcome: 'ok' });
    calls.record({ provider: 'anthropic', model: 'claude-sonnet-4-5', meta: { project_id: project, agent: 'architect', conversation_id: null }, outcome: 'error', error: 'HTTP 529' });
    calls.record({ provider: 'openai', model: 'gpt-4.1', meta: { project_id: project, agent: 'architect', conversation_id: null }, usage: usage(500, 100), cost_usd: 0.0018, outcome: 'ok', fallback_from: 'anthropic' });
    database.close();

    const byAgent = ok(await cli(['usage', '--by', 'agent', '--project', 'shop']), 'usage');
    assert.match(byAgent.stdout, /^AGENT\s+CALLS\s+ERRORS\s+INPUT\s+OUTPUT\s+CACHED\s+COST$/m);
    assert.match(byAgent.stdout, /^engineer\s+1\s+0\s+1000\s+200\s+0\s+\$0\.0060$/m);
    assert.match(byAgent.stdout, /^architect\s+2\s+1\s+500\s+100\s+0\s+\$0\.0018$/m);
    assert.match(byAgent.stdout, /^TOTAL\s+3\s+1\s+1500\s+300\s+0\s+\$0\.0078$/m);
    assert.match(byAgent.stdout, /Global budget \d{4}-\d{2}: \$0\.0078 of \$20\.00/);
    assert.match(byAgent.stdout, /Project budget \d{4}-\d{2}: \$0\.0078 of \$5\.00/);

    const json = JSON.parse(ok(await cli(['usage', '--by', 'provider', '--json']), 'usage --json').stdout) as { totals: { calls: number; cost_usd: number }; groups: Array<{ key: string }> };
    assert.equal(json.totals.calls, 3);
    assert.equal(json.totals.cost_usd, 0.0078);
    assert.deepEqual(json.groups.map((g) => g.key).sort(), ['anthropic', 'openai']);
    const future = ok(await cli(['usage', '--since', '2099-01-01']), 'usage --since');
    assert.match(future.stdout, /No LLM calls in this period/);
    const bad = await cli(['usage', '--since', 'yesterday']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stdout + bad.stderr, /--since must be a date like 2026-11-01/);
  });

  it('the key is in no log and in no database file in clear', () => {
    const logs = join(home, 'logs');
    for (const f of readdirSync(logs)) assert.ok(!readFileSync(join(logs, f)).includes(SECRET), `logs/${f} holds the key`);
    for (const f of ['zeblit.db', 'zeblit.db-wal']) {
      const p = join(home, f);
      if (existsSync(p)) assert.ok(!readFileSync(p).includes(SECRET), `${f} holds the key`);
    }
  });
});
