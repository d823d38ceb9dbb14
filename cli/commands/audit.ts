import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { ZeblitCommand } from '../base-command.ts';
import { formatTime } from '../format.ts';
import { formatTable } from '../table.ts';
import { isInt } from '../validators.ts';

export class AuditCommand extends ZeblitCommand {
  static override paths = [['audit']];
  static override json = 'PageOf<AuditEntry>';
  static override usage = Command.Usage({
    category: 'Users',
    description: 'Show the audit log of changes',
    details: 'Every mutating request is recorded: who, with which key and client, over which transport, what, and the outcome. Admins see everyone; others see their own entries. Newest first.',
    examples: [
      ['The last 50 entries', '$0 audit'],
      ['The last 10 failures', '$0 audit --limit 10 --outcome failure'],
    ],
  });

  limit = Option.String('-n,--limit', { description: 'How many entries (default 50, at most 500)', validator: isInt(1, 500) });
  offset = Option.String('--offset', { description: 'Skip this many entries', validator: isInt(0, 1_000_000) });
  user = Option.String('--user', { description: 'Only this user id (admin)' });
  action = Option.String('--action', { description: 'Only this action' });
  outcome = Option.String('--outcome', { description: 'success or failure', validator: t.isEnum(['success', 'failure'] as const) });

  async run(): Promise<number> {
    const page = await (await this.client()).audit.list({
      limit: this.limit ?? 50,
      offset: this.offset,
      user_id: this.user,
      action: this.action,
      outcome: this.outcome,
    });
    this.emit(page, () => {
      if (page.items.length === 0) return 'No audit entries.\n';
      const rows = page.items.map((e) => [formatTime(e.created_at), e.user_id, e.action, e.resource, e.status, e.outcome, e.client_type, e.transport, e.request_id]);
      const more = page.total > page.offset + page.items.length ? `(${page.items.length} of ${page.total}; see more with --offset ${page.offset + page.items.length})\n` : '';
      return formatTable(['time', 'user', 'action', 'resource', 'status', 'outcome', 'client', 'transport', 'request'], rows) + more;
    });
    return 0;
  }
}
