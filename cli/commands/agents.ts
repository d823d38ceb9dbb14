import { Command, Option } from 'clipanion';
import type { AgentDefinition, AgentStatus } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { formatTable } from '../table.ts';
import { formatUsd, oneLine } from './chat/render.ts';

export class AgentsCommand extends ZeblitCommand {
  static override paths = [['agents']];
  static override json = 'AgentDefinition[]; with --status AgentStatus[]';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'The seven agents: what each does and its tools; --status: who is working where, calls and cost today',
    examples: [
      ['The agents', '$0 agents'],
      ['What they are doing now', '$0 agents --status'],
    ],
  });

  status = Option.Boolean('--status', false, { description: 'Show what each agent is doing now, with its calls and cost today' });

  async run(): Promise<number> {
    const api = (await this.client()).agents;
    if (this.status) {
      const list = await api.status();
      // Project names for the people reading it (ids stay in --json).
      const busy = [...new Set(list.flatMap((a) => (a.project_id ? [a.project_id] : [])))];
      const client = await this.client();
      const names = new Map(await Promise.all(busy.map(async (id) => [id, await client.projects.get(id).then((p) => p.name, () => id)] as const)));
      this.emit(list, (l) => statusTable(l, names));
      return 0;
    }
    this.emit(await api.definitions(), (d) => definitionsTable(d, this.width));
    return 0;
  }
}

export function definitionsTable(defs: AgentDefinition[], width?: number): string {
  const rows = defs.map((d) => [`${d.name}${d.default ? ' *' : ''}`, d.title, d.model ?? 'default', d.tools.join(','), oneLine(d.description, 70)]);
  return `${formatTable(['agent', 'title', 'model', 'tools', 'description'], rows, width)}* answers \`zeblit chat\` unless --agent says otherwise\n`;
}

export function statusTable(list: AgentStatus[], projectNames: ReadonlyMap<string, string> = new Map()): string {
  const rows = list.map((a) => [a.name, a.status, a.project_id ? (projectNames.get(a.project_id) ?? a.project_id) : null, a.conversation_id, a.calls_today, formatUsd(a.cost_today_usd)]);
  const total = list.reduce((s, a) => s + a.cost_today_usd, 0);
  return `${formatTable(['agent', 'status', 'project', 'conversation', 'calls today', 'cost today'], rows)}Today: ${formatUsd(total)}\n`;
}
