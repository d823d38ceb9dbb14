import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { ZeblitCommand } from '../../base-command.ts';
import { SHELLS } from '../../completion/index.ts';
import { completionScript, MEMO_SECONDS } from '../../completion/scripts.ts';

export class CompletionCommand extends ZeblitCommand {
  static override paths = [['completion']];
  static override json = '`{shell, script}`';
  static override usage = Command.Usage({
    category: 'General',
    description: 'Print the shell completion script for bash, zsh or fish',
    details: `
      Completes commands, options and, live from the daemon, project names, paths in the project, run ids, scheduled task names, agent names, conversation and approval ids. Answers are cached briefly (see \`zeblit cache stats\`) so that <Tab> stays quick; the daemon is never started for a completion. The script itself keeps its last answer for ${MEMO_SECONDS} seconds: the next <Tab> at the same place of the line (one more letter typed, or the second <Tab> that lists) is answered by the shell without starting zeblit.

      \`zeblit completion install\` puts the script where the shell finds it.
    `,
    examples: [
      ['Try it in this bash', 'source <(zeblit completion bash)'],
      ['zsh, for this session', 'source <(zeblit completion zsh)'],
      ['fish', 'zeblit completion fish | source'],
    ],
  });

  shell = Option.String({ name: 'shell', validator: t.isEnum(SHELLS) });

  async run(): Promise<number> {
    this.emit({ shell: this.shell, script: completionScript(this.shell) }, (d) => d.script);
    return 0;
  }
}
