import { z } from 'zod';

/**
 * Every event type, declared once with its payload schema. The bus, the
 * WebSocket hub, the OpenAPI document and clients all read this table.
 */
export const ConsoleStream = z.enum(['stdout', 'stderr']);
export const ConsoleSource = z.enum(['exec', 'agent', 'scheduler', 'container', 'system']);

export const EVENT_PAYLOADS = {
  'console.output': z.object({
    run_id: z.string().nullable(),
    source: ConsoleSource,
    stream: ConsoleStream,
    text: z.string(),
  }),
  'console.error_detected': z.object({
    error_id: z.string(),
    type: z.string(),
    language: z.string(),
    severity: z.enum(['error', 'warning', 'info']),
    message: z.string(),
    file: z.string().nullable(),
    line: z.number().int().nullable(),
    occurrences: z.number().int(),
    run_id: z.string().nullable(),
    suggestion: z.string().nullable(),
  }),
  'file.changed': z.object({
    path: z.string(),
    action: z.enum(['created', 'modified', 'deleted']),
    version: z.number().int().nullable(),
    author: z.string(),
  }),
  'agent.status': z.object({
    agent: z.string(),
    status: z.enum(['idle', 'working', 'waiting']),
    conversation_id: z.string().nullable(),
    message: z.string().nullable(),
  }),
  'agent.message': z.object({
    agent: z.string(),
    conversation_id: z.string(),
    message_id: z.string(),
    delta: z.string(),
    done: z.boolean(),
  }),
  'agent.tool_call': z.object({
    agent: z.string(),
    conversation_id: z.string(),
    call_id: z.string(),
    tool: z.string(),
    input: z.unknown(),
  }),
  'agent.tool_result': z.object({
    agent: z.string(),
    conversation_id: z.string(),
    call_id: z.string(),
    tool: z.string(),
    ok: z.boolean(),
    output: z.unknown(),
  }),
  'agent.approval_needed': z.object({
    approval_id: z.string(),
    agent: z.string(),
    conversation_id: z.string(),
    tool: z.string(),
    input: z.unknown(),
    reason: z.string(),
    expires_at: z.number().int(),
  }),
  'agent.approval_resolved': z.object({
    approval_id: z.string(),
    status: z.enum(['approved', 'denied', 'expired']),
    decided_by: z.string().nullable(),
  }),
  'agent.autofix': z.object({
    status: z.enum(['started', 'fixed', 'failed', 'gave_up', 'skipped']),
    attempt: z.number().int(),
    max_attempts: z.number().int(),
    trigger: z.string().describe('run:<run_id> or error:<error_id>'),
    conversation_id: z.string().nullable(),
    files_changed: z.array(z.string()),
    message: z.string(),
  }),
  'task.progress': z.object({
    task_id: z.string(),
    status: z.string().describe('A scheduled task run: queued, running, skipped'),
    progress: z.number().min(0).max(100).nullable(),
    message: z.string().nullable(),
    run_id: z.string().nullable().optional().describe('The task run (trn_…)'),
    name: z.string().optional().describe('The task name'),
  }),
  'task.completed': z.object({
    task_id: z.string(),
    run_id: z.string().nullable().describe('The task run (trn_…)'),
    status: z.enum(['succeeded', 'failed', 'cancelled', 'timed_out']).describe('cancelled: interrupted (the daemon stopped, or the task was deleted)'),
    exit_code: z.number().int().nullable(),
    duration_ms: z.number().nullable(),
    name: z.string().optional(),
    trigger: z.enum(['schedule', 'manual', 'catch_up', 'retry']).optional(),
    attempt: z.number().int().optional(),
    container_run_id: z.string().nullable().optional().describe('The container run (run_…) of a command task'),
    conversation_id: z.string().nullable().optional().describe('The conversation (cnv_…) of an agent task'),
  }),
  'notification.created': z.object({
    kind: z.enum(['task_result', 'approval_needed', 'turn_finished']),
    level: z.enum(['info', 'warning', 'error']),
    title: z.string(),
    message: z.string(),
    task_id: z.string().nullable(),
    run_id: z.string().nullable(),
    conversation_id: z.string().nullable(),
    approval_id: z.string().nullable(),
  }),
  'build.status': z.object({
    image: z.string(),
    status: z.enum(['pulling', 'building', 'ready', 'failed']),
    progress: z.number().min(0).max(100).nullable(),
    message: z.string().nullable(),
  }),
  'container.status': z.object({
    state: z.string(),
    previous: z.string().nullable(),
    reason: z.string().nullable(),
    exit_code: z.number().int().nullable(),
    oom_killed: z.boolean(),
  }),
} as const;

export type EventType = keyof typeof EVENT_PAYLOADS;
export const EVENT_TYPES = Object.keys(EVENT_PAYLOADS) as [EventType, ...EventType[]];
export type EventPayload<T extends EventType> = z.infer<(typeof EVENT_PAYLOADS)[T]>;

export const TOPICS = ['console', 'agent', 'files', 'tasks', 'build', 'container', 'notifications'] as const;
export const Topic = z.enum(TOPICS);
export type Topic = z.infer<typeof Topic>;

const TOPIC_BY_PREFIX: Record<string, Topic> = { console: 'console', agent: 'agent', file: 'files', task: 'tasks', build: 'build', container: 'container', notification: 'notifications' };

export function topicOf(type: EventType): Topic {
  const t = TOPIC_BY_PREFIX[type.split('.')[0] ?? ''];
  if (!t) throw new Error(`event type ${type} has no topic`);
  return t;
}

/** What travels on the wire and sits in storage. `seq` is per project, gap-free, increasing. */
export const ZeblitEvent = z.object({
  id: z.string(),
  type: z.enum(EVENT_TYPES),
  topic: Topic,
  project_id: z.string(),
  seq: z.number().int().positive(),
  time: z.number().int(),
  data: z.unknown(),
});
export type ZeblitEvent = z.infer<typeof ZeblitEvent>;
export type TypedEvent<T extends EventType> = Omit<ZeblitEvent, 'type' | 'data'> & { type: T; data: EventPayload<T> };

/** Client → server messages on /api/v1/ws. */
export const WsClientMessage = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('subscribe'),
    project_id: z.string().min(1).max(100),
    topics: z.array(Topic).min(1).default([...TOPICS]),
    since_seq: z.number().int().min(0).optional(),
    id: z.string().max(100).optional(),
  }),
  z.strictObject({ type: z.literal('unsubscribe'), project_id: z.string().min(1).max(100), id: z.string().max(100).optional() }),
  z.strictObject({ type: z.literal('ping'), id: z.string().max(100).optional() }),
]);
export type WsClientMessage = z.input<typeof WsClientMessage>;

/** Server → client messages: events, acknowledgements, errors, pongs. */
export type WsServerMessage =
  | { type: 'event'; event: ZeblitEvent }
  | {
      type: 'subscribed';
      id?: string;
      project_id: string;
      topics: Topic[];
      last_seq: number;
      replayed: number;
      /** Events after since_seq that were pruned before this client came back: it missed them (reload the state it needs). */
      gap: { from_seq: number; to_seq: number } | null;
    }
  | { type: 'unsubscribed'; id?: string; project_id: string }
  | { type: 'pong'; id?: string; time: number }
  | { type: 'error'; id?: string; code: string; message: string }
  | { type: 'hello'; client_id: string; user: string };
