import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { withSpinner } from '../activity.ts';
import { analysisText } from '../console-view.ts';

export class AnalyzeCommand extends ZeblitCommand {
  static override paths = [['analyze']];
  static override json = 'Analysis: the errors with their explanation (and the AI one with --ai)';
  static override usage = Command.Usage({
    category: 'Console',
    description: "Group a project's detected errors with probable causes and what to do",
    examples: [
      ['The current project', '$0 analyze'],
      ['One run', '$0 analyze --run run_01…'],
    ],
  });

  runId = Option.String('--run', { description: 'Only errors of this run' });
  ai = Option.Boolean('--ai', false, { description: 'Ask for an AI explanation too (needs an LLM provider)' });
  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const client = await this.client();
    const analysis = await withSpinner(this.context.stderr, this.env, this.ai ? 'Asking the model' : 'Analysing', () => client.console.analyze(ref, { run_id: this.runId, ai: this.ai }));
    this.emit(analysis, (a) => analysisText(a, { color: this.color }));
    return 0;
  }
}
