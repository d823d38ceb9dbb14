/**
 * POST /v1/chat/completions with `zeblit/<agent>`: the agent runs a turn on a
 * project with its own tools (the project's files and container), through
 * AgentService like any chat, so the turn is on the project's event stream
 * and in `zeblit chat history`.
 *
 * - The project: the X-Zeblit-Project header, else `user: "project:<id or
 *   name>"`, else the key's default project; none is a 400 saying how.
 * - The request is the last message (a user message, text only). The
 *   messages before it (system and developer ones aside: the agents have
 *   their own prompts) are the client's transcript: when it matches one
 *   remembered after an earlier turn, that conversation continues; otherwise
 *   a new one starts.
 * - The client's own `tools` are ignored (the agents use theirs); a
 *   tool_choice that demands one of them, or a response_format, cannot be
 *   honoured and is a 400.
 * - The answer streams as produced: text, and each tool call summarised on
 *   a line (see transcript.ts). Usage is the sum of the turn's model calls.
 *   A client that hangs up cancels the turn (what it did is kept).
 */
import type { Context } from 'hono';
import { PROJECT_HEADER, ZeblitError, type AgentName, type ChatCompletionRequest, type ChatResponse, type Project, type TurnStatus } from '../../contracts/index.ts';
import type { TranscriptMessage } from '../../agents/index.ts';
import { openaiCompat } from '../../llm/index.ts';
import { assertActive } from '../../projects/index.ts';
import type { AppDeps } from '../deps.ts';
import { toZeblitError } from '../envelope.ts';
import type { AppEnv } from '../env.ts';
import { principalOf } from '../route.ts';
import { hangUp } from './chat.ts';
import { toOpenAIError } from './errors.ts';
import { dataStream } from './sse.ts';
import { TranscriptRenderer } from './transcript.ts';

const KEEP_ALIVE_MS = 15_000;

const STOPPED: Record<Exclude<TurnStatus, 'completed'>, string> = {
  cancelled: 'cancelled',
  failed: 'failed',
  step_limit: 'stopped: the step limit was reached',
  cost_limit: 'stopped: the turn reached its cost limit',
};

/**
 * The project a request names: the X-Zeblit-Project header, else `user:
 * "project:<ref>"`, else (only when `useKeyDefault`) the key's default.
 * null: none named. A named project that is not the caller's is 404.
 */
export function namedProject(c: Context<AppEnv>, deps: AppDeps, user: string | null | undefined, useKeyDefault: boolean): Project | null {
  const p = principalOf(c);
  const header = c.req.header(PROJECT_HEADER)?.trim();
  const fromUser = /^project:(.+)$/.exec(user?.trim() ?? '')?.[1]?.trim();
  const ref = header || fromUser || (useKeyDefault ? p.projectId : null);
  if (!ref) return null;
  try {
    return deps.projects.get(p.user.id, ref);
  } catch (err) {
    if (err instanceof ZeblitError && err.code === 'NOT_FOUND' && !header && !fromUser)
      throw new ZeblitError('NOT_FOUND', `The default project of this key (${ref}) no longer exists`, {
        suggestion: `Name a project with the ${PROJECT_HEADER} header or user: "project:<name>", or make a new key with \`zeblit openai --create-key --project <name>\`.`,
      });
    throw err;
  }
}

const textOf = (content: string | Array<{ type: string; text?: string }> | null | undefined, param: string): string => {
  if (typeof content === 'string' || content == null) return content ?? '';
  return content
    .map((p, j) => {
      if (p.type === 'text') return p.text ?? '';
      throw openaiCompat.invalidField(`${param}[${j}].type`, `the zeblit agents read text only (${p.type} parts are not supported)`, 'unsupported_value');
    })
    .join('');
};

/** The client's transcript before the new message, and the new message. */
function splitMessages(body: ChatCompletionRequest): { transcript: TranscriptMessage[]; message: string } {
  const convo = body.messages.map((m, i) => ({ m, i })).filter(({ m }) => m.role !== 'system' && m.role !== 'developer');
  const last = convo[convo.length - 1];
  if (!last || last.m.role !== 'user') throw openaiCompat.invalidField(`messages[${body.messages.length - 1}].role`, 'the last message must be the user\'s request to the agent');
  const message = textOf(last.m.content, `messages[${last.i}].content`).trim();
  if (message === '') throw openaiCompat.invalidField(`messages[${last.i}].content`, 'the request to the agent is empty');
  const transcript: TranscriptMessage[] = [];
  for (const { m, i } of convo.slice(0, -1)) {
    if (m.role === 'user') transcript.push({ role: 'user', content: textOf(m.content, `messages[${i}].content`) });
    else if (m.role === 'assistant') transcript.push({ role: 'assistant', content: textOf(m.content, `messages[${i}].content`) });
    // Tool messages belong to the client's own tools, which the agents never call: they are not part of an agent's transcript.
  }
  return { transcript, message };
}

