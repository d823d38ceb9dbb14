/**
 * The agents over HTTP: definitions and status, chat turns (JSON or a stream
 * of ChatStreamRecord), history, cancel and approvals.
 *
 * A streamed turn first asks the service what would refuse it (unknown or
 * busy conversation, no provider, a spent budget): a refusal is an ordinary
 * error envelope with its status, and nothing is left behind. Then the stream
 * opens at once, so the client has the conversation id (to cancel, Ctrl-C)
 * while the first model call is still running; a failure after that (the
 * provider failing) is the stream's `error` record. Once open, the turn
 * belongs to the daemon: the caller hanging up only stops the records (a
 * phone losing signal must not kill the work); POST …/cancel stops the turn.
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import {
  AGENT_NAMES,
  AgentDefinition,
  AgentName,
  AgentStatus,
  Approval,
  ApprovalDecision,
  ApprovalListQuery,
  ChatRequest,
  ChatResponse,
  ChatStreamRecord,
  Conversation,
  ConversationWithMessages,
  DirectRequest,
  Envelope,
  ErrorEnvelope,
  HistoryQuery,
  Page,
  ZeblitError,
  type ChatInput,
  type ChatStreamRecord as StreamRecord,
  type Project,
} from '../../contracts/index.ts';
import { assertActive } from '../../projects/index.ts';
import type { AppDeps } from '../deps.ts';
import { ok, toZeblitError } from '../envelope.ts';
import type { AppEnv } from '../env.ts';
import { defineRoute, principalOf, requireAccess, router } from '../route.ts';
import { visibleProjectIds } from '../scope.ts';
import { NDJSON, SSE, recordStream, streamFormat } from '../streaming.ts';

const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });
const AgentRef = ProjectRef.extend({ agent: z.string().min(1).max(100).describe(`One of ${AGENT_NAMES.join(', ')}`) });
const ConversationRef = ProjectRef.extend({ conversation_id: z.string().min(1).max(100).describe('Conversation id (cnv_…)') });
const ApprovalRef = ProjectRef.extend({ approval_id: z.string().min(1).max(100).describe('Approval id (apr_…)') });
const History = z.union([Page(Conversation), ConversationWithMessages]).describe('Conversations (paged), or one conversation with its messages when conversation_id is given');

const json = (schema: z.ZodType) => ({ 'application/json': { schema } });
const errors = {
  400: { description: 'Invalid input (VALIDATION_FAILED)', content: json(ErrorEnvelope) },
  401: { description: 'Missing or invalid credentials', content: json(ErrorEnvelope) },
  402: { description: 'A budget is spent (BUDGET_EXCEEDED)', content: json(ErrorEnvelope) },
  403: { description: 'The key lacks the scope (FORBIDDEN)', content: json(ErrorEnvelope) },
  404: { description: 'No such project, agent or conversation (NOT_FOUND)', content: json(ErrorEnvelope) },
  409: { description: 'A turn is already running in this conversation, or the project is archived (CONFLICT)', content: json(ErrorEnvelope) },
  429: { description: 'Too many requests (RATE_LIMITED)', content: json(ErrorEnvelope) },
  503: { description: 'No LLM provider is configured (LLM_NOT_CONFIGURED)', content: json(ErrorEnvelope) },
};

type Valid = { valid(target: 'json' | 'param' | 'query'): unknown };
const valid = <T>(c: Context<AppEnv>, target: 'json' | 'param' | 'query') => (c.req as unknown as Valid).valid(target) as T;

const KEEP_ALIVE_MS = 15_000;

export function agentRoutes(deps: AppDeps) {
  const app = router();
  const { projects, agents } = deps;
  const projectOf = (c: Context<AppEnv>, ref: string): Project => {
    const p = projects.get(principalOf(c).user.id, ref);
    c.set('resource', p.id);
    return p;
  };

  defineRoute(app, { method: 'get', path: '/agents', summary: 'The seven agents: what each does, its tools and model', tags: ['agents'], data: z.array(AgentDefinition) }, () => agents.definitions());

  defineRoute(
    app,
    { method: 'get', path: '/agents/status', summary: 'What each agent is doing now in your projects (where, in which conversation), its calls and cost there today; an admin sees every project', tags: ['agents'], data: z.array(AgentStatus) },
    (c) => agents.status(visibleProjectIds(deps, principalOf(c))),
  );

  registerTurn(app, deps, projectOf, {
    path: '/projects/{id}/chat',
    summary: 'Talk to the agents: one turn (default the Dev Manager, who delegates)',
    params: ProjectRef,
    body: ChatRequest,
    input: (c) => valid<ChatInput>(c, 'json'),
  });

  registerTurn(app, deps, projectOf, {
    path: '/projects/{id}/agents/{agent}/direct',
    summary: 'Talk to one agent directly: one turn',
    params: AgentRef,
    body: DirectRequest,
    input: (c) => {
      const { agent } = valid<{ agent: string }>(c, 'param');
      const name = AgentName.safeParse(agent);
      if (!name.success) throw new ZeblitError('NOT_FOUND', `No agent named "${agent}"`, { suggestion: `The agents are: ${AGENT_NAMES.join(', ')}.` });
      return { ...valid<Omit<ChatInput, 'agent'>>(c, 'json'), agent: name.data };
    },
  });

  defineRoute(
    app,
    {
      method: 'get',
      path: '/projects/{id}/chat/history',
      summary: 'Conversations of the project, newest first; with conversation_id: that one with its messages and tool steps',
      tags: ['agents'],
      params: ProjectRef,
      query: HistoryQuery,
      data: History,
    },
    (c, { params, query }) => {
      const project = projectOf(c, params.id);
      const h = agents.history(project.id, query);
      if ('conversations' in h) return { items: h.conversations, total: h.total, limit: query.limit, offset: query.offset };
      return h;
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/chat/{conversation_id}/cancel',
      summary: 'Stop the turn running in a conversation (what it did so far is kept)',
      tags: ['agents'],
      params: ConversationRef,
      data: z.object({ cancelled: z.boolean().describe('false: no turn was running') }),
    },
    (c, { params }) => agents.cancel(projectOf(c, params.id).id, params.conversation_id),
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/projects/{id}/chat/approvals',
      summary: 'Tool calls waiting for a person (approval: ask), or past decisions',
      tags: ['agents'],
      params: ProjectRef,
      query: ApprovalListQuery,
      data: z.array(Approval),
    },
    (c, { params, query }) => agents.approvals(projectOf(c, params.id).id, query.status),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/chat/approvals/{approval_id}',
      summary: 'Approve or deny a waiting tool call (409 when already decided or expired)',
      tags: ['agents'],
      params: ApprovalRef,
      body: ApprovalDecision,
      data: Approval,
    },
    (c, { params, body }) => agents.decide(projectOf(c, params.id).id, params.approval_id, body, principalOf(c).user.name),
  );

  return app;
}

interface TurnRoute {
  path: string;
  summary: string;
  params: z.ZodObject<z.ZodRawShape>;
  body: z.ZodType;
  input: (c: Context<AppEnv>) => ChatInput;
}

function registerTurn(app: OpenAPIHono<AppEnv>, deps: AppDeps, projectOf: (c: Context<AppEnv>, ref: string) => Project, spec: TurnRoute): void {
  const route = createRoute({
    method: 'post',
    path: spec.path,
    summary: spec.summary,
    description:
      'Without streaming the request waits for the whole turn and answers the ChatResponse. With Accept: text/event-stream (or stream: true) the turn streams as server-sent events, `event: <type>` + `data: <json>` per record: start, status, text, tool_call, tool_result, run_output, approval_needed, then done (or error). Accept: application/x-ndjson gives the same records one per line. Hanging up does not stop the turn: POST /projects/{id}/chat/{conversation_id}/cancel does.',
    tags: ['agents'],
    security: [{ bearer: [] }],
    middleware: [requireAccess('write')],
    request: { params: spec.params, body: { content: json(spec.body), required: true } },
    responses: {
      200: { description: 'The finished turn (JSON), or its stream', content: { ...json(Envelope(ChatResponse)), [SSE]: { schema: ChatStreamRecord }, [NDJSON]: { schema: ChatStreamRecord } } },
      ...errors,
    },
  });
  app.openapi(route, (async (c: Context<AppEnv>) => {
    const { id } = valid<{ id: string }>(c, 'param');
    const project = projectOf(c, id);
    const input = spec.input(c);
    assertActive(project);
    const p = principalOf(c);
    const ctx = { userId: p.user.id, project, caller: { keyId: p.keyId, clientType: p.clientType } };
    const format = streamFormat(c.req.header('accept')) ?? (input.stream ? 'sse' : null);
    // No request signal: the turn outlives the connection either way.
    if (!format) return ok(c, await deps.agents.chat(ctx, input));

    deps.agents.preflight(ctx, input);
    const stream = recordStream<StreamRecord>(format);
    let ended = false;
    const turn = deps.agents.chat(ctx, input, {
      onRecord: (r) => {
        if (ended) return;
        if (r.type === 'done' || r.type === 'error') ended = true;
        stream.send(r);
      },
    });
    const s = stream;
    // A turn can be quiet for minutes (a long command, an approval waiting): say it is alive.
    const alive = setInterval(() => s.keepAlive(), KEEP_ALIVE_MS);
    alive.unref();
    void turn.finally(() => clearInterval(alive)).catch(() => {});
    turn.then(
      (response) => {
        if (!ended) s.send({ type: 'done', response });
        ended = true;
        s.end();
      },
      (err: unknown) => {
        const { error, internal } = toZeblitError(err);
        if (internal) deps.logger.error({ err, request_id: c.get('requestId'), path: c.req.path }, 'chat turn failed');
        if (!ended) s.send({ type: 'error', code: error.code, message: error.message, ...(error.suggestion ? { suggestion: error.suggestion } : {}) });
        ended = true;
        s.end();
      },
    );
    return stream.response;
  }) as never);
}
