/**
 * `zeblit status` without a project: one screen on the whole set-up. Each
 * section is one small function over the API; they run at once, and one that
 * fails says so in its own line instead of failing the screen.
 *
 * Other features add a section by adding a function to EXTRA_SECTIONS. A
 * section whose route the daemon does not have (an older daemon: 404 "No
 * route for …") is left out, see `optionalSection`.
 */
import type { BudgetState, ContainerStatus, DetectedErrorInfo, Health, Project, RunSummary } from '../src/contracts/index.ts';
import { ZeblitApiError, type ZeblitClient } from '../src/client/index.ts';
import { formatDuration } from './format.ts';
import { schedulerSection } from './schedule-health.ts';
import { ago } from './offline-cache.ts';
import { paint, type Paint } from './style.ts';
import { formatDetails } from './table.ts';

export interface DashboardLine {
  label: string;
  text: string;
  /** Marks the line as a problem (red on a terminal) or fine (green). */
  tone?: 'ok' | 'bad';
}

export interface ExtraSection {
  /** The key of its data in --json. */
  key: string;
  load(client: ZeblitClient, project: Project | null): Promise<{ data: unknown; lines: DashboardLine[] } | null>;
}

/** Sections of other features (see the file's comment). */
export const EXTRA_SECTIONS: ExtraSection[] = [schedulerSection];

export interface Dashboard {
  connection: string;
  daemon: Health;
  project: Project | null;
  container: ContainerStatus | null;
  runs: RunSummary[] | null;
  errors: DetectedErrorInfo[] | null;
  llm: { today_usd: number; month_usd: number; budgets: BudgetState[] } | null;
  extra: Record<string, unknown>;
  /** What could not be read, by section. */
  problems: Record<string, string>;
}

/** A route this daemon does not have (as opposed to a missing thing): the feature is absent, the section is left out. */
export function isMissingRoute(e: unknown): boolean {
  return e instanceof ZeblitApiError && e.code === 'NOT_FOUND' && e.message.startsWith('No route for');
}

export async function optionalSection<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (e) {
    if (isMissingRoute(e)) return null;
    throw e;
  }
}

const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Reads every section; `current` is the project `zeblit use` chose, if any. */
export async function loadDashboard(client: ZeblitClient, current: string | undefined, connection: string, now = Date.now()): Promise<Dashboard> {
  const problems: Record<string, string> = {};
  const guard = async <T>(name: string, load: () => Promise<T>): Promise<T | null> => {
    try {
      return await load();
    } catch (e) {
      problems[name] = e instanceof Error ? e.message : String(e);
      return null;
    }
  };
  const daemon = await client.health();
  const project = current ? await guard('project', () => client.projects.get(current)) : null;
  const ref = project?.id;
  const [container, runs, errors, usage, extras] = await Promise.all([
    ref && daemon.engine.reachable ? guard('container', () => client.containers.status(ref)) : null,
    ref ? guard('runs', async () => (await client.containers.runs(ref, { status: 'running', limit: 5 })).items) : null,
    ref ? guard('errors', () => client.console.errors(ref, { limit: 3 })) : null,
    guard('llm', () => client.llm.usage({ group_by: 'day' })),
    Promise.all(EXTRA_SECTIONS.map(async (s) => [s.key, await guard(s.key, () => optionalSection(() => s.load(client, project)))] as const)),
  ]);
  const llm = usage ? { today_usd: usage.groups.find((g) => g.key === utcDay(now))?.cost_usd ?? 0, month_usd: usage.totals.cost_usd, budgets: usage.budgets } : null;
  const extra: Record<string, unknown> = {};
  for (const [key, section] of extras) if (section) extra[key] = section;
  return { connection, daemon, project, container, runs, errors, llm, extra, problems };
}

const usd = (n: number) => `$${n < 10 ? n.toFixed(2) : n.toFixed(0)}`;

