import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * At start: empties every project's scratch folder (archives staged,
 * folders parked for deletion, new folders and links not yet moved into
 * place by a daemon that stopped mid-way). The container never sees
 * these folders, so nothing there is anyone's data. Returns how many
 * entries went.
 */
export function cleanScratch(projectsDir: string): number {
  let removed = 0;
  let ids: string[] = [];
  try {
    ids = readdirSync(projectsDir);
  } catch {
    return 0;
  }
  for (const id of ids) {
    for (const sub of ['uploads', 'trash', 'staging']) {
      const dir = join(projectsDir, id, 'scratch', sub);
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const n of names) rmSync(join(dir, n), { recursive: true, force: true });
      removed += names.length;
    }
  }
  return removed;
}
