import { Command, Option, UsageError } from 'clipanion';
import { VERSION, zeblitPaths, type ZeblitPaths } from '../src/contracts/index.ts';
import { ZeblitClient } from '../src/client/index.ts';
import { readCliConfig, updateCliConfig, type CliConfig, type CliConfigPatch } from './config.ts';
import { resolveConnection, type Connection, type Env } from './connection.ts';
import { readCredentials } from './credentials.ts';
import { pingDaemon, startDaemon } from './daemon-start.ts';
import { CliError } from './cli-error.ts';
import { toJson } from './format.ts';
import { reportError } from './report-error.ts';

const truthy = (v: string | undefined) => v !== undefined && /^(1|true|yes|on)$/i.test(v.trim());

/**
 * What every command shares: `--json` and `--no-start`, the connection and
 * the client (starting the local daemon when allowed), config access, and one
 * place that turns any failure into `Error [CODE]: message` and an exit code.
 * Commands implement `run()`; output goes only through this.context streams.
 */
export abstract class ZeblitCommand extends Command {
  json = Option.Boolean('--json', false, { description: 'Print the API data as JSON' });
  noStart = Option.Boolean('--no-start', false, { description: 'Do not start zeblitd when it is not running (also: ZEBLIT_NO_AUTOSTART=1)' });

  private clientPromise?: Promise<ZeblitClient>;

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
    return new ZeblitClient({ transport: conn.transport, userAgent: `zeblit-cli/${VERSION}` });
  }

  protected async ensureLocalDaemon(): Promise<void> {
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
    if (daemon === VERSION || this.json) return;
    this.err(`Note: zeblitd ${daemon} is running; this zeblit is ${VERSION}. Run \`zeblit daemon restart\` to run the daemon of this version.\n`);
  }

  /** The project argument, or the one `zeblit use` remembered. */
  projectRef(given: string | undefined): string {
    if (given) return given;
    const current = this.config().current_project;
    if (current) return current;
    throw new UsageError('No project given and none selected: pass one, or choose one with `zeblit use <project>`');
  }

  out(text: string): void {
    this.context.stdout.write(text);
  }

  err(text: string): void {
    this.context.stderr.write(text);
  }

  /** `--json` prints the data as JSON; otherwise the human rendering. */
  emit<T>(data: T, human: (data: T) => string): void {
    this.out(this.json ? toJson(data) : human(data));
  }
}
