import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';
import { formatBytes } from '../../progress.ts';
import { formatDetails, formatTable } from '../../table.ts';

/** Files and bytes below `dir` (the code caches), 0 when it does not exist. */
function sizeOf(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else {
        files++;
        bytes += st.size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

export class CacheStatsCommand extends ZeblitCommand {
  static override paths = [['cache', 'stats']];
  static override json = '`{offline: {dir, entries, bytes, expired, oldest, newest, by_type}, code: {dir, files, bytes}}`';
  static override usage = Command.Usage({
    category: 'General',
    description: 'What the CLI keeps under ZEBLIT_HOME/cache: answers for offline use and completion, and code caches',
    details: 'Answers of read commands (projects, files, runs, status…) are kept so that they can be shown, marked as cached, when the daemon cannot be reached, and so that shell completion answers at once; each type has its time to live (TTL). Code caches make the CLI start faster. Nothing here is needed: `zeblit cache clear` removes it all.',
    examples: [
      ['Sizes and ages', '$0 cache stats'],
      ['As JSON', '$0 cache stats --json'],
    ],
  });

  async run(): Promise<number> {
    const offline = this.offlineCache().stats();
    const code = sizeOf(join(this.files.cache, 'code'));
    const data = { offline, code: { dir: join(this.files.cache, 'code'), ...code } };
    this.emit(data, (d) => {
      const rows = Object.entries(d.offline.by_type)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([type, t]) => [type, t.entries, formatBytes(t.bytes), `${t.ttl_seconds}s`]);
      return (
        formatDetails([
          ['Offline answers', `${d.offline.entries} (${formatBytes(d.offline.bytes)}), ${d.offline.expired} past their TTL`],
          ['Newest', formatTime(d.offline.newest)],
          ['Oldest', formatTime(d.offline.oldest)],
          ['Code caches', `${d.code.files} (${formatBytes(d.code.bytes)})`],
          ['Folder', this.files.cache],
        ]) + (rows.length ? `\n${formatTable(['type', 'entries', 'size', 'ttl'], rows)}` : '')
      );
    });
    return 0;
  }
}
