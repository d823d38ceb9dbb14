/**
 * The LLM configuration: what is stored (llm_settings row 'config', keys
 * sealed in provider_keys) merged with the environment the daemon started
 * with. A stored key wins over ANTHROPIC_API_KEY / OPENAI_API_KEY; a stored
 * base_url wins over ANTHROPIC_BASE_URL / OPENAI_BASE_URL. Keys leave this
 * module only inside `ResolvedProvider.apiKey`, for the provider clients;
 * the view shows whether a key is set, where from, and its last four
 * characters.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import {
  AGENT_NAMES,
  LlmConfigUpdate,
  ModelPrice,
  PROVIDER_NAMES,
  ProviderName,
  ZeblitError,
  type LlmConfigView,
  type ProviderView,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { llm_settings, provider_keys } from './llm.sql.ts';
import { priceTable } from './pricing.ts';
import { keyHint, SealedSecretError, type SecretBox } from './secrets.ts';

export const DEFAULT_MODELS: Record<ProviderName, string | null> = { anthropic: 'claude-sonnet-4-6', openai: 'gpt-4.1', compatible: null };
export const VENDOR_BASE_URLS: Record<ProviderName, string | null> = { anthropic: 'https://api.anthropic.com', openai: 'https://api.openai.com/v1', compatible: null };
const ENV_KEYS: Record<ProviderName, string | null> = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY', compatible: null };
const ENV_BASE_URLS: Record<ProviderName, string | null> = { anthropic: 'ANTHROPIC_BASE_URL', openai: 'OPENAI_BASE_URL', compatible: null };

const StoredProvider = z.object({
  enabled: z.boolean().default(true),
  base_url: z.string().nullable().default(null),
  model: z.string().nullable().default(null),
});

/** The JSON of the 'config' row. Defaults fill whatever an older row lacks. */
const StoredSettings = z.object({
  providers: z
    .object({ anthropic: StoredProvider.default(StoredProvider.parse({})), openai: StoredProvider.default(StoredProvider.parse({})), compatible: StoredProvider.default(StoredProvider.parse({})) })
    .default({ anthropic: StoredProvider.parse({}), openai: StoredProvider.parse({}), compatible: StoredProvider.parse({}) }),
  order: z.array(ProviderName).default([...PROVIDER_NAMES]),
  agent_models: z.record(z.string(), z.string()).default({}),
  price_overrides: z.record(z.string(), ModelPrice).default({}),
  budgets: z.object({ global_monthly_usd: z.number().nullable().default(null) }).default({ global_monthly_usd: null }),
  timeout_ms: z.number().int().default(120_000),
  max_retries: z.number().int().default(2),
  max_tokens: z.number().int().default(8192),
});
type StoredSettings = z.infer<typeof StoredSettings>;

export type Env = Readonly<Record<string, string | undefined>>;

/** One provider as the service uses it. */
export interface ResolvedProvider extends ProviderView {
  /** The key to send; never shown. */
  apiKey: string | null;
  /** Why it cannot be called, when it cannot. */
  problem: string | null;
}

export interface ResolvedConfig extends Omit<StoredSettings, 'providers'> {
  providers: Record<ProviderName, ResolvedProvider>;
}

export interface ConfigOptions {
  db: Db;
  box: SecretBox;
  /** The environment the daemon started with (read once). */
  env?: Env;
  now?: () => number;
  /** Told when a stored key cannot be opened (the provider then counts as unconfigured). */
  onKeyError?: (provider: ProviderName, err: Error) => void;
}

const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : null);

export class LlmConfigStore {
  private readonly db: Db;
  private readonly box: SecretBox;
  private readonly env: Env;
  private readonly now: () => number;
  private readonly onKeyError: (provider: ProviderName, err: Error) => void;
  private cached: ResolvedConfig | null = null;
  /** Bumped by every update: the service rebuilds its provider clients when it changes. */
  generation = 0;

  constructor(opts: ConfigOptions) {
    this.db = opts.db;
    this.box = opts.box;
    this.env = { ...(opts.env ?? process.env) };
    this.now = opts.now ?? Date.now;
    this.onKeyError = opts.onKeyError ?? (() => {});
  }

  /** Everything the service needs, keys included. Cached until the next update. */
  resolved(): ResolvedConfig {
    this.cached ??= this.resolve();
    return this.cached;
  }

  view(): LlmConfigView {
    const c = this.resolved();
    return {
      providers: PROVIDER_NAMES.map((n) => {
        const { apiKey: _key, problem: _problem, ...view } = c.providers[n];
        return view;
      }),
      order: c.order,
      agent_models: c.agent_models,
      prices: priceTable(c.price_overrides),
      price_overrides: c.price_overrides,
      budgets: c.budgets,
      timeout_ms: c.timeout_ms,
      max_retries: c.max_retries,
      max_tokens: c.max_tokens,
    };
  }