function refuseFor(body: ChatCompletionRequest): void {
  openaiCompat.refuseUnsupported(body);
  const choice = body.tool_choice;
  if (choice === 'required' || (typeof choice === 'object' && choice !== null))
    throw openaiCompat.invalidField('tool_choice', 'the zeblit agents use their own tools (files, the project container); they cannot be made to call yours', 'unsupported_value');
  if (body.response_format && body.response_format.type !== 'text')
    throw openaiCompat.invalidField('response_format', 'the zeblit agents answer in prose; ask an upstream model (GET /v1/models) for JSON output', 'unsupported_value');
}

export async function agentChat(c: Context<AppEnv>, deps: AppDeps, body: ChatCompletionRequest, agent: AgentName, modelId: string): Promise<Response> {
  refuseFor(body);
  const project = namedProject(c, deps, body.user, true);
  if (!project)
    throw new ZeblitError('VALIDATION_FAILED', `${modelId} works on a project, and this request names none`, {
      details: [{ field: 'model', message: 'no project named', code: 'project_required' }],
      suggestion: `Name one with the X-Zeblit-Project header (id or name), or with user: "project:<id or name>" in the body, or use a key made with a default project: \`zeblit openai --create-key --project <name>\`.`,
    });
  c.set('resource', project.id);
  assertActive(project);
  const { transcript, message } = splitMessages(body);
  const p = principalOf(c);
  const ctx = { userId: p.user.id, project, caller: { keyId: p.keyId, clientType: p.clientType } };
  const conversation_id = deps.agents.findThread(project.id, agent, transcript) ?? undefined;
  const input = { message, agent, conversation_id, stream: false };
  // What would refuse the turn (busy conversation, no provider, a spent budget) is an ordinary error, before any stream opens.
  deps.agents.preflight(ctx, input);

  const id = `chatcmpl-${c.get('requestId')}`;
  const created = Math.floor(Date.now() / 1000);
  const render = new TranscriptRenderer(agent);
  const hang = hangUp(c);
  const finish = (res: ChatResponse): { text: string; reason: 'stop' | 'length' } => {
    const extra = res.status === 'completed' ? '' : render.close(res.status === 'failed' && res.error ? `${STOPPED.failed}: ${res.error.message}` : STOPPED[res.status]);
    deps.agents.rememberThread(project.id, agent, [...transcript, { role: 'user', content: message }, { role: 'assistant', content: render.value }], res.conversation_id);
    return { text: extra, reason: res.status === 'step_limit' || res.status === 'cost_limit' ? 'length' : 'stop' };
  };

  if (!body.stream) {
    const res = await deps.agents.chat(ctx, input, { onRecord: (r) => render.add(r), signal: hang.signal });
    const { reason } = finish(res);
    return c.json({
      id,
      object: 'chat.completion',
      created,
      model: modelId,
      choices: [{ index: 0, message: { role: 'assistant', content: render.value, refusal: null }, logprobs: null, finish_reason: reason }],
      usage: openaiCompat.completionUsage(res.usage),
      system_fingerprint: null,
    });
  }

  const chunks = new openaiCompat.ChunkBuilder(id, modelId, created, body.stream_options?.include_usage === true);
  const stream = dataStream({ onCancel: () => hang.abort() });
  const send = (text: string) => {
    if (text !== '') for (const chunk of chunks.text(text)) stream.send(chunk);
  };
  const turn = deps.agents.chat(ctx, input, { onRecord: (r) => send(render.add(r)), signal: hang.signal });
  // A turn can be quiet for minutes (a long command, an approval waiting): say it is alive.
  const alive = setInterval(() => stream.keepAlive(), KEEP_ALIVE_MS);
  alive.unref();
  turn.then(
    (res) => {
      clearInterval(alive);
      const { text, reason } = finish(res);
      send(text);
      for (const chunk of chunks.finish(reason, { ...res.usage })) stream.send(chunk);
      stream.done();
    },
    (err: unknown) => {
      clearInterval(alive);
      const { error, internal } = toZeblitError(err);
      if (internal) deps.logger.error({ err, request_id: c.get('requestId') }, 'agent completion failed');
      stream.fail(toOpenAIError(error).body);
    },
  );
  return stream.response;
}
