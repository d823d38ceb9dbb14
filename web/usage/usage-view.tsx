import { useState } from 'preact/hooks';
import { useServices } from '../shell/context.ts';
import { ErrorNote } from '../shell/error-note.tsx';
import { usePageTitle } from '../shell/focus.ts';
import { tokens, usd } from '../shell/format.ts';
import { useAsync } from '../shell/use-async.ts';
import { BarChart } from './bar-chart.tsx';

const GROUPS = [
  ['day', 'By day'],
  ['agent', 'By agent'],
  ['model', 'By model'],
] as const;

/** LLM spending this month (or the last N days): totals, budgets, and bars by day, agent and model, each with its table. */
export function UsageView() {
  const { client } = useServices();
  const [days, setDays] = useState(30);
  usePageTitle('Usage and cost');
  const since = Date.now() - days * 86_400_000;
  const reports = useAsync(() => Promise.all(GROUPS.map(([g]) => client.llm.usage({ group_by: g, since }))), [days]);
  const totals = reports.data?.[0]?.totals;
  return (
    <section class="page" aria-labelledby="usage-title">
      <h1 id="usage-title">Usage and cost</h1>
      <label>
        Period
        <select value={days} onChange={(e) => setDays(Number(e.currentTarget.value))}>
          <option value={7}>Last 7 days</option>
          <option value={30}>Last 30 days</option>
          <option value={90}>Last 90 days</option>
        </select>
      </label>
      <ErrorNote error={reports.error} />
      {totals && (
        <p class="totals">
          <strong>{usd(totals.cost_usd)}</strong> · {totals.calls} calls · {tokens(totals.input_tokens)} in / {tokens(totals.output_tokens)} out tokens
          {totals.errors > 0 && ` · ${totals.errors} errors`}
        </p>
      )}
      {reports.data?.[0]?.budgets.map((b) => (
        <p key={`${b.scope}${b.project_id ?? ''}`} class="muted">
          Budget ({b.scope}
          {b.project_id ? ` ${b.project_id}` : ''}, {b.month}): {usd(b.spent_usd)} of {b.limit_usd === null ? 'no limit' : usd(b.limit_usd)}
        </p>
      ))}
      <div class="charts">
        {GROUPS.map(([g, title], n) => {
          const report = reports.data?.[n];
          return report ? <BarChart key={g} title={title} rows={report.groups.map((r) => ({ label: r.label ?? r.key ?? '—', value: r.cost_usd, calls: r.calls }))} /> : null;
        })}
      </div>
    </section>
  );
}
