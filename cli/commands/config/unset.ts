import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { applyChange } from './set.ts';
import { KEY_LIST, parseUnset } from './settings.ts';

export class ConfigUnsetCommand extends ZeblitCommand {
  static override paths = [['config', 'unset']];
  static override json = 'LlmConfigView after the change';
  static override usage = Command.Usage({
    category: 'LLM',
    description: 'Reset one LLM setting to its default (admin), or remove a project budget',
    details: `Keys: ${KEY_LIST.join(', ')}. Unsetting a stored api_key falls back to the environment variable (ANTHROPIC_API_KEY, OPENAI_API_KEY) when the daemon has one.`,
    examples: [
      ['Remove the stored OpenAI key', '$0 config unset openai.api_key'],
      ['Back to the vendor URL', '$0 config unset anthropic.base_url'],
      ['No global budget', '$0 config unset budget.global'],
    ],
  });

  project = Option.String('-p,--project', { description: 'For budget.project: the project (default: the current one)' });
  key = Option.String({ name: 'key' });

  async run(): Promise<number> {
    await applyChange(this, this.key, parseUnset(this.key), this.project);
    return 0;
  }
}
