/**
 * The record of every model call (ok, error, cancelled, refused) and the
 * sums read from it: usage reports, monthly spend for the budgets, and what
 * each agent spent today. Days and months are UTC.
 */
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { newId, type LlmCall, type ProviderName, type TokenUsage, type UsageTotals } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { llm_calls } from './llm.sql.ts';
import type { CallMeta } from './types.ts';

export type CallOutcome = LlmCall['outcome'];
export type UsageGroup = 'project' | 'agent' | 'model' | 'provider' | 'client' | 'day';

export interface CallRecord {
  provider: ProviderName;
  model: string;
  meta: CallMeta;
  usage?: TokenUsage;
  cost_usd?: number;
  latency_ms?: number;
  outcome: CallOutcome;
  error?: string | null;
  fallback_from?: ProviderName | null;
  attempt?: number;
}

export interface UsageFilter {
  group_by: UsageGroup;
  since: number;
  /** Exclusive. */
  until: number;
  /** Only these projects (an empty list matches nothing). */
  project_ids?: string[];
}

export const ZERO_USAGE: TokenUsage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

const COLUMNS = [
  'id',
  'provider',
  'model',
  'agent',
  'project_id',
  'conversation_id',
  'key_id',
  'client_type',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_usd',
  'latency_ms',
  'outcome',
  'error',
  'fallback_from',
  'attempt',
  'created_at',
] as const;

/** The start of the UTC month that holds `ms`. */
export function monthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

export function nextMonthStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** `YYYY-MM` of the UTC month that holds `ms`. */
export function monthKey(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

export function dayStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

const sums = {
  calls: sql<number>`count(*)`,
  errors: sql<number>`coalesce(sum(case when ${llm_calls.outcome} = 'ok' then 0 else 1 end), 0)`,
  input_tokens: sql<number>`coalesce(sum(${llm_calls.input_tokens}), 0)`,
  output_tokens: sql<number>`coalesce(sum(${llm_calls.output_tokens}), 0)`,
  cache_read_tokens: sql<number>`coalesce(sum(${llm_calls.cache_read_tokens}), 0)`,
  cache_write_tokens: sql<number>`coalesce(sum(${llm_calls.cache_write_tokens}), 0)`,
  cost_usd: sql<number>`coalesce(sum(${llm_calls.cost_usd}), 0)`,
};

const groupKey: Record<UsageGroup, SQL<string | null>> = {
  project: sql<string | null>`${llm_calls.project_id}`,
  agent: sql<string | null>`${llm_calls.agent}`,
  model: sql<string | null>`${llm_calls.model}`,
  provider: sql<string | null>`${llm_calls.provider}`,
  client: sql<string | null>`${llm_calls.client_type}`,
  day: sql<string | null>`strftime('%Y-%m-%d', ${llm_calls.created_at} / 1000, 'unixepoch')`,
};

/** Float sums drift in the last digits; a cost is shown to the micro-dollar. */
const roundUsd = (v: number) => Math.round(v * 1e9) / 1e9;

export class CallLog {
  private readonly insert;
  private readonly spentAll;
  private readonly spentProject;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    const values = Object.fromEntries(COLUMNS.map((c) => [c, sql.placeholder(c)])) as unknown as typeof llm_calls.$inferInsert;
    this.insert = db.insert(llm_calls).values(values).prepare();
    const cost = { cost: sql<number>`coalesce(sum(${llm_calls.cost_usd}), 0)` };
    this.spentAll = db.select(cost).from(llm_calls).where(gte(llm_calls.created_at, sql.placeholder('since'))).prepare();
    this.spentProject = db
      .select(cost)
      .from(llm_calls)
      .where(and(eq(llm_calls.project_id, sql.placeholder('project')), gte(llm_calls.created_at, sql.placeholder('since'))))
      .prepare();
  }

  record(r: CallRecord): LlmCall {
    const usage = r.usage ?? ZERO_USAGE;
    const call: LlmCall = {
      id: newId('call', this.now()),
      provider: r.provider,
      model: r.model,
      agent: r.meta.agent,
      project_id: r.meta.project_id,
      conversation_id: r.meta.conversation_id,
      key_id: r.meta.key_id ?? null,
      client_type: r.meta.client_type ?? null,
      ...usage,
      cost_usd: r.cost_usd ?? 0,
      latency_ms: Math.max(0, Math.round(r.latency_ms ?? 0)),
      outcome: r.outcome,
      error: r.error ?? null,
      fallback_from: r.fallback_from ?? null,
      attempt: r.attempt ?? 1,
      created_at: this.now(),
    };
    this.insert.run(call);
    return call;
  }

  /** USD spent since `since` (UTC ms): by everyone, or by one project. */
  spent(since: number, projectId?: string): number {
    const row = projectId === undefined ? this.spentAll.get({ since }) : this.spentProject.get({ since, project: projectId });
    return roundUsd(row?.cost ?? 0);
  }

  usage(f: UsageFilter): { totals: UsageTotals; groups: Array<UsageTotals & { key: string | null }> } {
    const where: SQL[] = [gte(llm_calls.created_at, f.since), lt(llm_calls.created_at, f.until)];
    if (f.project_ids) where.push(f.project_ids.length > 0 ? inArray(llm_calls.project_id, f.project_ids) : sql`0`);
    const filter = and(...where);
    const totals = this.db.select(sums).from(llm_calls).where(filter).get();
    const key = groupKey[f.group_by];
    const rows = this.db
      .select({ key, ...sums })
      .from(llm_calls)
      .where(filter)
      .groupBy(key)
      .orderBy(f.group_by === 'day' ? key : sql`${sums.cost_usd} desc, ${key}`)
      .all();
    const clean = <T extends UsageTotals>(t: T): T => ({ ...t, cost_usd: roundUsd(t.cost_usd) });
    return { totals: clean(totals ?? { calls: 0, errors: 0, ...ZERO_USAGE, cost_usd: 0 }), groups: rows.map(clean) };
  }

  /** Calls and cost per agent since the start of today (UTC); calls without an agent are left out. */
  todayByAgent(now: number = this.now(), projectIds?: readonly string[]): Record<string, { calls: number; cost_usd: number }> {
    const where: SQL[] = [gte(llm_calls.created_at, dayStart(now)), sql`${llm_calls.agent} is not null`];
    if (projectIds) where.push(projectIds.length > 0 ? inArray(llm_calls.project_id, [...projectIds]) : sql`0`);
    const rows = this.db
      .select({ agent: llm_calls.agent, calls: sums.calls, cost_usd: sums.cost_usd })
      .from(llm_calls)
      .where(and(...where))
      .groupBy(llm_calls.agent)
      .all();
    return Object.fromEntries(rows.map((r) => [r.agent as string, { calls: r.calls, cost_usd: roundUsd(r.cost_usd) }]));
  }

  /** The newest calls first, for tests and diagnostics. */
  recent(limit = 50, conversationId?: string): LlmCall[] {
    const q = this.db.select().from(llm_calls);
    const rows = (conversationId ? q.where(eq(llm_calls.conversation_id, conversationId)) : q).orderBy(sql`${llm_calls.id} desc`).limit(limit).all();
    return rows.map((r) => ({ ...r, fallback_from: r.fallback_from as ProviderName | null }));
  }
}