function lines(d: Dashboard, now: number): DashboardLine[] {
  const out: DashboardLine[] = [];
  const h = d.daemon;
  out.push({
    label: 'Daemon',
    text: [h.status === 'ok' ? 'running' : `running, ${h.status} (database ${h.database.ok ? 'ok' : 'failing'})`, `v${h.version}`, h.pid ? `pid ${h.pid}` : null, `up ${formatDuration(h.uptime_seconds)}`, d.connection].filter(Boolean).join(' · '),
    tone: h.status === 'ok' ? 'ok' : 'bad',
  });
  out.push(
    h.engine.reachable
      ? { label: 'Engine', text: [`reachable`, h.engine.version ? `v${h.engine.version}` : null, h.engine.endpoint].filter(Boolean).join(' · '), tone: 'ok' }
      : { label: 'Engine', text: `not reachable${h.engine.endpoint ? ` at ${h.engine.endpoint}` : ''}${h.engine.error ? `: ${h.engine.error}` : ''} (zeblit doctor says more)`, tone: 'bad' },
  );
  if (!d.project) out.push({ label: 'Project', text: d.problems.project ? `the current one cannot be read: ${d.problems.project}` : 'none chosen (zeblit use <project>)', tone: d.problems.project ? 'bad' : undefined });
  else {
    const p = d.project;
    out.push({ label: 'Project', text: `${p.name} (${p.id}) · ${p.template}${p.status === 'active' ? '' : ` · ${p.status}`}` });
    const c = d.container;
    if (c) {
      const up = c.state === 'running' && c.started_at ? `, up ${formatDuration((now - c.started_at) / 1000)}` : '';
      const why = c.state !== 'running' && c.exit ? ` (${c.exit.reason})` : '';
      out.push({ label: 'Container', text: `${c.state}${up}${why} · ${c.limits.cpus} CPUs, ${c.limits.memory_mb} MiB${c.config_stale ? ' · settings changed: zeblit restart' : ''}`, tone: c.state === 'exited' ? 'bad' : c.state === 'running' ? 'ok' : undefined });
    } else if (d.problems.container) out.push({ label: 'Container', text: d.problems.container, tone: 'bad' });
    if (d.runs) {
      const shown = d.runs.map((r) => `${r.id} ${r.command.length > 40 ? `${r.command.slice(0, 39)}…` : r.command} (${formatDuration((now - r.started_at) / 1000)})`);
      out.push({ label: 'Runs', text: shown.length ? `${shown.length} in progress: ${shown.join(' · ')}` : 'none in progress' });
    }
    if (d.errors) {
      const shown = d.errors.map((e) => `${e.type}${e.file ? ` (${e.file}${e.line ? `:${e.line}` : ''})` : ''} ${ago(now - e.last_seen)} ago`);
      out.push({ label: 'Errors', text: shown.length ? `${shown.join(' · ')} (zeblit errors)` : 'none recorded', tone: shown.length ? 'bad' : undefined });
    }
  }
  if (d.llm) {
    const budget = d.llm.budgets.filter((b) => b.limit_usd !== null).map((b) => `${b.scope} budget ${usd(b.limit_usd ?? 0)}, ${usd(b.remaining_usd ?? 0)} left`);
    const spent = d.llm.budgets.some((b) => b.remaining_usd !== null && b.remaining_usd <= 0);
    out.push({ label: 'LLM cost', text: [`${usd(d.llm.today_usd)} today (UTC)`, `${usd(d.llm.month_usd)} this month`, ...budget].join(' · '), tone: spent ? 'bad' : undefined });
  } else if (d.problems.llm) out.push({ label: 'LLM cost', text: d.problems.llm, tone: 'bad' });
  for (const s of EXTRA_SECTIONS) {
    const section = d.extra[s.key] as { lines?: DashboardLine[] } | undefined;
    if (section?.lines) out.push(...section.lines);
    else if (d.problems[s.key]) out.push({ label: s.key, text: d.problems[s.key] ?? '', tone: 'bad' });
  }
  return out;
}

export function renderDashboard(d: Dashboard, color: boolean, now = Date.now()): string {
  const p: Paint = paint(color);
  return formatDetails(lines(d, now).map((l) => [p.bold(l.label), l.tone === 'bad' ? p.red(l.text) : l.tone === 'ok' ? p.green(l.text) : l.text]));
}
