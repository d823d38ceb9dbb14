import type { AgentName, ChatMessage, ChatResponse, ChatStreamRecord } from '../../src/contracts/index.ts';

/** What a turn shows, step by step: built from stream records as they arrive, or from a stored message. */
export type Item =
  | { kind: 'user'; text: string }
  | { kind: 'text'; agent: AgentName; text: string }
  | { kind: 'tool'; callId: string; agent: AgentName; tool: string; input: unknown; result?: { ok: boolean; output: string } }
  | { kind: 'run'; runId: string; text: string }
  | { kind: 'approval'; id: string; agent: AgentName; tool: string; input: unknown; reason: string; decided?: 'approved' | 'denied' }
  | { kind: 'done'; response: ChatResponse }
  | { kind: 'error'; message: string };

/** Folds one stream record into the items (text deltas join the text before them; results meet their calls). */
export function apply(items: Item[], r: ChatStreamRecord): Item[] {
  const last = items[items.length - 1];
  switch (r.type) {
    case 'text':
      if (last?.kind === 'text' && last.agent === r.agent) return [...items.slice(0, -1), { ...last, text: last.text + r.delta }];
      return [...items, { kind: 'text', agent: r.agent, text: r.delta }];
    case 'tool_call':
      return [...items, { kind: 'tool', callId: r.call_id, agent: r.agent, tool: r.tool, input: r.input }];
    case 'tool_result':
      return items.map((i) => (i.kind === 'tool' && i.callId === r.call_id ? { ...i, result: { ok: r.ok, output: r.output } } : i));
    case 'run_output':
      if (last?.kind === 'run' && last.runId === r.run_id) return [...items.slice(0, -1), { ...last, text: last.text + r.data }];
      return [...items, { kind: 'run', runId: r.run_id, text: r.data }];
    case 'approval_needed':
      return [...items, { kind: 'approval', id: r.approval_id, agent: r.agent, tool: r.tool, input: r.input, reason: r.reason }];
    case 'done':
      return [...items, { kind: 'done', response: r.response }];
    case 'error':
      return [...items, { kind: 'error', message: r.suggestion ? `${r.message}. ${r.suggestion}` : r.message }];
    default:
      return items;
  }
}

/** A stored message as items: the user's words, or the agent's steps then its answer and cost. */
export function fromMessage(m: ChatMessage): Item[] {
  if (m.role === 'user') return [{ kind: 'user', text: m.content }];
  const steps: Item[] = m.steps.map((s) => ({ kind: 'tool', callId: s.call_id, agent: s.agent, tool: s.tool, input: s.input, result: { ok: s.ok, output: s.output } }));
  const text: Item[] = m.content ? [{ kind: 'text', agent: m.agent ?? 'dev_manager', text: m.content }] : [];
  return [...steps, ...text];
}
