import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { isInt } from '../../validators.ts';

export class FilesCatCommand extends ZeblitCommand {
  static override paths = [['files', 'cat']];
  static override json = 'FileContent (`{path, content, encoding, size, sha256, version…}`), or FileVersionContent with --version';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Print a file (its exact bytes), or one of its versions',
    examples: [
      ['A file', '$0 files cat src/main.py'],
      ['Version 3 of it', '$0 files cat src/main.py --version 3'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  version = Option.String('-v,--version', { description: 'A version number (see `zeblit files versions`)', validator: isInt(1, Number.MAX_SAFE_INTEGER) });
  target = Option.String({ name: 'path' });

  async run(): Promise<number> {
    const files = (await this.client()).files;
    const ref = this.projectRef(this.project);
    if (this.version !== undefined) {
      const v = await files.version(ref, this.target, this.version);
      if (this.json) this.out(`${JSON.stringify(v, null, 2)}\n`);
      else this.context.stdout.write(v.encoding === 'base64' ? Buffer.from(v.content ?? '', 'base64') : (v.content ?? ''));
      return 0;
    }
    if (this.json) {
      this.out(`${JSON.stringify(await files.read(ref, this.target), null, 2)}\n`);
      return 0;
    }
    await files.raw(ref, this.target, this.context.stdout);
    return 0;
  }
}
