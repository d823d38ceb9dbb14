import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';

export class CacheClearCommand extends ZeblitCommand {
  static override paths = [['cache', 'clear']];
  static override json = '`{removed_answers, removed_code_caches}`';
  static override usage = Command.Usage({
    category: 'General',
    description: 'Remove what the CLI keeps under ZEBLIT_HOME/cache (offline answers and code caches)',
    details: 'Safe at any time: the next commands ask the daemon again and rebuild the code caches.',
    examples: [['Start afresh', '$0 cache clear']],
  });

  async run(): Promise<number> {
    const answers = this.offlineCache().clear();
    rmSync(join(this.files.cache, 'code'), { recursive: true, force: true });
    this.emit({ removed_answers: answers, removed_code_caches: true }, (d) => `Removed ${d.removed_answers} cached answers and the code caches.\n`);
    return 0;
  }
}
