import { VERSION, compareVersions } from '../src/contracts/index.ts';
import { SchemaTooNewError } from '../src/db/index.ts';
import { readHomeVersion } from '../src/backup/index.ts';
import { HELP, parseConfig } from './config.ts';
import { boot } from './boot.ts';
import { AlreadyRunningError } from './lock.ts';
import { runRestore } from './restore.ts';

/** The zeblitd program: parse settings, boot, wire signals. Exits 0 after a graceful stop. */
export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'restore') {
    process.exitCode = await runRestore(argv.slice(1), { env: process.env, stdout: process.stdout, stderr: process.stderr });
    return;
  }
  let parsed;
  try {
    parsed = parseConfig(argv);
  } catch (e) {
    process.stderr.write(`zeblitd: ${(e as Error).message}\nRun zeblitd --help for the options.\n`);
    process.exit(2);
  }
  if ('help' in parsed) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if ('version' in parsed) {
    process.stdout.write(`zeblitd ${VERSION}\n`);
    return;
  }
  try {
    const daemon = await boot(parsed.config);
    const { logger } = daemon;
    process.on('SIGTERM', () => void daemon.stop('SIGTERM'));
    process.on('SIGINT', () => void daemon.stop('SIGINT'));
    // One bad request or a stray callback must not take the daemon down.
    process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
    process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
  } catch (e) {
    if (e instanceof SchemaTooNewError) {
      const paths = parsed.config.paths;
      // version.json names the daemon that migrated it, when that one is newer by number (a development build may not be).
      const last = readHomeVersion(paths)?.daemon_version;
      const by = last !== undefined && compareVersions(last, VERSION) > 0 ? last : undefined;
      process.stderr.write(
        `zeblitd: the home ${paths.home} was upgraded by a newer zeblitd${by ? ` (${by})` : ''}: its database has ${e.state.unknown} migration(s) this zeblitd ${VERSION} does not know, so it will not run on it.\n` +
          `Run zeblitd${by ? ` ${by}` : ''} or newer, or restore a backup made before the upgrade (${paths.backups}: zeblit restore <file> --force).\n`,
      );
      process.exit(1);
    }
    if (e instanceof AlreadyRunningError) {
      process.stderr.write(`zeblitd: ${e.message}\nStop it with \`zeblit daemon stop\` (or kill ${e.info.pid}).\n`);
      process.exit(1);
    }
    const err = e as NodeJS.ErrnoException;
    const hint = err.code === 'EADDRINUSE' ? `\nThe TCP port is taken: pass --port <n> or set ZEBLIT_PORT.` : '';
    process.stderr.write(`zeblitd: failed to start: ${err.message}${hint}\n`);
    process.exit(1);
  }
}

