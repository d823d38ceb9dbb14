import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Every path Zeblit uses comes from here, so one env override (ZEBLIT_HOME)
 * moves all of them, as PM2_HOME does for pm2.
 */
export interface ZeblitPaths {
  home: string;
  db: string;
  socket: string;
  lock: string;
  logs: string;
  daemonLog: string;
  projects: string;
  secret: string;
  /** Content-addressed file versions too large to keep inside the database. */
  blobs: string;
  /** Shared by the daemon (port, bind, origins, limits) and the CLI (current project, host). */
  config: string;
  cliCredentials: string;
  /** Automatic backups (before a migration) and what a restore replaced. */
  backups: string;
  /** Which daemon version and schema last opened this home. */
  homeVersion: string;
  /** What the CLI keeps to go faster and to work offline: code caches, answers of read commands. */
  cache: string;
}

export function zeblitPaths(env: NodeJS.ProcessEnv = process.env): ZeblitPaths {
  const home = resolve(env.ZEBLIT_HOME || join(homedir(), '.zeblit'));
  return {
    home,
    db: join(home, 'zeblit.db'),
    socket: env.ZEBLIT_SOCKET ? resolve(env.ZEBLIT_SOCKET) : join(home, 'zeblitd.sock'),
    lock: join(home, 'zeblitd.lock'),
    logs: join(home, 'logs'),
    daemonLog: join(home, 'logs', 'zeblitd.log'),
    projects: join(home, 'projects'),
    secret: join(home, 'secret.key'),
    blobs: join(home, 'blobs'),
    config: join(home, 'config.json'),
    cliCredentials: join(home, 'credentials.json'),
    backups: join(home, 'backups'),
    homeVersion: join(home, 'version.json'),
    cache: join(home, 'cache'),
  };
}

export function projectWorkspace(paths: ZeblitPaths, projectId: string): string {
  return join(paths.projects, projectId, 'workspace');
}
