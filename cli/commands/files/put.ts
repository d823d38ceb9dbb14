import { Command, Option } from 'clipanion';
import { basename } from 'node:path';
import { ZeblitCommand } from '../../base-command.ts';
import { uploadLocal } from '../../transfer.ts';

export class FilesPutCommand extends ZeblitCommand {
  static override paths = [['files', 'put']];
  static override json = 'UploadResult: `{files: [{path, size, version}], …}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Copy a local file into the workspace (replacing what is there)',
    examples: [
      ['Same name, at the workspace root', '$0 files put ./notes.md'],
      ['To a path', '$0 files put ./build.sh scripts/build.sh'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  ifMatch = Option.String('--if-match', { description: 'Refuse (409) unless the remote file is still at this version or sha256' });
  local = Option.String({ name: 'local' });
  remote = Option.String({ name: 'remote', required: false });

  async run(): Promise<number> {
    const remote = this.remote ?? basename(this.local);
    const res = await uploadLocal(this, this.projectRef(this.project), this.local, remote, { overwrite: true, ifMatch: this.ifMatch });
    this.emit(res, (r) => r.files.map((f) => `${f.path}: ${f.size} bytes${f.version === null ? '' : `, version ${f.version}`}\n`).join(''));
    return 0;
  }
}
