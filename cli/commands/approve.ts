import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { ApprovalStatus, type Approval } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { formatTime } from '../format.ts';
import { formatTable } from '../table.ts';
import { oneLine, toolTarget } from './chat/render.ts';

/** approve and deny differ only in the decision. */
abstract class DecideCommand extends ZeblitCommand {
  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  note = Option.String('--note', { description: 'Told to the agent (why, or what to do instead)' });
  approval = Option.String({ name: 'approval_id' });

  abstract readonly decision: 'approve' | 'deny';

  async run(): Promise<number> {
    const api = (await this.client()).agents;
    const a = await api.decide(this.projectRef(this.project), this.approval, { decision: this.decision, ...(this.note ? { note: this.note } : {}) });
    this.emit(a, (x) => `${x.status === 'approved' ? 'Approved' : 'Denied'}: ${x.agent} ${x.tool}${toolTarget(x.tool, x.input) ? ` ${toolTarget(x.tool, x.input)}` : ''} (${x.id}).\n`);
    return 0;
  }
}

export class ApproveCommand extends DecideCommand {
  static override paths = [['approve']];
  static override json = 'Approval after the decision';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Let an agent go ahead with a tool call that waits for approval',
    details: 'Projects whose approval mode is `ask` make an agent wait before risky tool calls (commands, writes outside its task). `zeblit approvals` lists what waits.',
    examples: [
      ['Approve', '$0 approve apr_01j…'],
      ['With a note for the agent', '$0 approve apr_01j… --note "ok, but keep the old config"'],
    ],
  });
  readonly decision = 'approve' as const;
}

export class DenyCommand extends DecideCommand {
  static override paths = [['deny']];
  static override json = 'Approval after the decision';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Refuse a tool call that waits for approval; the agent is told (with your note) and goes on without it',
    examples: [
      ['Deny', '$0 deny apr_01j…'],
      ['And say why', '$0 deny apr_01j… --note "do not touch the database; use the fixture"'],
    ],
  });
  readonly decision = 'deny' as const;
}

export class ApprovalsCommand extends ZeblitCommand {
  static override paths = [['approvals']];
  static override json = 'Approval[]';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Tool calls waiting for your approval (or, with --status, past decisions)',
    examples: [
      ['What waits', '$0 approvals'],
      ['Everything decided so far', '$0 approvals --status approved'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  status = Option.String('--status', { description: `Only this state (${ApprovalStatus.options.join(', ')}; default pending)`, validator: t.isEnum(ApprovalStatus.options) });

  async run(): Promise<number> {
    const api = (await this.client()).agents;
    const list = await api.approvals(this.projectRef(this.project), this.status ?? 'pending');
    this.emit(list, (l) => approvalsTable(l, this.status ?? 'pending', this.width));
    return 0;
  }
}

export function approvalsTable(list: Approval[], status: string, width?: number): string {
  if (list.length === 0) return status === 'pending' ? 'Nothing waits for approval.\n' : `No ${status} approvals.\n`;
  const rows = list.map((a) => [a.id, a.status, a.agent, `${a.tool} ${toolTarget(a.tool, a.input)}`.trim(), oneLine(a.reason, 50), formatTime(a.status === 'pending' ? a.expires_at : a.decided_at)]);
  const hint = status === 'pending' ? 'Decide with `zeblit approve <id>` or `zeblit deny <id> --note "why"`.\n' : '';
  return formatTable(['approval', 'status', 'agent', 'call', 'reason', status === 'pending' ? 'expires' : 'decided'], rows, width) + hint;
}
