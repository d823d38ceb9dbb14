import { Command } from 'clipanion';
import { VERSION } from '../../src/contracts/version.ts';
import { ZeblitCommand } from '../base-command.ts';
import { pingDaemon } from '../daemon-start.ts';

export class VersionCommand extends ZeblitCommand {
  static override paths = [['version']];
  static override json = '`{cli, daemon}` (daemon: null when it does not answer)';
  static override usage = Command.Usage({
    description: 'Show the versions of the CLI and of the daemon',
    details: 'Asks the chosen daemon for its version; never starts one.',
    examples: [['Versions', '$0 version']],
  });

  async run(): Promise<number> {
    const conn = this.connection();
    let daemon: string | null = null;
    let error: string | null = null;
    try {
      if (conn.local) daemon = (await pingDaemon(this.files))?.version ?? null;
      else daemon = (await (await this.client()).health({ timeoutMs: 3_000 })).version;
    } catch (e) {
      error = (e as Error).message;
    }
    const differ = daemon !== null && daemon !== VERSION;
    this.emit({ cli: VERSION, daemon, same: daemon === null ? null : !differ }, () =>
      `zeblit   ${VERSION}\nzeblitd  ${daemon ?? `not reachable${error ? ` (${error})` : ''}`}\n${differ ? `The versions differ: ${conn.local ? 'run `zeblit daemon restart` to run the daemon of this version' : 'the daemon is remote; upgrade it where it runs'}.\n` : ''}`,
    );
    return 0;
  }
}
