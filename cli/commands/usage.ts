import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import type { BudgetState, UsageReport } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { formatTable } from '../table.ts';

const money = (v: number) => `$${v < 0.01 && v > 0 ? v.toFixed(4) : v.toFixed(2)}`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** `2026-11-01` (UTC midnight) or a full ISO time, as UTC milliseconds. */
function parseDate(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`${option} must be a date like 2026-11-01 (UTC) or an ISO time, got "${value}"`);
  return ms;
}

function budgetLine(b: BudgetState): string {
  const what = b.scope === 'global' ? 'Global budget' : 'Project budget';
  if (b.limit_usd === null) return `${what} ${b.month}: none set (${money(b.spent_usd)} spent)`;
  const over = b.spent_usd >= b.limit_usd ? ' — spent: new calls are refused' : '';
  return `${what} ${b.month}: ${money(b.spent_usd)} of ${money(b.limit_usd)} (${money(b.remaining_usd ?? 0)} left)${over}`;
}

export function formatUsage(r: UsageReport): string {
  const head = `Usage ${day(r.since)} .. ${day(r.until)} (UTC), by ${r.group_by}\n`;
  const rows = r.groups.map((g) => [g.label ? `${g.label} (${g.key})` : (g.key ?? '(none)'), g.calls, g.errors, g.input_tokens, g.output_tokens, g.cache_read_tokens + g.cache_write_tokens, money(g.cost_usd)]);
  const t = r.totals;
  rows.push(['TOTAL', t.calls, t.errors, t.input_tokens, t.output_tokens, t.cache_read_tokens + t.cache_write_tokens, money(t.cost_usd)]);
  const table = r.groups.length === 0 ? 'No LLM calls in this period.\n' : formatTable([r.group_by, 'calls', 'errors', 'input', 'output', 'cached', 'cost'], rows);
  return `${head}${table}${r.budgets.map(budgetLine).join('\n')}\n`;
}

export class UsageCommand extends ZeblitCommand {
  static override paths = [['usage']];
  static override json = 'UsageReport: `{group_by, since, until, totals, groups, budgets}`';
  static override usage = Command.Usage({
    category: 'LLM',
    description: 'What the LLM calls cost: totals, groups and budgets',
    details: 'Every call is recorded with its tokens and cost (errors, cancellations and budget refusals too, at no cost). The period defaults to this month (UTC); days are UTC dates. Admins see every call; others the calls of their own projects.',
    examples: [
      ['This month by day', '$0 usage'],
      ['By agent for one project', '$0 usage --by agent --project shop'],
      ['Since a date, as JSON', '$0 usage --since 2026-11-01 --by model --json'],
    ],
  });

  by = Option.String('--by', { description: 'project, agent, model, provider, client or day (default: day)', validator: t.isEnum(['project', 'agent', 'model', 'provider', 'client', 'day'] as const) });
  project = Option.String('-p,--project', { description: 'Only this project (id or name)' });
  since = Option.String('--since', { description: 'From this date (UTC), e.g. 2026-11-01; default: the start of this month' });
  until = Option.String('--until', { description: 'Up to this date or time (UTC)' });

  async run(): Promise<number> {
    const report = await (await this.client()).llm.usage({
      group_by: this.by,
      project: this.project,
      since: parseDate('--since', this.since),
      until: parseDate('--until', this.until),
    });
    this.emit(report, formatUsage);
    return 0;
  }
}
