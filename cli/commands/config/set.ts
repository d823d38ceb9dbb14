import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { isInteractive, readAll, readSecret } from '../../prompt.ts';
import { isSecretKey, KEY_LIST, parseSet, type Change } from './settings.ts';

/** Applies one change: the LLM config (admin) or a project's monthly budget. */
export async function applyChange(cmd: ZeblitCommand, key: string, change: Change, project: string | undefined): Promise<void> {
  const client = await cmd.client();
  if (change.kind === 'project-budget') {
    const p = await client.projects.update(await cmd.projectRef(project), { settings: { monthly_budget_usd: change.usd } });
    const text = change.usd === null ? 'no monthly budget' : `a monthly budget of $${change.usd.toFixed(2)}`;
    cmd.emit(p, () => `Project ${p.name} now has ${text}.\n`);
    return;
  }
  if (change.kind === 'telegram') {
    const view = await client.telegram.update(change.patch);
    const note =
      key === 'telegram.bot_token' && change.patch.bot_token
        ? `Stored the bot token (${view.token_hint ?? '…'}), sealed. zeblitd now runs the bot: \`zeblit daemon status\` shows it.`
        : key === 'telegram.bot_token'
          ? view.token_set
            ? `Removed the stored bot token; TELEGRAM_BOT_TOKEN of the daemon (${view.token_hint ?? '…'}) applies.`
            : 'Removed the bot token: zeblitd stops the bot.'
          : `Updated ${key}${view.token_set ? '; the bot restarts with it' : ''}.`;
    cmd.emit(view, () => `${note}${view.problem ? `\nWarning: ${view.problem}` : ''}\n`);
    return;
  }
  const view = await client.llm.update(change.patch);
  cmd.emit(view, () => `Updated ${key}.\n`);
}

export class ConfigSetCommand extends ZeblitCommand {
  static override paths = [['config', 'set']];
  static override json = 'LlmConfigView after the change; a telegram.* key: TelegramConfigView (the token only as set/source/last four); budget.project: the Project';
  static override usage = Command.Usage({
    category: 'LLM',
    description: 'Change one LLM or Telegram bot setting (admin), or a project budget',
    details: `
      Keys: ${KEY_LIST.join(', ')}.

      \`<provider>.api_key -\` and \`telegram.bot_token -\` read the secret from stdin (asked without echo on a terminal), so it stays out of your shell history; secrets are stored sealed (AES-256-GCM) and never shown again. With a bot token stored, zeblitd runs the Telegram bot itself (docs/telegram.md); \`telegram.allowed_users\` takes Telegram user ids separated by commas (or none). \`price.<model>\` takes input,output[,cache_read,cache_write] in USD per million tokens. Budgets take a number of USD or \`none\`; \`budget.project\` applies to --project (default: the current one).
    `,
    examples: [
      ['Store an Anthropic key from stdin', 'printf %s "$KEY" | $0 config set anthropic.api_key -'],
      ['A local Ollama server', '$0 config set compatible.base_url http://127.0.0.1:11434/v1 && $0 config set compatible.model llama3.1'],
      ['Try OpenAI first', '$0 config set order openai,anthropic'],
      ['The Engineer on another model', '$0 config set model.engineer claude-opus-4-5'],
      ['A price override', '$0 config set price.llama3.1 0,0'],
      ['Cap all spending at $50 a month', '$0 config set budget.global 50'],
      ['Cap one project', '$0 config set budget.project 5 --project shop'],
      ['Run the Telegram bot (token from @BotFather)', 'printf %s "$TOKEN" | $0 config set telegram.bot_token -'],
      ['Only these Telegram users', '$0 config set telegram.allowed_users 123456789,987654321'],
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