  update(input: LlmConfigUpdate): LlmConfigView {
    const patch = LlmConfigUpdate.parse(input);
    const unknown = Object.keys(patch.agent_models ?? {}).filter((a) => !(AGENT_NAMES as readonly string[]).includes(a));
    if (unknown.length > 0)
      throw new ZeblitError('VALIDATION_FAILED', `Unknown agent${unknown.length > 1 ? 's' : ''} in agent_models: ${unknown.join(', ')}`, {
        details: unknown.map((a) => ({ field: `body.agent_models.${a}`, message: `unknown agent; valid agents: ${AGENT_NAMES.join(', ')}`, code: 'unknown_agent' })),
        suggestion: `Use one of: ${AGENT_NAMES.join(', ')}.`,
      });
    const next = this.stored();
    for (const name of PROVIDER_NAMES) {
      const p = patch.providers?.[name];
      if (!p) continue;
      const cur = next.providers[name];
      if (p.enabled !== undefined) cur.enabled = p.enabled;
      if (p.base_url !== undefined) cur.base_url = p.base_url === null ? null : p.base_url.replace(/\/+$/, '');
      if (p.model !== undefined) cur.model = p.model;
    }
    if (patch.order) next.order = patch.order;
    for (const [agent, model] of Object.entries(patch.agent_models ?? {})) {
      if (model === null) delete next.agent_models[agent];
      else next.agent_models[agent] = model;
    }
    for (const [model, price] of Object.entries(patch.price_overrides ?? {})) {
      if (price === null) delete next.price_overrides[model];
      else next.price_overrides[model] = price;
    }
    if (patch.budgets) next.budgets = { global_monthly_usd: patch.budgets.global_monthly_usd };
    if (patch.timeout_ms !== undefined) next.timeout_ms = patch.timeout_ms;
    if (patch.max_retries !== undefined) next.max_retries = patch.max_retries;
    if (patch.max_tokens !== undefined) next.max_tokens = patch.max_tokens;

    const now = this.now();
    this.db.transaction((tx) => {
      tx.insert(llm_settings)
        .values({ key: 'config', value: next, updated_at: now })
        .onConflictDoUpdate({ target: llm_settings.key, set: { value: next, updated_at: now } })
        .run();
      for (const name of PROVIDER_NAMES) {
        const key = patch.providers?.[name]?.api_key;
        if (key === undefined) continue;
        if (key === null) {
          tx.delete(provider_keys).where(eq(provider_keys.provider, name)).run();
          continue;
        }
        const row = { sealed: this.box.seal(key.trim(), name), hint: keyHint(key.trim()), updated_at: now };
        tx.insert(provider_keys)
          .values({ provider: name, ...row })
          .onConflictDoUpdate({ target: provider_keys.provider, set: row })
          .run();
      }
    });
    this.cached = null;
    this.generation++;
    return this.view();
  }

  private stored(): StoredSettings {
    const row = this.db.select().from(llm_settings).where(eq(llm_settings.key, 'config')).get();
    const parsed = StoredSettings.safeParse(row?.value ?? {});
    // A row written by a newer daemon or damaged by hand: start from the defaults rather than refuse to run.
    return parsed.success ? parsed.data : StoredSettings.parse({});
  }

  private resolve(): ResolvedConfig {
    const s = this.stored();
    const keys = new Map(this.db.select().from(provider_keys).all().map((r) => [r.provider, r]));
    const providers = {} as Record<ProviderName, ResolvedProvider>;
    for (const name of PROVIDER_NAMES) {
      const p = s.providers[name];
      const envBase = ENV_BASE_URLS[name] ? nonEmpty(this.env[ENV_BASE_URLS[name]]) : null;
      const effectiveBase = p.base_url ?? envBase ?? VENDOR_BASE_URLS[name];
      let apiKey: string | null = null;
      let source: 'config' | 'env' | null = null;
      let hint: string | null = null;
      let keyProblem: string | null = null;
      const row = keys.get(name);
      if (row) {
        try {
          apiKey = this.box.open(row.sealed, name);
          source = 'config';
          hint = row.hint;
        } catch (err) {
          if (!(err instanceof SealedSecretError)) throw err;
          keyProblem = `the stored key cannot be opened: ${err.message}; set it again`;
          this.onKeyError(name, err);
        }
      }
      const envKey = ENV_KEYS[name] ? nonEmpty(this.env[ENV_KEYS[name]]) : null;
      if (apiKey === null && envKey !== null) {
        apiKey = envKey;
        source = 'env';
        hint = keyHint(envKey);
      }
      const model = p.model ?? DEFAULT_MODELS[name];
      let problem: string | null = null;
      if (!p.enabled) problem = 'disabled';
      else if (name === 'compatible' && effectiveBase === null) problem = 'no base_url (e.g. http://127.0.0.1:11434/v1 for Ollama)';
      else if (name === 'compatible' && model === null) problem = 'no model';
      else if (name !== 'compatible' && apiKey === null) problem = keyProblem ?? `no API key (set ${ENV_KEYS[name]} or ${name}.api_key)`;
      providers[name] = {
        name,
        enabled: p.enabled,
        base_url: p.base_url,
        effective_base_url: effectiveBase,
        model,
        key_set: apiKey !== null,
        key_source: source,
        key_hint: hint,
        usable: problem === null,
        apiKey,
        problem,
      };
    }
    return { ...s, providers };
  }
}
