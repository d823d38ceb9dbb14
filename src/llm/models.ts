/**
 * The models each usable provider offers: the vendor's own list where its
 * API has one, kept for a minute (an editor asks for it on every start, and
 * a local server's list changes only when someone pulls a model), else what
 * the configuration names (the provider's default model and the per-agent
 * models that belong to it). A list that cannot be fetched is never an
 * error: the configured models stand in, and the failure is remembered
 * briefly so a server that is down is not asked on every request.
 */
import type { ProviderName } from '../contracts/index.ts';
import type { ResolvedConfig, ResolvedProvider } from './config.ts';
import type { Provider } from './types.ts';
import { modelFits } from './vendor.ts';

export interface ModelEntry {
  provider: ProviderName;
  /** The vendor's name for the model (no provider prefix). */
  id: string;
  /** Where the entry comes from: the vendor's list, or the configuration. */
  source: 'provider' | 'config';
}

export interface ModelCatalogOptions {
  now?: () => number;
  /** How long a fetched list is kept (default 60 s). */
  ttlMs?: number;
  /** How long a failed fetch is remembered before the vendor is asked again (default 10 s). */
  failureTtlMs?: number;
  /** Longest wait for a vendor's list (default 5 s): /v1/models must answer even when a server hangs. */
  timeoutMs?: number;
}

interface Cached {
  at: number;
  generation: number;
  ids: string[] | null;
}

export class ModelCatalog {
  private readonly cache = new Map<ProviderName, Cached>();
  private readonly inflight = new Map<ProviderName, Promise<string[] | null>>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly failureTtlMs: number;
  private readonly timeoutMs: number;

  constructor(opts: ModelCatalogOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.failureTtlMs = opts.failureTtlMs ?? 10_000;
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** Every usable provider's models, in the configured order, each id once per provider. */
  async list(cfg: ResolvedConfig, generation: number, client: (p: ResolvedProvider) => Provider): Promise<ModelEntry[]> {
    const usable = cfg.order.map((n) => cfg.providers[n]).filter((p) => p.usable);
    const lists = await Promise.all(usable.map((p) => this.idsOf(p, generation, client)));
    return usable.flatMap((p, i) => {
      const fetched = lists[i];
      if (fetched && fetched.length > 0) return [...new Set(fetched)].map((id): ModelEntry => ({ provider: p.name, id, source: 'provider' }));
      return configuredModels(cfg, p.name).map((id): ModelEntry => ({ provider: p.name, id, source: 'config' }));
    });
  }

  private async idsOf(p: ResolvedProvider, generation: number, client: (p: ResolvedProvider) => Provider): Promise<string[] | null> {
    const hit = this.cache.get(p.name);
    const now = this.now();
    if (hit && hit.generation === generation && now - hit.at < (hit.ids ? this.ttlMs : this.failureTtlMs)) return hit.ids;
    const running = this.inflight.get(p.name);
    if (running) return running;
    const provider = client(p);
    if (!provider.listModels) return null;
    const list = provider.listModels.bind(provider);
    const fetch = list(AbortSignal.timeout(this.timeoutMs))
      .then((ids) => ids, () => null)
      .then((ids) => {
        this.cache.set(p.name, { at: this.now(), generation, ids });
        return ids;
      })
      .finally(() => this.inflight.delete(p.name));
    this.inflight.set(p.name, fetch);
    return fetch;
  }
}

/** The models the configuration names for a provider: its default, then the per-agent models that belong to it. */
export function configuredModels(cfg: ResolvedConfig, provider: ProviderName): string[] {
  const p = cfg.providers[provider];
  const out = p.model ? [p.model] : [];
  for (const m of Object.values(cfg.agent_models)) if (modelFits(m, provider) && !out.includes(m)) out.push(m);
  return out;
}
