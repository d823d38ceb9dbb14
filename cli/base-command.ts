import { realpathSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import { zeblitPaths, type ZeblitPaths } from '../src/contracts/paths.ts';
import { VERSION } from '../src/contracts/version.ts';
import { ClientTimeoutError, DaemonUnreachableError, ZeblitClient } from '../src/client/index.ts';
import type { Project } from '../src/contracts/projects.ts';
import { readCliConfig, updateCliConfig, type CliConfig, type CliConfigPatch } from './config.ts';
import { hostKey, resolveConnection, type Connection, type Env } from './connection.ts';
import { readCredentials } from './credentials.ts';
import { pingDaemon, socketAccepts, startDaemon } from './daemon-start.ts';
import { CliError } from './cli-error.ts';
import { toJson } from './format.ts';
import { ago, audienceOf, OfflineCache, type CacheType } from './offline-cache.ts';
import { reportError } from './report-error.ts';
import { colorEnabled, terminalWidth } from './style.ts';

/** Which rule chose the project (`zeblit info` says it). */
export type ProjectRule = 'given' | 'folder' | 'current';

export interface ResolvedProject {
  /** Id or name, for the API. */
  ref: string;
  rule: ProjectRule;
  /** Known already when the folder rule chose it. */
  project: Project | null;
  /** The folder rule: where the current directory is inside the project's folder ('' = its top). */
  subdir: string | null;
}

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/** The failures that mean "no daemon to ask": the cases where a read may be answered from the cache. */
const UNREACHABLE = new Set(['DAEMON_NOT_RUNNING', 'DAEMON_START_FAILED', 'DAEMON_START_TIMEOUT', 'DAEMON_NOT_FOUND', 'DAEMON_UNHEALTHY']);
export function isUnreachable(e: unknown): boolean {
  return e instanceof DaemonUnreachableError || e instanceof ClientTimeoutError || (e instanceof CliError && UNREACHABLE.has(e.code));
}

/**
 * What every command shares: `--json` and `--no-start`, the connection and
 * the client (starting the local daemon when allowed), config access, and one
 * place that turns any failure into `Error [CODE]: message` and an exit code.
 * Commands implement `run()`; output goes only through this.context streams.
 */
export abstract class ZeblitCommand extends Command {
  /**
   * Everything after the command's first argument belongs to the program it
   * runs (`zeblit run node -v`): the start-up puts a `--` there (cli/resolve.ts).
   */
  static passThrough = false;

  /** What `--json` prints, for docs/cli.md (scripts/gen-cli-docs.ts); every command says it. */
  static json?: string;

  json = Option.Boolean('--json', false, { description: 'Print the API data as JSON' });
  noStart = Option.Boolean('--no-start', false, { description: 'Do not start zeblitd when it is not running (also: ZEBLIT_NO_AUTOSTART=1)' });

  private clientPromise?: Promise<ZeblitClient>;
  private versionNoted = false;

  abstract run(): Promise<number | void>;

  async execute(): Promise<number> {
    try {
      return (await this.run()) ?? 0;
    } catch (err) {
      return reportError(err, this.context.stderr, this.json);
    }
  }

  get env(): Env {
    return this.context.env;
  }

  get files(): ZeblitPaths {
    return zeblitPaths(this.context.env);
  }

  get autostart(): boolean {
    return !this.noStart && !truthy(this.env.ZEBLIT_NO_AUTOSTART);
  }

  config(): CliConfig {
    return readCliConfig(this.files.config);
  }

  updateConfig(patch: CliConfigPatch): CliConfig {
    return updateCliConfig(this.files.config, patch);
  }

  connection(): Connection {
    return resolveConnection(this.env, this.config(), readCredentials(this.files.cliCredentials));
  }

  /** A client for the chosen daemon; the local one is started first when it is down (unless told not to). */
  client(): Promise<ZeblitClient> {
    this.clientPromise ??= this.makeClient();
    return this.clientPromise;
  }

  private async makeClient(): Promise<ZeblitClient> {
    const conn = this.connection();
    if (conn.local) await this.ensureLocalDaemon();
    // A daemon already listening is not asked for /health (start-up speed): its first answer names its version.
    return new ZeblitClient({ transport: conn.transport, userAgent: `zeblit-cli/${VERSION}`, ...(conn.local ? { onDaemonVersion: (v: string) => this.noteVersion(v) } : {}) });
  }

  protected async ensureLocalDaemon(): Promise<void> {
    if (await socketAccepts(this.files.socket)) return;
    if (!this.autostart) {
      const health = await pingDaemon(this.files);
      if (health) return this.noteVersion(health.version);
      throw new CliError('DAEMON_NOT_RUNNING', `zeblitd is not running (nothing answers on ${this.files.socket})`, {
        suggestion: 'Start it with `zeblit daemon start`, or drop --no-start / ZEBLIT_NO_AUTOSTART to let the CLI start it.',
      });
    }
    const state = await startDaemon({ env: this.env, paths: this.files, stderr: this.context.stderr });
    this.noteVersion(state.health.version);
  }

  /** A daemon of another version still runs (an upgrade installed a new CLI): say so once per command, with the fix. */
  protected noteVersion(daemon: string): void {
    if (daemon === VERSION || this.json || this.versionNoted) return;
    this.versionNoted = true;
    this.err(`Note: zeblitd ${daemon} is running; this zeblit is ${VERSION}. Run \`zeblit daemon restart\` to run the daemon of this version.\n`);
  }

  offlineCache(): OfflineCache {
    return new OfflineCache(join(this.files.cache, 'offline'));
  }

  /** The key an answer is cached under: whose it is (daemon, API key) and what was asked. */
  cacheKey(what: string): string {
    const t = this.connection().transport;
    return `${audienceOf(hostKey(t), t.token)} ${what}`;
  }

  /**
   * A read through the offline cache (offline-cache.ts): the daemon's answer,
   * kept; or, when no daemon can be reached nor started, the last answer if
   * it is younger than its type's TTL, with a note on stderr. Only for reads.
   * ZEBLIT_OFFLINE_CACHE=0 turns this off (a script that wants the daemon or an error).
   */
  async read<T>(type: CacheType, what: string, fetch: (client: ZeblitClient) => Promise<T>): Promise<T> {
    if (this.env.ZEBLIT_OFFLINE_CACHE === '0') return fetch(await this.client());
    const cache = this.offlineCache();
    const key = this.cacheKey(what);
    try {
      const data = await fetch(await this.client());
      cache.put(type, key, data);
      return data;
    } catch (e) {
      if (!isUnreachable(e)) throw e;
      const hit = cache.get<T>(type, key);
      if (!hit) throw e;
      this.err(`(cached ${ago(Date.now() - hit.stored_at)} ago — daemon unreachable)\n`);
      return hit.data;
    }
  }

  /** The project a command works on: see resolveProject. */
  async projectRef(given: string | undefined): Promise<string> {
    return (await this.resolveProject(given)).ref;
  }

  /**
   * Which project: the one given (--project or the argument), else the folder
   * project whose folder holds the current directory (as git finds its
   * repository), else the one `zeblit use` remembered. The folder rule asks
   * the local daemon (one request on the socket); a remote daemon's folders
   * are not this machine's, so it is not asked.
   */
  async resolveProject(given: string | undefined): Promise<ResolvedProject> {
    if (given) return { ref: given, rule: 'given', project: null, subdir: null };
    const folder = await this.folderProject();
    if (folder) return folder;
    const current = this.config().current_project;
    if (current) return { ref: current, rule: 'current', project: null, subdir: null };
    throw new UsageError('No project given, no project holds this folder, and none selected: pass one (-p), make this folder one with `zeblit init`, or choose one with `zeblit use <project>`');
  }

  /** The folder rule alone: the local folder project holding the current directory, or null. */
  protected async folderProject(): Promise<ResolvedProject | null> {
    if (!this.connection().local) return null;
    let cwd: string;
    try {
      cwd = realpathSync(process.cwd());
    } catch {
      return null; // the current directory was removed
    }
    // A read like any other: offline, the last answer for this folder (offline-cache.ts).
    const page = await this.read('projects', `projects containing ${cwd}`, (c) => c.projects.list({ contains: cwd, status: 'all' }));
    const project = page.items.find((p) => p.path !== null);
    if (!project?.path) return null;
    const rel = relative(project.path, cwd);
    return { ref: project.id, rule: 'folder', project, subdir: rel === '' ? '' : rel.split(sep).join('/') };
  }

  /** The terminal's width for tables (cut to fit), or undefined off a terminal (cells whole). */
  get width(): number | undefined {
    return terminalWidth(this.context.stdout, this.env);
  }

  /** Colour on stdout: a terminal, no NO_COLOR, no --json (cli/style.ts). */
  get color(): boolean {
    return colorEnabled(this.context.stdout, this.env, this.json);
  }

  out(text: string): void {
    this.context.stdout.write(text);
  }

  err(text: string): void {
    this.context.stderr.write(text);
  }

  /**
   * `--json` prints the data as JSON; otherwise the human rendering. For
   * commands with `-q,--quiet`: `quiet` is what they print instead (ids, one
   * a line, as `docker ps -q`), and --json wins over it.
   */
  emit<T>(data: T, human: (data: T) => string): void {
    this.out(this.json ? toJson(data) : human(data));
  }
}
