import { Command, Option } from 'clipanion';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ZeblitApiError } from '../../../src/client/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { CliError } from '../../cli-error.ts';

/** Runs the editor on `file` with the terminal; resolves with its exit code. */
function runEditor(editor: string, file: string, env: Record<string, string | undefined>): Promise<number> {
  return new Promise((resolve, reject) => {
    // Through the shell, as git does: EDITOR may carry arguments ("code --wait").
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit', env: env as NodeJS.ProcessEnv });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

export class FilesEditCommand extends ZeblitCommand {
  static override paths = [['files', 'edit']];
  static override json = 'FileMeta of the saved file, or `{path, changed: false}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Edit a file in $EDITOR; saved back only if nobody changed it meanwhile',
    details: `
      The file is copied to a temporary file and opened in $VISUAL, $EDITOR or vi. When the editor exits, the new content is written back with If-Match: if the file changed in the meantime (an agent, a command, another editor), nothing is overwritten, and your version stays in the temporary file for you to merge. A file that does not exist yet is created.
    `,
    examples: [
      ['Edit a file', '$0 files edit src/main.py'],
      ['With another editor', 'EDITOR=nano $0 files edit README.md'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  target = Option.String({ name: 'path' });

  async run(): Promise<number> {
    const files = (await this.client()).files;
    const ref = this.projectRef(this.project);
    let original = '';
    let sha: string | null = null;
    try {
      const f = await files.read(ref, this.target);
      if (f.type !== 'file') throw new CliError('NOT_A_FILE', `${this.target} is a ${f.type === 'dir' ? 'folder' : f.type}`);
      if (f.encoding !== 'utf-8' || f.content === null)
        throw new CliError('BINARY_FILE', `${this.target} is ${f.content === null ? 'too large' : 'binary'} to edit as text`, { suggestion: `Download it, edit it, and put it back: zeblit files download ${this.target}` });
      original = f.content;
      sha = f.sha256;
    } catch (e) {
      if (!(e instanceof ZeblitApiError && e.code === 'NOT_FOUND')) throw e;
    }
    const dir = mkdtempSync(join(tmpdir(), 'zeblit-edit-'));
    const local = join(dir, basename(this.target));
    writeFileSync(local, original, { mode: 0o600 });
    const editor = this.env.VISUAL || this.env.EDITOR || 'vi';
    const code = await runEditor(editor, local, this.env);
    if (code !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new CliError('EDITOR_FAILED', `${editor} exited with ${code}; nothing was saved`);
    }
    const edited = readFileSync(local, 'utf8');
    if (edited === original && sha !== null) {
      rmSync(dir, { recursive: true, force: true });
      this.emit({ path: this.target, changed: false }, () => 'No changes.\n');
      return 0;
    }
    try {
      const meta = sha === null ? await files.create(ref, this.target, edited) : await files.write(ref, this.target, edited, { ifMatch: sha });
      rmSync(dir, { recursive: true, force: true });
      this.emit(meta, (m) => `Saved ${m.path}${m.version === null ? '' : ` (version ${m.version})`}\n`);
      return 0;
    } catch (e) {
      if (e instanceof ZeblitApiError && e.code === 'CONFLICT')
        throw new CliError('CONFLICT', `${this.target} changed while you were editing it; nothing was overwritten. Your version is in ${local}`, {
          suggestion: `See what changed: zeblit files diff ${this.target}; then merge and run \`zeblit files put ${local} ${this.target}\`.`,
        });
      throw e;
    }
  }
}
