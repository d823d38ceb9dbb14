/**
 * `zeblit __complete <shell> <cword> <words…>`: what the completion scripts
 * (scripts.ts) run on <Tab>. `words` are the words of the line as the shell
 * split them, `zeblit` first; `cword` is the index of the word under the
 * cursor. One candidate a line: the value, and for zsh and fish a tab and its
 * description; `:file` alone asks the shell to complete local file names.
 *
 * It is not a clipanion command: it runs on every <Tab> and loads nothing but
 * itself (the built CLI bundles it alone, dist/cli/complete.cjs), asks the
 * daemon only when the cache has no fresh answer, and never starts one.
 */
import type { Writable } from 'node:stream';
import { zeblitPaths } from '../../src/contracts/paths.ts';
import { ZeblitClient } from '../../src/client/index.ts';
import { VERSION } from '../../src/contracts/version.ts';
import { readCliConfig } from '../config.ts';
import { resolveConnection, type Env } from '../connection.ts';
import { readCredentials } from '../credentials.ts';
import { socketAccepts } from '../daemon-start.ts';
import type { CommandSpec } from '../manifest.ts';
import { OfflineCache } from '../offline-cache.ts';
import { join } from 'node:path';
import { complete, type Completion } from './complete.ts';
import { liveValues } from './values.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

function format(shell: Shell, c: Completion): string {
  if (c.files) return ':file\n';
  const line = (v: string, d: string | undefined) => {
    const desc = (d ?? '').replace(/\s+/g, ' ').trim();
    return shell === 'bash' || !desc ? v : `${v}\t${desc.length > 80 ? `${desc.slice(0, 79)}…` : desc}`;
  };
  return c.items.map((i) => `${line(i.value, i.description)}\n`).join('');
}

export async function runComplete(argv: readonly string[], io: { stdout: Writable; env: Env }, specs: readonly CommandSpec[]): Promise<number> {
  const [, shell, cwordText, , ...rest] = argv;
  if (!SHELLS.includes(shell as Shell)) return 2;
  const cword = Number(cwordText);
  // rest: the words after `zeblit`; the cursor is on word `cword` of the whole line.
  const words = rest.slice(0, Math.max(0, cword - 1));
  const current = rest[cword - 1] ?? '';
  const paths = zeblitPaths(io.env);
  const config = readCliConfig(paths.config);
  const connection = resolveConnection(io.env, config, readCredentials(paths.cliCredentials));
  const source = liveValues({
    cache: new OfflineCache(join(paths.cache, 'offline')),
    connection,
    client: async () => {
      if (connection.local && !(await socketAccepts(paths.socket, 300))) return undefined;
      return new ZeblitClient({ transport: connection.transport, timeoutMs: 1_000, userAgent: `zeblit-cli/${VERSION} (completion)` });
    },
  });
  const result = await complete(words, current, specs, source, config.current_project);
  io.stdout.write(format(shell as Shell, result));
  return 0;
}
