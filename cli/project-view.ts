/** How a project reads in the terminal: one table row, or the detail view. */
import type { Project } from '../src/contracts/index.ts';
import { formatTime } from './format.ts';
import { formatDetails, formatTable } from './table.ts';

export function projectTable(projects: readonly Project[], currentId?: string, width?: number): string {
  const rows = projects.map((p) => [p.id === currentId ? `${p.name} *` : p.name, p.id, p.template, p.status, formatTime(p.created_at), p.description]);
  const note = projects.some((p) => p.id === currentId) ? '(* = current project)\n' : '';
  return formatTable(['name', 'id', 'template', 'status', 'created', 'description'], rows, width) + note;
}

export function projectDetails(p: Project, currentId?: string): string {
  const s = p.settings;
  const env = Object.keys(s.env);
  return formatDetails([
    ['Name', p.id === currentId ? `${p.name} (current)` : p.name],
    ['ID', p.id],
    ['Status', p.status],
    ['Template', p.template],
    ['Description', p.description],
    ['Created', formatTime(p.created_at)],
    ['Updated', formatTime(p.updated_at)],
    ['CPUs', s.cpus],
    ['Memory', `${s.memory_mb} MB`],
    ['Processes', s.pids],
    ['Idle stop', s.idle_timeout_minutes === 0 ? 'never' : `${s.idle_timeout_minutes} min`],
    ['Network', s.network],
    ['Ports', s.ports.join(', ')],
    ['Environment', env.length ? env.join(', ') : ''],
    ['Approval', s.approval === 'ask' ? 'ask (agents wait before commands and deletions)' : 'auto'],
    ['Auto-fix', s.auto_fix ? `on (at most ${s.auto_fix_attempts} attempts)` : 'off'],
    ['LLM budget', s.monthly_budget_usd === null ? 'none' : `$${s.monthly_budget_usd} a month`],
  ]);
}
