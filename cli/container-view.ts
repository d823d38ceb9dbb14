/** Human renderings of container status and runs, shared by start/stop/restart/status/runs. */
import type { ContainerStatus, Project, RunSummary } from '../src/contracts/index.ts';
import { formatDuration, formatTime } from './format.ts';
import { formatDetails, formatTable } from './table.ts';

export function containerDetails(s: ContainerStatus, project?: Project): string {
  const ports = s.ports.map((p) => `${p.host_ip}:${p.host_port ?? '?'}->${p.container_port}`).join(', ');
  const uptime = s.started_at ? ` (up ${formatDuration((Date.now() - s.started_at) / 1000)})` : '';
  return formatDetails([
    ...(project ? ([['Project', `${project.name} (${project.id})`], ['Template', project.template]] as const) : []),
    ['Container', `${s.state}${s.state === 'running' ? uptime : ''}`],
    ...(s.exit && s.state !== 'running' ? ([['Reason', s.exit.reason]] as const) : []),
    ['Name', s.name],
    ['Image', s.image],
    ['Health', s.health],
    ['Limits', `${s.limits.cpus} CPUs, ${s.limits.memory_mb} MiB, ${s.limits.pids} processes`],
    ['Network', s.network],
    ['Ports', ports || null],
    ['Runs now', s.active_runs],
    ['Last active', formatTime(s.last_active_at)],
    ['Idle stop', s.idle_timeout_minutes === 0 ? 'never' : `after ${s.idle_timeout_minutes} min`],
    ['Commands via', s.channel],
    ...(s.config_stale ? ([['Note', 'settings changed: `zeblit restart` applies them']] as const) : []),
  ]);
}

export function runTable(runs: readonly RunSummary[]): string {
  return formatTable(
    ['run', 'status', 'exit', 'started', 'took', 'command'],
    runs.map((r) => [r.id, r.status, r.exit_code, formatTime(r.started_at), r.duration_ms === null ? null : `${(r.duration_ms / 1000).toFixed(1)}s`, r.command.length > 60 ? `${r.command.slice(0, 57)}...` : r.command]),
  );
}
