import { Command, Option } from 'clipanion';
import { createWriteStream, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ZeblitCommand } from '../../base-command.ts';
import { formatBytes, progressFor } from '../../progress.ts';

export class FilesDownloadCommand extends ZeblitCommand {
  static override paths = [['files', 'download']];
  static override json = '`{path, bytes}`: where it was written';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Download a file, or a folder as .tar.gz (streamed, with a progress bar)',
    examples: [
      ['A file into the current folder', '$0 files download data/out.csv'],
      ['A folder', '$0 files download src ./src.tar.gz'],
      ['To stdout', '$0 files download data/out.csv - | head'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  remote = Option.String({ name: 'remote' });
  local = Option.String({ name: 'local', required: false });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'No progress bar and no summary' });

  async run(): Promise<number> {
    const files = (await this.client()).files;
    const ref = this.projectRef(this.project);
    if (this.local === '-') {
      await files.download(ref, this.remote, this.context.stdout);
      return 0;
    }
    // Written beside the target and renamed at the end: an interrupted download leaves no half file.
    const guess = basename(this.remote.replace(/\/+$/, '')) || 'workspace';
    const target0 = this.local ?? guess;
    const partial = `${target0}.zeblit-part`;
    const sink = createWriteStream(partial);
    const bar = this.quiet ? null : progressFor(this.context.stderr, this.env, `Downloading ${this.remote}`);
    try {
      const res = await files.download(ref, this.remote, sink, { onProgress: bar?.update });
      await new Promise<void>((resolve, reject) => sink.end((err?: Error | null) => (err ? reject(err) : resolve())));
      bar?.finish();
      const name = res.filename ?? guess;
      const target = this.local === undefined ? name : existsSync(target0) && statSync(target0).isDirectory() ? join(target0, name) : target0;
      renameSync(partial, target);
      if (!this.quiet || this.json) this.emit({ path: target, bytes: res.bytes }, (r) => `${r.path}: ${formatBytes(r.bytes)}\n`);
      return 0;
    } catch (e) {
      sink.destroy();
      rmSync(partial, { force: true });
      throw e;
    }
  }
}
