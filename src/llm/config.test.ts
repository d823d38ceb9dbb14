import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { ZodError } from 'zod';
import { ZeblitError } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { LlmConfigStore } from './config.ts';
import { provider_keys } from './llm.sql.ts';
import { SealedSecretError, SecretBox } from './secrets.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function setup(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-llm-config-'));
  dirs.push(dir);
  const file = join(dir, 'zeblit.db');
  const database = openDatabase(file);
  const box = new SecretBox(randomBytes(32));
  const keyErrors: string[] = [];
  const store = new LlmConfigStore({ db: database.db, box, env, onKeyError: (p, e) => keyErrors.push(`${p}: ${e.message}`) });
  return { database, file, box, store, keyErrors };
}

const provider = (store: LlmConfigStore, name: string) => store.view().providers.find((p) => p.name === name)!;

describe('SecretBox', () => {
  test('seals with a fresh iv each time and opens what it sealed', () => {
    const box = new SecretBox(randomBytes(32));
    const a = box.seal('sk-ant-secret');
    const b = box.seal('sk-ant-secret');
    assert.notEqual(a, b);
    assert.equal(Buffer.from(a, 'base64').length, 12 + 'sk-ant-secret'.length + 16);
    assert.equal(box.open(a), 'sk-ant-secret');
  });

  test('a flipped bit or another key fails with a clear error', () => {
    const box = new SecretBox(randomBytes(32));
    const raw = Buffer.from(box.seal('sk-1234'), 'base64');
    raw[14] = (raw[14] ?? 0) ^ 1;
    assert.throws(() => box.open(raw.toString('base64')), (e: unknown) => e instanceof SealedSecretError && /integrity check/.test(e.message));
    assert.throws(() => new SecretBox(randomBytes(32)).open(box.seal('x')), SealedSecretError);
    assert.throws(() => box.open('AAAA'), /too short/);
  });

  test('a key sealed for one provider does not open for another', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('sk-ant-secret', 'anthropic');
    assert.equal(box.open(sealed, 'anthropic'), 'sk-ant-secret');
    assert.throws(() => box.open(sealed, 'openai'), (e: unknown) => e instanceof SealedSecretError && /moved from another provider/.test(e.message));
  });
});

