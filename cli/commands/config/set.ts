import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { isInteractive, readAll, readSecret } from '../../prompt.ts';
import { isSecretKey, KEY_LIST, parseSet, type Change } from './settings.ts';

/** Applies one change: the LLM config (admin) or a project's monthly budget. */
export async function applyChange(cmd: ZeblitCommand, key: string, change: Change, project: string | undefined): Promise<void> {
  const client = await cmd.client();
  if (change.kind === 'project-budget') {
    const p = await client.projects.update(cmd.projectRef(project), { settings: { monthly_budget_usd: change.usd } });
    const text = change.usd === null ? 'no monthly budget' : `a monthly budget of $${change.usd.toFixed(2)}`;
    cmd.emit(p, () => `Project ${p.name} now has ${text}.\n`);
    return;
  }
  const view = await client.llm.update(change.patch);
  cmd.emit(view, () => `Updated ${key}.\n`);
}

export class ConfigSetCommand extends ZeblitCommand {
  static override paths = [['config', 'set']];
  static override json = 'LlmConfigView after the change';
  static override usage = Command.Usage({
    category: 'LLM',
    description: 'Change one LLM setting (admin), or a project budget',
    details: `
      Keys: ${KEY_LIST.join(', ')}.

      \`<provider>.api_key -\` reads the key from stdin (asked without echo on a terminal), so it stays out of your shell history; keys are stored sealed (AES-256-GCM) and never shown again. \`price.<model>\` takes input,output[,cache_read,cache_write] in USD per million tokens. Budgets take a number of USD or \`none\`; \`budget.project\` applies to --project (default: the current one).
    `,
    examples: [
      ['Store an Anthropic key from stdin', 'printf %s "$KEY" | $0 config set anthropic.api_key -'],
      ['A local Ollama server', '$0 config set compatible.base_url http://127.0.0.1:11434/v1 && $0 config set compatible.model llama3.1'],
      ['Try OpenAI first', '$0 config set order openai,anthropic'],
      ['The Engineer on another model', '$0 config set model.engineer claude-opus-4-5'],
      ['A price override', '$0 config set price.llama3.1 0,0'],
      ['Cap all spending at $50 a month', '$0 config set budget.global 50'],
      ['Cap one project', '$0 config set budget.project 5 --project shop'],
    ],
  });

  project = Option.String('-p,--project', { description: 'For budget.project: the project (default: the current one)' });
  key = Option.String({ name: 'key' });
  value = Option.String({ name: 'value' });

  private async secret(): Promise<string> {
    if (this.value !== '-') return this.value;
    const stdin = this.context.stdin;
    const value = isInteractive(stdin) ? await readSecret(`${this.key}: `, stdin, this.context.stderr) : (await readAll(stdin)).trim();
    if (!value) throw new UsageError(`${this.key} - read nothing from stdin`);
    return value;
  }

  async run(): Promise<number> {
    const value = isSecretKey(this.key) ? await this.secret() : this.value;
    await applyChange(this, this.key, parseSet(this.key, value), this.project);
    return 0;
  }
}
