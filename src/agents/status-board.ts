/**
 * What each agent is doing now: the status table, and the announcement of
 * every change of state to the turn's client and project.
 */
import type { AgentName, AgentStatus } from '../contracts/index.ts';
import type { EventBus } from '../events/index.ts';
import { AGENTS } from './definitions.ts';
import type { Turn } from './loop.ts';

/**
 * Turns an agent is part of right now (an agent can work in two
 * conversations, and for two users, at once), the one whose state changed
 * last at the end.
 */
type AgentState = Map<Turn, Exclude<AgentStatus['status'], 'idle'>>;

/** Calls and spending of today per agent name. */
export type TodayByAgent = Record<string, { calls: number; cost_usd: number }>;

export class AgentStatusBoard {
  private readonly states = new Map<AgentName, AgentState>();

  constructor(private readonly bus: EventBus) {}

  /**
   * The status table. `projectIds`: what the caller may see (their own
   * projects); the turns of any other project are left out, as if they did
   * not exist. Without it: everything (an admin). `today`: the calls of
   * today, already limited to what the caller may see.
   */
  table(today: TodayByAgent, projectIds?: readonly string[]): AgentStatus[] {
    const visible = projectIds ? new Set(projectIds) : null;
    return AGENTS.map((d) => {
      const turns = [...(this.states.get(d.name) ?? [])].filter(([t]) => visible === null || visible.has(t.init.project.id));
      const states = turns.map(([, state]) => state);
      const latest = turns.at(-1)?.[0];
      return {
        name: d.name,
        title: d.title,
        // An agent is waiting if any of its turns waits, else working if any works.
        status: states.includes('waiting') ? 'waiting' : states.length ? 'working' : 'idle',
        project_id: latest?.init.project.id ?? null,
        conversation_id: latest?.init.conversationId ?? null,
        calls_today: today[d.name]?.calls ?? 0,
        cost_today_usd: today[d.name]?.cost_usd ?? 0,
      };
    });
  }

  /** Records a turn's state for the status table (see table()) and announces it to the turn's project. */
  set(agent: AgentName, state: AgentStatus['status'], turn: Turn, message: string | null): void {
    let s = this.states.get(agent);
    if (!s) this.states.set(agent, (s = new Map()));
    // Deleted and set again, so the turn changed last is the last entry.
    s.delete(turn);
    if (state !== 'idle') s.set(turn, state);
    const { project, conversationId, onRecord } = turn.init;
    onRecord({ type: 'status', agent, status: state, message });
    this.bus.publish(project.id, 'agent.status', { agent, status: state, conversation_id: conversationId, message });
  }
}