describe('LlmConfigStore', () => {
  test('defaults: order, models, limits; nothing usable without keys', () => {
    const { store } = setup();
    const v = store.view();
    assert.deepEqual(v.order, ['anthropic', 'openai', 'compatible']);
    assert.equal(provider(store, 'anthropic').model, 'claude-sonnet-4-6');
    assert.equal(provider(store, 'openai').model, 'gpt-4.1');
    assert.equal(provider(store, 'compatible').model, null);
    assert.equal(provider(store, 'anthropic').effective_base_url, 'https://api.anthropic.com');
    assert.deepEqual([v.timeout_ms, v.max_retries, v.max_tokens], [120_000, 2, 8192]);
    assert.ok(v.providers.every((p) => !p.usable && !p.key_set));
    assert.equal(v.budgets.global_monthly_usd, null);
    assert.ok(v.prices['claude-sonnet-4-5']);
  });

  test('env keys and base URLs are used; a stored key wins and removing it falls back to env', () => {
    const { store } = setup({ ANTHROPIC_API_KEY: 'sk-ant-from-env-abcd', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: ' ' });
    let a = provider(store, 'anthropic');
    assert.deepEqual([a.key_set, a.key_source, a.key_hint, a.usable], [true, 'env', '…abcd', true]);
    assert.equal(store.resolved().providers.anthropic.apiKey, 'sk-ant-from-env-abcd');
    const o = provider(store, 'openai');
    assert.equal(o.key_set, false, 'a blank env key is no key');
    assert.equal(o.effective_base_url, 'http://127.0.0.1:9/v1');
    assert.equal(o.base_url, null);

    store.update({ providers: { anthropic: { api_key: 'sk-ant-stored-wxyz' }, openai: { base_url: 'https://proxy.example/v1/' } } });
    a = provider(store, 'anthropic');
    assert.deepEqual([a.key_source, a.key_hint], ['config', '…wxyz']);
    assert.equal(store.resolved().providers.anthropic.apiKey, 'sk-ant-stored-wxyz');
    assert.equal(provider(store, 'openai').effective_base_url, 'https://proxy.example/v1', 'stored base_url wins, trailing slash dropped');

    store.update({ providers: { anthropic: { api_key: null }, openai: { base_url: null } } });
    assert.equal(provider(store, 'anthropic').key_source, 'env');
    assert.equal(provider(store, 'openai').effective_base_url, 'http://127.0.0.1:9/v1');
  });

  test('compatible needs a base_url and a model; its key is optional', () => {
    const { store } = setup();
    store.update({ providers: { compatible: { base_url: 'http://127.0.0.1:11434/v1' } } });
    assert.equal(provider(store, 'compatible').usable, false);
    assert.match(store.resolved().providers.compatible.problem ?? '', /no model/);
    store.update({ providers: { compatible: { model: 'llama3.1' } } });
    assert.equal(provider(store, 'compatible').usable, true);
    store.update({ providers: { compatible: { enabled: false } } });
    assert.equal(provider(store, 'compatible').usable, false);
  });

  test('update merges agent models and price overrides, null removes; unknown agents are refused with the valid names', () => {
    const { store } = setup();
    store.update({ agent_models: { engineer: 'claude-opus-4-5', architect: 'gpt-4.1' }, price_overrides: { 'my-model': { input: 1, output: 2 } }, budgets: { global_monthly_usd: 25 } });
    let v = store.update({ agent_models: { architect: null }, max_retries: 0 });
    assert.deepEqual(v.agent_models, { engineer: 'claude-opus-4-5' });
    assert.deepEqual(v.prices['my-model'], { input: 1, output: 2 });
    assert.equal(v.budgets.global_monthly_usd, 25);
    assert.equal(v.max_retries, 0);
    v = store.update({ price_overrides: { 'my-model': null } });
    assert.equal(v.prices['my-model'], undefined);

    assert.throws(
      () => store.update({ agent_models: { wizard: 'gpt-4.1' } }),
      (e: unknown) => e instanceof ZeblitError && e.code === 'VALIDATION_FAILED' && /wizard/.test(e.message) && /engineer/.test(JSON.stringify(e.details)),
    );
    assert.throws(() => store.update({ budgets: { global_monthly_usd: -1 } }), ZodError);
    assert.throws(() => store.update({ providers: { openai: { base_url: 'ftp://x' } } }), ZodError);
    assert.throws(() => store.update({}), ZodError);
  });

  test("a key row copied into another provider's row does not open there", () => {
    const { store, database } = setup();
    store.update({ providers: { anthropic: { api_key: 'sk-ant-moved-1234' } } });
    const row = database.db.select().from(provider_keys).where(eq(provider_keys.provider, 'anthropic')).get()!;
    database.db.insert(provider_keys).values({ ...row, provider: 'openai' }).run();
    const fresh = new LlmConfigStore({ db: database.db, box: (store as unknown as { box: SecretBox }).box, env: {}, onKeyError: () => {} });
    const o = fresh.view().providers.find((p) => p.name === 'openai')!;
    assert.deepEqual([o.key_set, o.usable], [false, false]);
    assert.match(fresh.resolved().providers.openai.problem ?? '', /moved from another provider/);
    assert.equal(fresh.view().providers.find((p) => p.name === 'anthropic')?.key_set, true);
    database.close();
  });

  test('a tampered key row counts as unconfigured, reported, not a crash; the database never holds the key in clear', () => {
    const { store, database, file, keyErrors } = setup();
    const key = 'sk-ant-api03-VERY-SECRET-KEY-1234';
    store.update({ providers: { anthropic: { api_key: key } } });
    const row = database.db.select().from(provider_keys).where(eq(provider_keys.provider, 'anthropic')).get()!;
    assert.ok(!row.sealed.includes(key) && !Buffer.from(row.sealed, 'base64').toString('latin1').includes(key));
    const raw = Buffer.from(row.sealed, 'base64');
    raw[raw.length - 1] = (raw[raw.length - 1] ?? 0) ^ 0xff;
    database.db.update(provider_keys).set({ sealed: raw.toString('base64') }).run();
    // Another store over the same rows: it reads the tampered value.
    const fresh = new LlmConfigStore({ db: database.db, box: (store as unknown as { box: SecretBox }).box, env: {}, onKeyError: (p, e) => keyErrors.push(`${p}: ${e.message}`) });
    const a = fresh.view().providers.find((p) => p.name === 'anthropic')!;
    assert.deepEqual([a.key_set, a.usable], [false, false]);
    assert.match(fresh.resolved().providers.anthropic.problem ?? '', /cannot be opened/);
    assert.match(keyErrors.join('\n'), /anthropic: .*integrity check/);

    database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    database.close();
    for (const f of [file, `${file}-wal`]) if (existsSync(f)) assert.ok(!readFileSync(f).includes(key), `${f} holds the key in clear`);
  });
});
