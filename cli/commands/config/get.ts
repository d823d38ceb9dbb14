import { Command, Option } from 'clipanion';
import type { LlmConfigView } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { formatDetails, formatTable } from '../../table.ts';
import { describeKey, readKey } from './settings.ts';

const usdText = (v: number | null | undefined) => (v === null || v === undefined ? 'none' : `$${v.toFixed(2)}`);

export function formatConfig(v: LlmConfigView): string {
  const providers = formatTable(
    ['provider', 'enabled', 'usable', 'model', 'base url', 'key'],
    v.providers.map((p) => [p.name, p.enabled ? 'yes' : 'no', p.usable ? 'yes' : 'no', p.model, p.base_url ?? (p.effective_base_url ? `${p.effective_base_url} (default)` : null), describeKey(p)]),
  );
  const agents = Object.entries(v.agent_models);
  const overrides = Object.entries(v.price_overrides);
  return [
    providers,
    formatDetails([
      ['order', v.order.join(', ')],
      ['budget.global', `${usdText(v.budgets.global_monthly_usd)} per month`],
      ['timeout_ms', v.timeout_ms],
      ['max_retries', v.max_retries],
      ['max_tokens', v.max_tokens],
    ]),
    agents.length ? `Agent models\n${formatTable(['agent', 'model'], agents)}` : '',
    overrides.length
      ? `Price overrides (USD per million tokens)\n${formatTable(['model', 'input', 'output', 'cache read', 'cache write'], overrides.map(([m, p]) => [m, p.input, p.output, p.cache_read, p.cache_write]))}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export class ConfigGetCommand extends ZeblitCommand {
  static override paths = [['config', 'get']];
  static override json = 'LlmConfigView (keys only as set/source/last four); one key: `{key, value}`';
  static override usage = Command.Usage({
    category: 'LLM',
    description: 'Show the LLM configuration, or one setting',
    details: 'Provider keys are never shown: only whether one is set, where it comes from (config or env) and its last four characters. `budget.project` reads the budget of the project given with --project (default: the current one).',
    examples: [
      ['Everything', '$0 config get'],
      ['One setting', '$0 config get anthropic.model'],
      ['A project budget', '$0 config get budget.project --project shop'],
    ],
  });

  project = Option.String('-p,--project', { description: 'For budget.project: the project (default: the current one)' });
  key = Option.String({ required: false, name: 'key' });

  async run(): Promise<number> {
    const client = await this.client();
    if (this.key === 'budget.project') {
      const project = await client.projects.get(this.projectRef(this.project));
      const usd = project.settings.monthly_budget_usd;
      this.emit({ project: project.name, monthly_budget_usd: usd }, () => `${usdText(usd)}\n`);
      return 0;
    }
    const view = await client.llm.config();
    if (this.key === undefined) {
      this.emit(view, formatConfig);
      return 0;
    }
    const value = readKey(view, this.key);
    this.emit({ key: this.key, value }, () => `${value === null || value === undefined ? '-' : typeof value === 'object' ? JSON.stringify(value) : String(value)}\n`);
    return 0;
  }
}
