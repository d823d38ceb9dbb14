/**
 * POST /v1/chat/completions with an upstream model (`anthropic/…`,
 * `openai/…`, `compatible/…` or a bare name a provider serves): the request
 * is translated for the provider by the llm domain, sent through LlmService
 * (budgets first, retries, fallback, a record per call with the caller's key
 * and client type), and the answer translated back.
 *
 * Streaming opens the SSE response only when the first piece of the answer
 * arrives: a refusal or a provider failure before that is an ordinary HTTP
 * error with its status (so SDKs raise the right class). After that a
 * failure is an error chunk, and nothing is retried or handed to another
 * provider (the client already has part of the answer). A client that hangs
 * up cancels the call.
 */
import type { Context } from 'hono';
import { ZeblitError, type ChatCompletionRequest, type Project } from '../../contracts/index.ts';
import { openaiCompat, type CallMeta, type LlmResponse } from '../../llm/index.ts';
import type { AppDeps } from '../deps.ts';
import { toZeblitError } from '../envelope.ts';
import type { AppEnv } from '../env.ts';
import { principalOf } from '../route.ts';
import { toOpenAIError } from './errors.ts';
import { dataStream } from './sse.ts';

/** The caller, for the call records: its key and client type (none for the socket owner). */
export function callerMeta(c: Context<AppEnv>, project: Project | null, agent: string | null = null): CallMeta {
  const p = principalOf(c);
  return { project_id: project?.id ?? null, agent, conversation_id: null, key_id: p.keyId, client_type: p.clientType };
}

/** Aborted when the client goes away (the request's own signal, and the stream's cancel). */
export function hangUp(c: Context<AppEnv>): AbortController {
  const controller = new AbortController();
  const signal = c.req.raw.signal;
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

export async function upstreamChat(
  c: Context<AppEnv>,
  deps: AppDeps,
  body: ChatCompletionRequest,
  target: { provider: 'anthropic' | 'openai' | 'compatible'; model: string },
  project: Project | null,
): Promise<Response> {
  const t = openaiCompat.translateChat(body);
  // "project:<ref>" routes the call to a project (budget, usage); it is Zeblit's, not the vendor's.
  if (t.options.user?.startsWith('project:')) delete t.options.user;
  const id = `chatcmpl-${c.get('requestId')}`;
  const created = Math.floor(Date.now() / 1000);
  const requested = `${target.provider}/${target.model}`;
  const hang = hangUp(c);
  const call = { ...t, provider: target.provider, model: target.model, meta: callerMeta(c, project), signal: hang.signal };

  if (!body.stream) {
    const res = await deps.llm.complete(call);
    return c.json(openaiCompat.toChatCompletion(res, id, `${res.provider}/${res.model}`, created));
  }

  const chunks = new openaiCompat.ChunkBuilder(id, requested, created, body.stream_options?.include_usage === true);
  const stream = dataStream({ onCancel: () => hang.abort() });
  let opened!: () => void;
  const firstPiece = new Promise<void>((resolve) => (opened = resolve));
  const answer = deps.llm.complete({
    ...call,
    finalAfterOutput: true,
    onEvent: (e) => {
      for (const chunk of chunks.event(e)) stream.send(chunk);
      opened();
    },
  });
  let open = false;
  // Before the first piece a failure is the response itself; the race settles with whichever comes first.
  await Promise.race([firstPiece, answer]);
  open = true;
  answer.then(
    (res: LlmResponse) => {
      const hasTools = res.content.some((b) => b.type === 'tool_use');
      for (const chunk of chunks.finish(openaiCompat.finishReason(res.stop_reason, hasTools), res.usage)) stream.send(chunk);
      stream.done();
    },
    (err: unknown) => {
      if (!open) return;
      const { error, internal } = toZeblitError(err);
      if (internal) deps.logger.error({ err, request_id: c.get('requestId') }, 'streamed completion failed');
      stream.fail(toOpenAIError(error).body);
    },
  );
  return stream.response;
}

/** A Zeblit error for a field the upstream models do not take from this endpoint. */
export function unsupported(param: string, message: string): ZeblitError {
  return openaiCompat.invalidField(param, message, 'unsupported_value');
}
