import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { taskTable } from '../../schedule-view.ts';
import { isInt } from '../../validators.ts';

export class ScheduleListCommand extends ZeblitCommand {
  static override paths = [['schedule', 'list'], ['schedule', 'ls']];
  static override json = 'PageOf<ScheduledTask>: `{items, total, limit, offset}`';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Your scheduled tasks, in every project (or one)',
    examples: [
      ['All of them', '$0 schedule list'],
      ['In one project, enabled only', '$0 schedule list --project web --enabled-only'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Only this project' });
  enabledOnly = Option.Boolean('--enabled-only', false, { description: 'Leave out disabled tasks' });
  limit = Option.String('-n,--limit', { description: 'How many (default 100)', validator: isInt(1, 500) });

  async run(): Promise<number> {
    const client = await this.client();
    const page = await client.scheduler.list({ project: this.project, enabled_only: this.enabledOnly || undefined, limit: this.limit ?? 100 });
    const ids = [...new Set(page.items.map((t) => t.project_id))];
    const names = new Map(await Promise.all(ids.map(async (id) => [id, await client.projects.get(id).then((p) => p.name, () => id)] as const)));
    this.emit(page, (p) =>
      p.items.length === 0
        ? 'No scheduled tasks. Create one with `zeblit schedule create <name> <command> --schedule "0 9 * * *"`.\n'
        : taskTable(p.items, names) + (p.total > p.items.length ? `(${p.items.length} of ${p.total}; --limit for more)\n` : ''),
    );
    return 0;
  }
}
