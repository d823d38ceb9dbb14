/**
 * The OpenAI-compatible API under /v1, for editors and tools that speak
 * OpenAI (the official SDKs, Continue, aider, Open WebUI, Zed). It is mounted
 * on the same app as /api/v1, behind the same middleware (transport guard,
 * authentication, rate limits, audit, request ids); its errors, those of the
 * middleware included, answer in OpenAI's shape (see errors.ts).
 *
 *   GET  /v1/models, /v1/models/{id}   upstream models and the agents
 *   POST /v1/chat/completions          upstream (chat.ts) or zeblit/<agent> (agent-chat.ts)
 *   POST /v1/embeddings                openai and compatible providers
 */
import { Hono } from 'hono';
import { ChatCompletionRequest, type OpenAIModelList } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { requireAccess } from '../route.ts';
import { agentChat, namedProject } from './agent-chat.ts';
import { upstreamChat } from './chat.ts';
import { embeddings } from './embeddings.ts';
import { agentOf, listModels, modelNotFound } from './models.ts';
import { readBody } from './request.ts';

export { OPENAI_BASE, isOpenAIPath, openaiFail, toOpenAIError } from './errors.ts';

export function openaiRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/models', requireAccess('read'), async (c) => {
    const list: OpenAIModelList = { object: 'list', data: await listModels(deps) };
    return c.json(list);
  });

  // Ids hold a slash (anthropic/claude-…), sent as is or encoded (%2F) by the SDKs.
  app.get('/models/:id{.+}', requireAccess('read'), async (c) => {
    const raw = c.req.param('id');
    // Hono has decoded what it could; a stray or broken escape is left for the lookup to miss (404), never a 500.
    let id = raw;
    try {
      id = decodeURIComponent(raw);
    } catch {
      id = raw;
    }
    const model = (await listModels(deps)).find((m) => m.id === id);
    if (!model) throw await modelNotFound(deps, id, 'it is not in GET /v1/models');
    return c.json(model);
  });

  app.post('/chat/completions', requireAccess('write'), async (c) => {
    const body = await readBody(c, ChatCompletionRequest);
    const agent = agentOf(body.model);
    if (agent === null) throw await modelNotFound(deps, body.model, 'there is no such agent');
    if (agent) return agentChat(c, deps, body, agent, body.model);
    // No provider at all: 503 before anything else (the model cannot be resolved against nothing).
    deps.llm.assertConfigured();
    const target = await deps.llm.resolveModel(body.model);
    if ('missing' in target) throw await modelNotFound(deps, body.model, target.missing);
    return upstreamChat(c, deps, body, target, namedProject(c, deps, body.user, false));
  });

  app.post('/embeddings', requireAccess('write'), (c) => embeddings(c, deps));

  return app;
}
