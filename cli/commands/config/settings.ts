/**
 * The keys of `zeblit config get/set/unset`, each turned into a change of the
 * LLM configuration (PUT /config/llm), of a project's budget
 * (PUT /projects/{id}) or of the Telegram bot (PUT /config/telegram). One table, so the three commands and the error that
 * lists the valid keys never disagree.
 */
import { UsageError } from 'clipanion';
import {
  AGENT_NAMES,
  parseTelegramUserIds,
  PROVIDER_NAMES,
  TELEGRAM_TOKEN_PATTERN,
  type LlmConfigUpdate,
  type LlmConfigView,
  type ProviderName,
  type ProviderView,
  type TelegramConfigUpdate,
  type TelegramConfigView,
} from '../../../src/contracts/index.ts';
import { describeBot } from '../../format.ts';

export type Change = { kind: 'llm'; patch: LlmConfigUpdate } | { kind: 'project-budget'; usd: number | null } | { kind: 'telegram'; patch: TelegramConfigUpdate };

const PROVIDER_FIELDS = ['api_key', 'base_url', 'model', 'enabled'] as const;
type ProviderField = (typeof PROVIDER_FIELDS)[number];

export const KEY_LIST = [
  ...PROVIDER_NAMES.flatMap((p) => PROVIDER_FIELDS.map((f) => `${p}.${f}`)),
  'order',
  'model.<agent>',
  'price.<model>',
  'budget.global',
  'budget.project',
  'timeout_ms',
  'max_retries',
  'max_tokens',
  'telegram.bot_token',
  'telegram.allowed_users',
];

const DEFAULTS = { order: [...PROVIDER_NAMES], timeout_ms: 120_000, max_retries: 2, max_tokens: 8192 };

function unknownKey(key: string): UsageError {
  return new UsageError(`Unknown setting "${key}". Valid keys: ${KEY_LIST.join(', ')} (agents: ${AGENT_NAMES.join(', ')})`);
}

function providerKey(key: string): { provider: ProviderName; field: ProviderField } | null {
  const [p, f, ...rest] = key.split('.');
  if (rest.length > 0 || !(PROVIDER_NAMES as readonly string[]).includes(p ?? '') || !(PROVIDER_FIELDS as readonly string[]).includes(f ?? '')) return null;
  return { provider: p as ProviderName, field: f as ProviderField };
}

function agentOf(key: string): string {
  const agent = key.slice('model.'.length);
  if (!(AGENT_NAMES as readonly string[]).includes(agent)) throw new UsageError(`Unknown agent "${agent}" in ${key}. Agents: ${AGENT_NAMES.join(', ')}`);
  return agent;
}

function modelOf(key: string): string {
  const model = key.slice('price.'.length);
  if (!model) throw new UsageError('price.<model> needs a model name, e.g. price.gpt-4.1');
  return model;
}

function number(key: string, value: string, opts: { min: number; integer?: boolean }): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(n) || n < opts.min || (opts.integer && !Number.isInteger(n)))
    throw new UsageError(`${key} must be ${opts.integer ? 'an integer' : 'a number'} >= ${opts.min}, got "${value}"`);
  return n;
}

function usdOrNone(key: string, value: string): number | null {
  return /^(none|null|off)$/i.test(value.trim()) ? null : number(key, value.replace(/^\$/, ''), { min: 0 });
}

function bool(key: string, value: string): boolean {
  if (/^(true|yes|on|1)$/i.test(value)) return true;
  if (/^(false|no|off|0)$/i.test(value)) return false;
  throw new UsageError(`${key} must be true or false, got "${value}"`);
}

/** Whether the value of this key is a secret (read from stdin when given as "-"). */
export function isSecretKey(key: string): boolean {
  return providerKey(key)?.field === 'api_key' || key === 'telegram.bot_token';
}

/** Keys of the Telegram bot's configuration (admin; GET/PUT /config/telegram). */
export function isTelegramKey(key: string): boolean {
  return key === 'telegram' || key.startsWith('telegram.');
}

function telegramSet(key: string, value: string): Change {
  if (key === 'telegram.bot_token') {
    const token = value.trim();
    if (!TELEGRAM_TOKEN_PATTERN.test(token))
      throw new UsageError(`${key} must be the token @BotFather gave you: 123456789:AAE… (digits, a colon, then 20 or more letters, digits, _ or -)`);
    return { kind: 'telegram', patch: { bot_token: token } };
  }
  if (key === 'telegram.allowed_users') {
    if (/^(none|null|off|)$/i.test(value.trim())) return { kind: 'telegram', patch: { allowed_users: [] } };
    const { ids, bad } = parseTelegramUserIds(value);
    if (bad.length > 0 || ids.length === 0) throw new UsageError(`${key} is a comma-separated list of numeric Telegram user ids (or none)${bad.length ? `; not ids: ${bad.join(', ')}` : ''}`);
    return { kind: 'telegram', patch: { allowed_users: ids } };
  }
  throw unknownKey(key);
}

