import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatBytes } from '../../progress.ts';
import { uploadLocal } from '../../transfer.ts';

export class FilesUploadCommand extends ZeblitCommand {
  static override paths = [['files', 'upload']];
  static override json = 'UploadResult (with `extracted`, `skipped` for --extract)';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Upload a local file (streamed, with a progress bar); --extract unpacks a .tar, .tar.gz or .zip into a folder',
    details: `
      The daemon writes the bytes to a temporary file beside the target and renames it into place only when all have arrived: an interrupted upload leaves nothing behind.
    `,
    examples: [
      ['A large file', '$0 files upload ./data.parquet data/data.parquet'],
      ['Unpack an archive into vendor/', '$0 files upload ./deps.tgz vendor --extract'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  extract = Option.Boolean('-x,--extract', false, { description: 'Unpack an archive into the folder <remote>' });
  noOverwrite = Option.Boolean('--no-overwrite', false, { description: 'Fail (409) when the target exists' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'No progress bar and no summary' });
  local = Option.String({ name: 'local' });
  remote = Option.String({ name: 'remote' });

  async run(): Promise<number> {
    const res = await uploadLocal(this, this.projectRef(this.project), this.local, this.remote, { overwrite: !this.noOverwrite, extract: this.extract, progress: !this.quiet });
    if (this.quiet && !this.json) return 0;
    this.emit(res, (r) => (r.extracted ? `Extracted ${r.files.length} files (${formatBytes(r.bytes)}) into ${this.remote}\n${r.skipped.map((s) => `  skipped ${s.name}: ${s.reason}\n`).join('')}` : r.files.map((f) => `${f.path}: ${formatBytes(f.size)}${f.version === null ? '' : `, version ${f.version}`}\n`).join('')));
    return 0;
  }
}
