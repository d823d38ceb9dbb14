import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { matchLines } from '../../file-view.ts';
import { isInt } from '../../validators.ts';

export class FilesSearchCommand extends ZeblitCommand {
  static override paths = [['files', 'search'], ['files', 'grep']];
  static override json = 'SearchResult: `{matches, truncated, files_scanned, files_skipped}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Search the text files of the workspace (binary and ignored files are skipped)',
    examples: [
      ['A word', '$0 files search TODO'],
      ['A regular expression in Python files, case-sensitive', '$0 files search --regex "def \\w+_test" --glob "*.py" --case-sensitive'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  glob = Option.String('-g,--glob', { description: 'Only files that match' });
  dir = Option.String('--dir', { description: 'Only below this folder' });
  regex = Option.Boolean('-e,--regex', false, { description: 'The text is a regular expression' });
  caseSensitive = Option.Boolean('-s,--case-sensitive', false, { description: 'Match case (default: ignore it)' });
  max = Option.String('-m,--max', { description: 'Stop after this many matches (default 200)', validator: isInt(1, 10_000) });
  text = Option.String({ name: 'text' });

  async run(): Promise<number> {
    const r = await (await this.client()).files.search(this.projectRef(this.project), { q: this.text, glob: this.glob, dir: this.dir, regex: this.regex, case_sensitive: this.caseSensitive, max_results: this.max });
    this.emit(r, (x) => (x.matches.length === 0 ? 'No matches.\n' : matchLines(x.matches) + (x.truncated ? `(stopped after ${x.matches.length} matches: raise --max)\n` : '')));
    return r.matches.length === 0 ? 1 : 0;
  }
}