/** `zeblit config set <key> <value>` as a change. */
export function parseSet(key: string, value: string): Change {
  if (isTelegramKey(key)) return telegramSet(key, value);
  const pk = providerKey(key);
  if (pk) {
    const v = value.trim();
    if (!v) throw new UsageError(`${key} needs a value (use \`zeblit config unset ${key}\` to clear it)`);
    const update = pk.field === 'enabled' ? { enabled: bool(key, v) } : { [pk.field]: v };
    return { kind: 'llm', patch: { providers: { [pk.provider]: update } } };
  }
  if (key === 'order') {
    const order = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = order.filter((p) => !(PROVIDER_NAMES as readonly string[]).includes(p));
    if (order.length === 0 || bad.length > 0) throw new UsageError(`order is a comma-separated list of ${PROVIDER_NAMES.join(', ')}${bad.length ? `; unknown: ${bad.join(', ')}` : ''}`);
    return { kind: 'llm', patch: { order: order as ProviderName[] } };
  }
  if (key.startsWith('model.')) return { kind: 'llm', patch: { agent_models: { [agentOf(key)]: value.trim() } } };
  if (key.startsWith('price.')) {
    const parts = value.split(',').map((s) => s.trim());
    if (parts.length < 2 || parts.length > 4) throw new UsageError(`${key} takes input,output[,cache_read,cache_write] in USD per million tokens, e.g. 3,15,0.3,3.75`);
    const [input, output, cache_read, cache_write] = parts.map((p) => number(key, p, { min: 0 }));
    return {
      kind: 'llm',
      patch: { price_overrides: { [modelOf(key)]: { input: input ?? 0, output: output ?? 0, ...(cache_read !== undefined ? { cache_read } : {}), ...(cache_write !== undefined ? { cache_write } : {}) } } },
    };
  }
  if (key === 'budget.global') return { kind: 'llm', patch: { budgets: { global_monthly_usd: usdOrNone(key, value) } } };
  if (key === 'budget.project') return { kind: 'project-budget', usd: usdOrNone(key, value) };
  if (key === 'timeout_ms') return { kind: 'llm', patch: { timeout_ms: number(key, value, { min: 1000, integer: true }) } };
  if (key === 'max_retries') return { kind: 'llm', patch: { max_retries: number(key, value, { min: 0, integer: true }) } };
  if (key === 'max_tokens') return { kind: 'llm', patch: { max_tokens: number(key, value, { min: 1, integer: true }) } };
  throw unknownKey(key);
}

/** `zeblit config unset <key>`: back to the default (or no value). */
export function parseUnset(key: string): Change {
  if (key === 'telegram.bot_token') return { kind: 'telegram', patch: { bot_token: null } };
  if (key === 'telegram.allowed_users') return { kind: 'telegram', patch: { allowed_users: null } };
  const pk = providerKey(key);
  if (pk) return { kind: 'llm', patch: { providers: { [pk.provider]: { [pk.field]: pk.field === 'enabled' ? true : null } } } };
  if (key === 'order') return { kind: 'llm', patch: { order: DEFAULTS.order } };
  if (key.startsWith('model.')) return { kind: 'llm', patch: { agent_models: { [agentOf(key)]: null } } };
  if (key.startsWith('price.')) return { kind: 'llm', patch: { price_overrides: { [modelOf(key)]: null } } };
  if (key === 'budget.global') return { kind: 'llm', patch: { budgets: { global_monthly_usd: null } } };
  if (key === 'budget.project') return { kind: 'project-budget', usd: null };
  if (key === 'timeout_ms' || key === 'max_retries' || key === 'max_tokens') return { kind: 'llm', patch: { [key]: DEFAULTS[key] } };
  throw unknownKey(key);
}

/** How a key is shown: set, where from, last four characters; never the key. */
export function describeKey(p: Pick<ProviderView, 'key_set' | 'key_source' | 'key_hint'>): string {
  return p.key_set ? `set (${p.key_source === 'env' ? 'env' : 'config'}, ${p.key_hint ?? '…'})` : 'not set';
}

/** The value of one key in the view (budget.project is read from the project, by the command). */
export function readKey(view: LlmConfigView, key: string): unknown {
  const pk = providerKey(key);
  if (pk) {
    const p = view.providers.find((x) => x.name === pk.provider);
    if (!p) return null;
    if (pk.field === 'api_key') return describeKey(p);
    if (pk.field === 'base_url') return p.base_url ?? `${p.effective_base_url ?? '-'} (default)`;
    return p[pk.field];
  }
  if (key === 'order') return view.order.join(',');
  if (key.startsWith('model.')) return view.agent_models[agentOf(key)] ?? null;
  if (key.startsWith('price.')) return view.prices[modelOf(key)] ?? null;
  if (key === 'budget.global') return view.budgets.global_monthly_usd;
  if (key === 'timeout_ms' || key === 'max_retries' || key === 'max_tokens') return view[key];
  throw unknownKey(key);
}

/** The value of one telegram key (`telegram` alone: all of them). The token shows only as set, its source and last four characters. */
export function readTelegramKey(view: TelegramConfigView, key: string): unknown {
  const token = view.token_set ? `set (${view.token_source ?? '?'}, ${view.token_hint ?? '…'})` : 'not set';
  const allowed = [...view.allowed_users, ...view.env_allowed_users.filter((id) => !view.allowed_users.includes(id))];
  if (key === 'telegram.bot_token') return token;
  if (key === 'telegram.allowed_users') return allowed.length ? allowed.join(',') : 'anyone who links';
  if (key === 'telegram.bot') return describeBot(view.bot);
  if (key === 'telegram') return { bot_token: token, allowed_users: allowed.length ? allowed.join(',') : 'anyone who links', bot: describeBot(view.bot), ...(view.problem ? { problem: view.problem } : {}) };
  throw unknownKey(key);
}
