/**
 * What LlmService is built with and what it answers besides completions:
 * its options, the embeddings request and response, and the cancellation
 * error every caller tells apart from a failure.
 */
import { ZeblitError, type ProviderName, type TokenUsage } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { Backoff } from './backoff.ts';
import type { ProjectLookup } from './budget.ts';
import type { Env } from './config.ts';
import type { ModelCatalogOptions } from './models.ts';
import { ProviderFailure, type CallMeta, type EmbedResult, type Provider } from './types.ts';

export type ProviderFactory = (name: ProviderName, opts: { apiKey: string; baseURL: string; timeoutMs: number }) => Provider;

export interface LlmLog {
  warn(obj: object, msg: string): void;
}

export interface LlmServiceOptions {
  db: Db;
  /** The server secret (secret.key); keys are sealed under a key derived from it (HKDF, 'secrets-aes'). */
  secret: Buffer;
  /** Builds one vendor's client; default: the adapters in ./providers (the official SDKs). */
  createProvider?: ProviderFactory;
  /** The environment read once for keys and base URLs; default process.env. */
  env?: Env;
  projects?: ProjectLookup;
  now?: () => number;
  log?: LlmLog;
  backoff?: Partial<Backoff>;
  random?: () => number;
  /** How the providers' model lists are cached (tests shorten it). */
  models?: ModelCatalogOptions;
}

export interface EmbedRequest {
  provider: ProviderName;
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
  meta: CallMeta;
  signal?: AbortSignal;
}

export interface EmbedResponse extends Omit<EmbedResult, 'input_tokens'> {
  provider: ProviderName;
  usage: TokenUsage;
  cost_usd: number;
  call_id: string;
}

/** Thrown when the caller's AbortSignal ended the call. */
export class LlmCancelledError extends ZeblitError {
  constructor(message = 'The model call was cancelled') {
    super('UNAVAILABLE', message, { suggestion: 'The request was cancelled; send it again to retry.' });
    this.name = 'LlmCancelledError';
  }
}

export function isCancelled(err: unknown): boolean {
  return err instanceof LlmCancelledError || (err instanceof ProviderFailure && err.cancelled) || (err instanceof Error && err.name === 'AbortError');
}
