/**
 * POST /v1/embeddings where a provider has embeddings: `openai/<model>`,
 * `compatible/<model>`, or a bare name (text-embedding-… goes to openai,
 * another name to the compatible server). Anthropic has none: 404 saying so.
 * Vectors come back as floats, or as base64 of little-endian float32 when
 * asked (what the official SDKs ask for by default, then decode).
 */
import type { Context } from 'hono';
import { EmbeddingRequest, ZeblitError, type EmbeddingResponse, type ProviderName } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { namedProject } from './agent-chat.ts';
import { callerMeta, hangUp } from './chat.ts';
import { agentOf } from './models.ts';
import { readBody } from './request.ts';

const EMBEDDING_PROVIDERS: ProviderName[] = ['openai', 'compatible'];

function noEmbeddings(model: string, why: string): ZeblitError {
  return new ZeblitError('NOT_FOUND', `The model \`${model}\` has no embeddings here: ${why}`, {
    details: { code: 'model_not_found' },
    suggestion: 'Embeddings come from the openai provider (e.g. openai/text-embedding-3-small) or a compatible server with an embedding model (compatible/<model>).',
  });
}

export async function embeddings(c: Context<AppEnv>, deps: AppDeps): Promise<Response> {
  const body = await readBody(c, EmbeddingRequest);
  if (agentOf(body.model) !== undefined) throw noEmbeddings(body.model, 'the zeblit agents do not make embeddings');
  const cfg = deps.llm.config.resolved();
  const slash = body.model.indexOf('/');
  const prefix = slash > 0 ? body.model.slice(0, slash) : null;
  let provider: ProviderName;
  let model: string;
  if (prefix === 'anthropic') throw noEmbeddings(body.model, 'Anthropic has no embeddings API');
  if (prefix === 'openai' || prefix === 'compatible') {
    provider = prefix;
    model = body.model.slice(slash + 1);
  } else {
    model = body.model;
    provider = /^text-embedding-/.test(model) ? 'openai' : 'compatible';
  }
  if (!EMBEDDING_PROVIDERS.some((p) => cfg.providers[p].usable)) {
    // The envelope's 503 for "nothing configured at all" would send clients to wait; say what is missing instead.
    deps.llm.assertConfigured();
    throw noEmbeddings(body.model, 'neither the openai provider nor a compatible server is configured (Anthropic, the one configured, has no embeddings)');
  }
  if (!cfg.providers[provider].usable) throw noEmbeddings(body.model, `the ${provider} provider is not configured (${cfg.providers[provider].problem ?? 'not usable'})`);

  const input = typeof body.input === 'string' ? [body.input] : body.input;
  const project = namedProject(c, deps, body.user, false);
  const user = body.user?.startsWith('project:') ? undefined : (body.user ?? undefined);
  const res = await deps.llm.embed({ provider, model, input, dimensions: body.dimensions ?? undefined, user, meta: callerMeta(c, project), signal: hangUp(c).signal });
  const base64 = body.encoding_format === 'base64';
  const out: EmbeddingResponse = {
    object: 'list',
    data: res.embeddings.map((v, index) => ({ object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v })),
    model: `${provider}/${res.model}`,
    usage: { prompt_tokens: res.usage.input_tokens, total_tokens: res.usage.input_tokens },
  };
  return c.json(out);
}
