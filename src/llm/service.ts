/**
 * The one way agents reach a model. For each call: refuse it when a budget
 * is spent (before any provider is asked), then try the usable providers in
 * the configured order; each gets up to max_retries retries with exponential
 * backoff and jitter on a retryable failure (honouring retry-after, capped),
 * then the next provider takes over. Every attempt is recorded in llm_calls,
 * the successful one with its tokens and cost. Provider clients are built
 * lazily and rebuilt when the configuration changes.
 */
import { PROVIDER_NAMES, ZeblitError, type LlmConfigUpdate, type LlmConfigView, type ProviderCheckReport, type ProviderName, type TokenUsage, type UsageReport } from '../contracts/index.ts';
import { deriveKey } from '../auth/index.ts';
import { Budgets, type ProjectLookup } from './budget.ts';
import { CallLog, monthStart, type UsageGroup } from './calls.ts';
import { LlmConfigStore, type ResolvedConfig, type ResolvedProvider } from './config.ts';
import { costOf, priceFor } from './pricing.ts';
import { createProvider } from './providers/index.ts';
import { SecretBox } from './secrets.ts';
import { retryDelay, sleepUnlessAborted, type Backoff } from './backoff.ts';
import { modelFits, vendorOf } from './vendor.ts';
import { configuredModels, ModelCatalog, type ModelEntry } from './models.ts';

export { modelFits, vendorOf } from './vendor.ts';
import { ProviderFailure, type LlmClient, type LlmRequest, type LlmResponse, type Provider, type ProviderFailureNote, type StreamEvent } from './types.ts';

export type { Backoff } from './backoff.ts';
export { isCancelled, LlmCancelledError, type EmbedRequest, type EmbedResponse, type LlmLog, type LlmServiceOptions, type ProviderFactory } from './service-types.ts';
import { isCancelled, LlmCancelledError, type EmbedRequest, type EmbedResponse, type LlmLog, type LlmServiceOptions, type ProviderFactory } from './service-types.ts';

const NOT_CONFIGURED_SUGGESTION =
  'Set ANTHROPIC_API_KEY (or OPENAI_API_KEY), or run `zeblit config set anthropic.api_key -`; for a local server: `zeblit config set compatible.base_url http://127.0.0.1:11434/v1` and `zeblit config set compatible.model llama3.1`';

const ZERO = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

export class LlmService implements LlmClient {
  readonly config: LlmConfigStore;
  readonly calls: CallLog;
  readonly budgets: Budgets;
  private readonly createProvider: ProviderFactory;
  private readonly projects: ProjectLookup | null;
  private readonly log: LlmLog | null;
  private readonly backoff: Backoff;
  private readonly random: () => number;
  private readonly now: () => number;
  private clients = new Map<ProviderName, Provider>();
  private clientsGeneration = -1;
  private readonly unpriced = new Set<string>();
  private readonly catalog: ModelCatalog;

