/**
 * What the agents do that a person should hear of, fed to the notifier (its
 * sinks: the hub always, the Telegram bot through the hub): a tool call
 * waiting for approval, and a long turn that ended. Task results come from
 * the scheduler itself.
 */
import type { AgentService } from '../src/agents/index.ts';
import type { EventPayload } from '../src/contracts/index.ts';
import type { EventBus } from '../src/events/index.ts';
import type { Notifier } from '../src/notify/index.ts';

/** A turn at least this long is worth a notification when it ends (the person probably went away). */
export const LONG_TURN_MS = 120_000;

export interface AgentNoticeDeps {
  bus: EventBus;
  agents: AgentService;
  notifier: Notifier;
  longTurnMs?: number;
}

const cut = (s: string, n: number) => (s.length <= n ? s : `${s.slice(0, n - 1)}…`);

export function notifyFromAgents(d: AgentNoticeDeps): () => void {
  const long = d.longTurnMs ?? LONG_TURN_MS;
  const offBus = d.bus.subscribe((e) => {
    if (e.type !== 'agent.approval_needed') return;
    const a = e.data as EventPayload<'agent.approval_needed'>;
    // After this event's own delivery: the hub sink publishes on the same bus.
    queueMicrotask(() => {
      void d.notifier.notify({
        project_id: e.project_id,
        kind: 'approval_needed',
        level: 'warning',
        title: `${a.agent} asks for approval: ${a.tool}`,
        message: cut(a.reason, 500),
        conversation_id: a.conversation_id,
        approval_id: a.approval_id,
      });
    });
  });
  const offTurns = d.agents.onTurnEnd((t) => {
    if (t.durationMs < long) return;
    void d.notifier.notify({
      project_id: t.project.id,
      kind: 'turn_finished',
      level: t.status === 'completed' ? 'info' : 'warning',
      title: `${t.agent} finished (${t.status}) after ${Math.round(t.durationMs / 1000)} s`,
      message: cut(t.answer, 500),
      conversation_id: t.conversationId,
    });
  });
  return () => {
    offBus();
    offTurns();
  };
}
