import { join } from 'node:path';
import { Command, Option, UsageError } from 'clipanion';
import { zeblitPaths, type ZeblitPaths } from '../src/contracts/paths.ts';
import { VERSION } from '../src/contracts/version.ts';
import { ClientTimeoutError, DaemonUnreachableError, ZeblitClient } from '../src/client/index.ts';
import { readCliConfig, updateCliConfig, type CliConfig, type CliConfigPatch } from './config.ts';
import { hostKey, resolveConnection, type Connection, type Env } from './connection.ts';
import { readCredentials } from './credentials.ts';
import { pingDaemon, socketAccepts, startDaemon } from './daemon-start.ts';
import { CliError } from './cli-error.ts';
import { toJson } from './format.ts';
import { ago, audienceOf, OfflineCache, type CacheType } from './offline-cache.ts';
import { reportError } from './report-error.ts';
import { colorEnabled, terminalWidth } from './style.ts';

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

  /** The project argument, or the one `zeblit use` remembered. */
  projectRef(given: string | undefined): string {
    if (given) return given;
    const current = this.config().current_project;
    if (current) return current;
    throw new UsageError('No project given and none selected: pass one, or choose one with `zeblit use <project>`');
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
