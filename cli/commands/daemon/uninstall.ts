import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { uninstallService } from '../../service/index.ts';
import { serviceContext } from './install.ts';

export class DaemonUninstallCommand extends ZeblitCommand {
  static override paths = [['daemon', 'uninstall']];
  static override json = '`{kind: systemd|launchd, file, removed, notes}`';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: 'Stop and remove the zeblitd service of your user (the home and its data stay)',
    examples: [['Remove the service', '$0 daemon uninstall']],
  });

  async run(): Promise<number> {
    const r = uninstallService(serviceContext(this.env));
    this.emit(r, () => `${r.removed ? `Removed ${r.file}\n` : ''}${r.notes.map((n) => `${n}\n`).join('')}`);
    return 0;
  }
}
