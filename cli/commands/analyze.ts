import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { analysisText } from '../console-view.ts';

export class AnalyzeCommand extends ZeblitCommand {
  static override paths = [['analyze']];
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
    const ref = await this.projectRef(this.project);
    const analysis = await (await this.client()).console.analyze(ref, { run_id: this.runId, ai: this.ai });
    const color = (this.context.stdout as { isTTY?: boolean }).isTTY === true;
    this.emit(analysis, (a) => analysisText(a, { color }));
    return 0;
  }
}
