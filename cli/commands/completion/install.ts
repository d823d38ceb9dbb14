import { existsSync, mkdirSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import { ZeblitCommand } from '../../base-command.ts';
import { SHELLS, type Shell } from '../../completion/index.ts';
import { completionScript } from '../../completion/scripts.ts';

/** Where each shell finds a user's completion, and the line (if any) its start-up file needs. */
function placeOf(shell: Shell, home: string, env: Record<string, string | undefined>): { file: string; rc?: string } {
  const data = env.XDG_DATA_HOME || join(home, '.local', 'share');
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  if (shell === 'fish') return { file: join(config, 'fish', 'completions', 'zeblit.fish') };
  if (shell === 'bash') return { file: join(data, 'bash-completion', 'completions', 'zeblit'), rc: join(home, '.bashrc') };
  return { file: join(data, 'zsh', 'site-functions', '_zeblit'), rc: join(env.ZDOTDIR || home, '.zshrc') };
}

const MARK = '# zeblit completion';

export class CompletionInstallCommand extends ZeblitCommand {
  static override paths = [['completion', 'install']];
  static override json = '`{shell, script, rc, rc_changed}`';
  static override usage = Command.Usage({
    category: 'General',
    description: 'Install the shell completion script for your shell (bash, zsh or fish)',
    details: `
      The shell is taken from $SHELL unless --shell names it. fish reads ~/.config/fish/completions/zeblit.fish by itself. For bash the script goes to ~/.local/share/bash-completion/completions/zeblit (loaded by bash-completion) and ~/.bashrc gets one line that sources it; for zsh to ~/.local/share/zsh/site-functions/_zeblit and ~/.zshrc one line. The line is added once; run again to update the script. Open a new shell afterwards.
    `,
    examples: [
      ['For the shell you use', '$0 completion install'],
      ['For zsh', '$0 completion install --shell zsh'],
    ],
  });

  shell = Option.String('--shell', { description: 'bash, zsh or fish (default: from $SHELL)', validator: t.isEnum(SHELLS) });

  async run(): Promise<number> {
    const fromEnv = basename(this.env.SHELL ?? '');
    const shell = this.shell ?? (SHELLS as readonly string[]).find((s) => s === fromEnv);
    if (!shell) throw new UsageError(`Cannot tell your shell from SHELL=${this.env.SHELL ?? ''}: name it with --shell bash|zsh|fish`);
    const home = this.env.HOME;
    if (!home) throw new UsageError('HOME is not set: cannot tell where to install');
    const place = placeOf(shell as Shell, home, this.env);
    mkdirSync(dirname(place.file), { recursive: true });
    writeFileSync(place.file, completionScript(shell as Shell));
    let rcChanged = false;
    if (place.rc) {
      const line =
        shell === 'zsh'
          ? `${MARK}\nfpath=(${dirname(place.file)} $fpath); (( $+functions[compdef] )) || { autoload -Uz compinit && compinit -i }; source ${place.file}\n`
          : `${MARK}\n[ -f ${place.file} ] && . ${place.file}\n`;
      const rc = existsSync(place.rc) ? readFileSync(place.rc, 'utf8') : '';
      if (!rc.includes(MARK)) {
        appendFileSync(place.rc, `${rc === '' || rc.endsWith('\n') ? '' : '\n'}${line}`);
        rcChanged = true;
      }
    }
    const data = { shell, script: place.file, rc: place.rc ?? null, rc_changed: rcChanged };
    this.emit(data, (d) => `Installed the ${d.shell} completion in ${d.script}${d.rc ? (d.rc_changed ? `; ${d.rc} loads it` : `; ${d.rc} already loads it`) : ''}.\nOpen a new shell to use it.\n`);
    return 0;
  }
}