  constructor(opts: LlmServiceOptions) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? null;
    this.config = new LlmConfigStore({
      db: opts.db,
      box: new SecretBox(deriveKey(opts.secret, 'secrets-aes')),
      env: opts.env,
      now: this.now,
      onKeyError: (provider, err) => this.log?.warn({ provider, reason: err.message }, `the stored ${provider} key cannot be opened; the provider counts as unconfigured until it is set again`),
    });
    this.calls = new CallLog(opts.db, this.now);
    this.projects = opts.projects ?? null;
    this.budgets = new Budgets(this.calls, () => this.config.resolved().budgets.global_monthly_usd, this.projects, this.now);
    this.createProvider = opts.createProvider ?? createProvider;
    this.backoff = { baseMs: 500, capMs: 8_000, retryAfterCapMs: 30_000, ...opts.backoff };
    this.random = opts.random ?? Math.random;
    this.catalog = new ModelCatalog({ now: this.now, ...opts.models });
  }

  view(): LlmConfigView {
    return this.config.view();
  }

  update(patch: LlmConfigUpdate): LlmConfigView {
    return this.config.update(patch);
  }

  /** Calls and cost per agent today (UTC), for GET /agents/status; `projectIds`: only those projects' calls (an empty list matches nothing). */
  todayByAgent(now: number = this.now(), projectIds?: readonly string[]): Record<string, { calls: number; cost_usd: number }> {
    return this.calls.todayByAgent(now, projectIds);
  }

  /**
   * Usage between since (default: the start of this UTC month) and until
   * (default: now, inclusive). `project_id` filters to one project and adds
   * its budget; `project_ids` restricts to a set (a non-admin's own projects).
   */
  usage(q: { group_by?: UsageGroup; project_id?: string | null; project_ids?: string[]; since?: number; until?: number }): UsageReport {
    const now = this.now();
    const group_by = q.group_by ?? 'day';
    const since = q.since ?? monthStart(now);
    const until = q.until ?? now;
    const ids = q.project_id ? [q.project_id] : q.project_ids;
    const { totals, groups } = this.calls.usage({ group_by, since, until: until + 1, project_ids: ids });
    return {
      group_by,
      since,
      until,
      totals,
      groups: groups.map((g) => ({ ...g, label: group_by === 'project' && g.key ? (this.projects?.findById(g.key)?.name ?? null) : null })),
      budgets: this.budgets.states(q.project_id ?? null),
    };
  }

  /**
   * Whether a call for `meta` would be refused before any provider is asked
   * (no provider, a budget spent): throws that refusal, records nothing. For
   * callers that want to refuse early (a chat before it opens its stream).
   */
  check(meta: LlmRequest['meta']): void {
    this.chainOrThrow();
    this.budgets.check({ meta });
  }

  /** Throws LLM_NOT_CONFIGURED when no provider is usable (nothing else is checked, nothing recorded). */
  assertConfigured(): void {
    this.chainOrThrow();
  }

  /**
   * Asks every enabled provider for a one-token answer to "ping", once, no
   * retries, no fallback: whether its key, base URL and model work. Each call
   * is recorded (agent "doctor") and costs what a few tokens cost; budgets
   * are not checked, so that a spent budget does not hide a broken key.
   */
  async checkProviders(timeoutMs = 15_000): Promise<ProviderCheckReport> {
    const cfg = this.config.resolved();
    const meta = { project_id: null, agent: 'doctor', conversation_id: null };
    const providers = await Promise.all(
      cfg.order.map(async (name) => {
        const p = cfg.providers[name];
        const base = { provider: name, model: p.model, latency_ms: null, cost_usd: 0, error: null };
        if (!p.enabled) return { ...base, ok: false, skipped: 'disabled' };
        if (!p.usable) return { ...base, ok: false, skipped: p.problem ?? 'not configured' };
        if (!p.model) return { ...base, ok: false, skipped: 'no model configured' };
        const started = performance.now();
        try {
          const result = await this.client(p, cfg).call({
            model: p.model,
            system: 'Answer with one word.',
            messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }],
            tools: [],
            max_tokens: 1,
            signal: AbortSignal.timeout(Math.min(timeoutMs, cfg.timeout_ms)),
          });
          const latency_ms = Math.round(performance.now() - started);
          const cost_usd = costOf(result.usage, priceFor(result.model, cfg.price_overrides).price);
          this.calls.record({ provider: name, model: result.model, meta, usage: result.usage, cost_usd, latency_ms, outcome: 'ok' });
          return { ...base, model: result.model, ok: true, latency_ms, cost_usd, skipped: null };
        } catch (err) {
          const latency_ms = Math.round(performance.now() - started);
          const failure = err instanceof ProviderFailure ? err : null;
          const message = failure?.status && !failure.message.includes(String(failure.status)) ? `${failure.message} (HTTP ${failure.status})` : err instanceof Error ? err.message : String(err);
          this.calls.record({ provider: name, model: p.model, meta, usage: ZERO, latency_ms, outcome: 'error', error: message });
          return { ...base, ok: false, latency_ms, error: message, skipped: null };
        }
      }),
    );
    return { providers };
  }

  private chainOrThrow() {
    const cfg = this.config.resolved();
    const chain = cfg.order.map((n) => cfg.providers[n]).filter((p) => p.usable);
    const first = chain[0];
    if (!first) {
      const why = cfg.order.map((n) => `${n}: ${cfg.providers[n].problem ?? 'not usable'}`).join('; ');
      throw new ZeblitError('LLM_NOT_CONFIGURED', 'No LLM provider is configured', { details: { providers: why }, suggestion: NOT_CONFIGURED_SUGGESTION });
    }
    return { cfg, chain, first };
  }

  async complete(req: LlmRequest): Promise<LlmResponse> {
    const { cfg, chain: configured } = this.chainOrThrow();
    const chain = this.pinned(req, configured, cfg);
    const first = chain[0]!;
    if (req.signal?.aborted) throw new LlmCancelledError();
    try {
      this.budgets.check(req);
    } catch (err) {
      this.calls.record({ provider: first.name, model: this.modelFor(req, first, cfg) ?? 'unknown', meta: req.meta, outcome: 'refused', error: (err as Error).message });
      throw err;
    }

    const failures: ProviderFailureNote[] = [];
    let previous: ProviderName | null = null;
    for (const p of chain) {
      const model = this.modelFor(req, p, cfg);
      if (model === null) {
        failures.push({ provider: p.name, error: 'no model configured', status: null });
        continue;
      }
      const outcome = await this.tryProvider(req, p, model, cfg, previous);
      if ('response' in outcome) return { ...outcome.response, fallbacks: failures };
      failures.push({ provider: p.name, error: outcome.message, status: outcome.status });
      // Part of the answer already reached the caller, who cannot take it back: another provider's answer would not follow on.
      if (outcome.final) break;
      previous = p.name;
    }
    throw new ZeblitError('PROVIDER_ERROR', failures.map((f) => `${f.provider}: ${f.error}`).join(' ; '), {
      details: { failures },
      suggestion: 'Check the providers with `zeblit config get` (keys, base URLs, models) and the daemon log; an overloaded vendor may answer again in a minute.',
    });
  }

  /** With `req.provider`: that provider first (it must be usable), then the others in the configured order. */
  private pinned(req: Pick<LlmRequest, 'provider'>, chain: ResolvedProvider[], cfg: ResolvedConfig): ResolvedProvider[] {
    if (!req.provider) return chain;
    const p = cfg.providers[req.provider];
    if (!p.usable)
      throw new ZeblitError('LLM_NOT_CONFIGURED', `The ${p.name} provider is not usable: ${p.problem ?? 'not configured'}`, {
        details: { provider: p.name },
        suggestion: `Configure it (\`zeblit config get\` shows what it lacks), or ask for a model of a configured provider.`,
      });
    return [p, ...chain.filter((c) => c.name !== p.name)];
  }

  /** One provider with its retries: the response, or the last failure (final: output had reached the caller). Throws LlmCancelledError on abort. */
  private async tryProvider(
    req: LlmRequest,
    p: ResolvedProvider,
    model: string,
    cfg: ResolvedConfig,
    fallbackFrom: ProviderName | null,
  ): Promise<{ response: Omit<LlmResponse, 'fallbacks'> } | { message: string; status: number | null; final: boolean }> {
    const signal = req.signal ?? new AbortController().signal;
    const client = this.client(p, cfg);
    let message = 'no attempt';
    let status: number | null = null;
    for (let attempt = 1; attempt <= cfg.max_retries + 1; attempt++) {
      const started = performance.now();
      const base = { provider: p.name, model, meta: req.meta, fallback_from: fallbackFrom, attempt };
      let delivered = false;
      const onText = req.onText && ((d: string) => ((delivered = true), req.onText!(d)));
      const onEvent = req.onEvent && ((e: StreamEvent) => ((delivered = true), req.onEvent!(e)));
      try {
        const result = await client.call({ model, system: req.system, messages: req.messages, tools: req.tools, max_tokens: req.max_tokens ?? cfg.max_tokens, options: req.options, onText, onEvent, signal });
        const latency_ms = Math.round(performance.now() - started);
        const cost_usd = this.costFor(result.model, result.usage, cfg);
        const call = this.calls.record({ ...base, model: result.model, usage: result.usage, cost_usd, latency_ms, outcome: 'ok' });
        return { response: { provider: p.name, model: result.model, content: result.content, stop_reason: result.stop_reason, usage: result.usage, cost_usd, latency_ms, call_id: call.id } };
      } catch (err) {
        const latency_ms = Math.round(performance.now() - started);
        if (signal.aborted || isCancelled(err)) {
          this.calls.record({ ...base, usage: ZERO, latency_ms, outcome: 'cancelled', error: 'cancelled' });
          throw new LlmCancelledError();
        }
        const failure = err instanceof ProviderFailure ? err : new ProviderFailure(p.name, err instanceof Error ? err.message : String(err), { retryable: false, cause: err });
        message = failure.status && !failure.message.includes(String(failure.status)) ? `${failure.message} (HTTP ${failure.status})` : failure.message;
        status = failure.status;
        const final = req.finalAfterOutput === true && delivered;
        if (final) message = `${message} (after part of the answer was sent)`;
        this.calls.record({ ...base, latency_ms, outcome: 'error', error: message });
        this.log?.warn({ provider: p.name, model, attempt, status: failure.status, retryable: failure.retryable }, `LLM call failed: ${message}`);
        if (final) return { message, status, final };
        if (!failure.retryable || attempt > cfg.max_retries) break;
        await this.sleep(this.delay(attempt, failure), signal).catch(() => {
          this.calls.record({ ...base, attempt: attempt + 1, outcome: 'cancelled', error: 'cancelled while waiting to retry' });
          throw new LlmCancelledError();
        });
      }
    }
    return { message, status, final: false };
  }

  /** What these tokens of this model cost; a model without a price is logged once and costs 0. */
  private costFor(model: string, usage: TokenUsage, cfg: ResolvedConfig): number {
    const price = priceFor(model, cfg.price_overrides);
    if (!price.priced && !this.unpriced.has(model)) {
      this.unpriced.add(model);
      this.log?.warn({ model }, `no price known for model ${model}: its calls are recorded at $0; set one with \`zeblit config set price.${model} <in>,<out>\``);
    }
    return costOf(usage, price.price);
  }

  /** The model for this provider: the request's if it belongs there, else the agent's override if it does, else the provider's default. */
  private modelFor(req: LlmRequest, p: ResolvedProvider, cfg: ResolvedConfig): string | null {
    if (req.model && (req.provider === p.name || modelFits(req.model, p.name))) return req.model;
    const override = req.meta.agent ? cfg.agent_models[req.meta.agent] : undefined;
    if (override && modelFits(override, p.name)) return override;
    return p.model;
  }

  /** The models of every usable provider (the vendor's list, cached; else the configured ones). */
  models(): Promise<ModelEntry[]> {
    const cfg = this.config.resolved();
    return this.catalog.list(cfg, this.config.generation, (p) => this.client(p, cfg));
  }

  /**
   * A model as an OpenAI-style client names it → the provider and the
   * vendor's name for it. `anthropic/…`, `openai/…`, `compatible/…` name the
   * provider (which must be usable); a bare name goes to the usable provider
   * whose configured model it is, else to its vendor (claude-… → anthropic,
   * gpt-… → openai), else to a provider whose model list has it.
   * `{ missing }` says why nobody serves it.
   */
  async resolveModel(ref: string): Promise<{ provider: ProviderName; model: string } | { missing: string }> {
    const cfg = this.config.resolved();
    const slash = ref.indexOf('/');
    const prefix = slash > 0 ? ref.slice(0, slash) : '';
    if ((PROVIDER_NAMES as readonly string[]).includes(prefix)) {
      const p = cfg.providers[prefix as ProviderName];
      const model = ref.slice(slash + 1);
      if (model === '') return { missing: `"${ref}" names no model after the provider` };
      return p.usable ? { provider: p.name, model } : { missing: `the ${p.name} provider is not usable: ${p.problem ?? 'not configured'}` };
    }
    const usable = cfg.order.map((n) => cfg.providers[n]).filter((p) => p.usable);
    const configured = usable.find((p) => p.model === ref || configuredModels(cfg, p.name).includes(ref));
    if (configured) return { provider: configured.name, model: ref };
    const vendor = vendorOf(ref);
    if (vendor && cfg.providers[vendor].usable) return { provider: vendor, model: ref };
    const listed = (await this.models()).find((m) => m.id === ref);
    if (listed) return { provider: listed.provider, model: ref };
    return { missing: `no configured provider serves a model named "${ref}"` };
  }

  /**
   * Embeddings from one provider (OpenAI or a compatible server), with its
   * retries but no fallback: vectors of another model would not compare with
   * the caller's others. Budgets and the call record as for completions.
   */
  async embed(req: EmbedRequest): Promise<EmbedResponse> {
    const { cfg } = this.chainOrThrow();
    const p = cfg.providers[req.provider];
    if (!p.usable) throw new ZeblitError('NOT_FOUND', `The ${p.name} provider is not usable: ${p.problem ?? 'not configured'}`, { details: { reason: 'provider_not_configured' } });
    const client = this.client(p, cfg);
    if (!client.embed)
      throw new ZeblitError('NOT_FOUND', `The ${p.name} provider has no embeddings`, {
        details: { reason: 'no_embeddings' },
        suggestion: 'Embeddings come from the openai provider or a compatible server (e.g. Ollama with an embedding model): name one, e.g. openai/text-embedding-3-small.',
      });
    const embed = client.embed.bind(client);
    const base = { provider: p.name, model: req.model, meta: req.meta };
    try {
      this.budgets.check(req);
    } catch (err) {
      this.calls.record({ ...base, outcome: 'refused', error: (err as Error).message });
      throw err;
    }
    const signal = req.signal ?? new AbortController().signal;
    let message = 'no attempt';
    let status: number | null = null;
    for (let attempt = 1; attempt <= cfg.max_retries + 1; attempt++) {
      const started = performance.now();
      try {
        const res = await embed({ model: req.model, input: req.input, dimensions: req.dimensions, user: req.user, signal });
        const usage = { ...ZERO, input_tokens: res.input_tokens };
        const cost_usd = this.costFor(res.model, usage, cfg);
        const call = this.calls.record({ ...base, attempt, model: res.model, usage, cost_usd, latency_ms: performance.now() - started, outcome: 'ok' });
        return { provider: p.name, model: res.model, embeddings: res.embeddings, usage, cost_usd, call_id: call.id };
      } catch (err) {
        const latency_ms = performance.now() - started;
        if (signal.aborted || isCancelled(err)) {
          this.calls.record({ ...base, attempt, latency_ms, outcome: 'cancelled', error: 'cancelled' });
          throw new LlmCancelledError();
        }
        const failure = err instanceof ProviderFailure ? err : new ProviderFailure(p.name, err instanceof Error ? err.message : String(err), { retryable: false, cause: err });
        message = failure.message;
        status = failure.status;
        this.calls.record({ ...base, attempt, latency_ms, outcome: 'error', error: message });
        if (!failure.retryable || attempt > cfg.max_retries) break;
        await this.sleep(this.delay(attempt, failure), signal).catch(() => {
          throw new LlmCancelledError();
        });
      }
    }
    const failures: ProviderFailureNote[] = [{ provider: p.name, error: message, status }];
    throw new ZeblitError('PROVIDER_ERROR', `${p.name}: ${message}`, { details: { failures }, suggestion: 'Check the provider with `zeblit config get` and the daemon log.' });
  }

  private client(p: ResolvedProvider, cfg: ResolvedConfig): Provider {
    if (this.clientsGeneration !== this.config.generation) {
      this.clients = new Map();
      this.clientsGeneration = this.config.generation;
    }
    let client = this.clients.get(p.name);
    if (!client) {
      // A compatible server may need no key; the SDK still wants one, and a local server ignores it.
      client = this.createProvider(p.name, { apiKey: p.apiKey ?? 'no-key', baseURL: p.effective_base_url ?? '', timeoutMs: cfg.timeout_ms });
      this.clients.set(p.name, client);
    }
    return client;
  }

  private delay(attempt: number, failure: ProviderFailure): number {
    return retryDelay(this.backoff, attempt, failure, this.random);
  }

  private sleep(ms: number, signal: AbortSignal): Promise<void> {
    return sleepUnlessAborted(ms, signal);
  }
}
