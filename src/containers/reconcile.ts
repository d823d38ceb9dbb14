/**
 * Reconciliation at daemon start (and when the engine comes back), limited to
 * what this home made (its zeblit.home label): Docker is
 * the truth about what exists, the database about what should. Adopt the
 * labelled containers of live projects (one per project: duplicates go),
 * remove everything of deleted projects, correct stale states, and mark runs
 * a dead daemon left "running" as lost.
 */
import type { ContainerSummary } from './engine.ts';
import type { EngineGate } from './gate.ts';
import { removeProjectResources, type Lifecycle } from './lifecycle.ts';
import type { Log } from './options.ts';
import { LABEL_CONFIG, LABEL_PROJECT, containerName } from './profile.ts';
import { exitReason, serialize } from './state.ts';
import type { ContainerStore } from './store.ts';

export interface ReconcileReport {
  adopted: string[];
  removed: string[];
  duplicates: string[];
  corrected: string[];
  lost_runs: number;
}

export interface ReconcileDeps {
  gate: EngineGate;
  lifecycle: Lifecycle;
  store: ContainerStore;
  log: Log;
  now: () => number;
  /** ownLabels() of this home: only what this home made is looked at. */
  owner: Record<string, string>;
  /** Runs of this daemon still in progress: not lost. */
  activeRuns: () => Set<string>;
}

export async function reconcile(d: ReconcileDeps): Promise<ReconcileReport> {
  const engine = await d.gate.get();
  const report: ReconcileReport = { adopted: [], removed: [], duplicates: [], corrected: [], lost_runs: 0 };
  const byProject = new Map<string, ContainerSummary[]>();
  for (const c of await engine.listContainers(d.owner)) {
    const p = c.labels[LABEL_PROJECT];
    if (!p) continue;
    byProject.set(p, [...(byProject.get(p) ?? []), c]);
  }
  const alive = d.store.existingProjects([...byProject.keys()]);

  for (const [projectId, list] of byProject) {
    const project = alive.has(projectId) ? d.store.project(projectId) : undefined;
    if (!project) {
      await removeProjectResources(engine, projectId);
      report.removed.push(projectId);
      continue;
    }
    const live = d.lifecycle.live(project);
    await serialize(live, async () => {
      // The keeper: the one with the project's name, else the one the database knows, else the newest.
      const sorted = [...list].sort((a, b) => b.created - a.created);
      const keep = list.find((c) => c.name === containerName(projectId)) ?? list.find((c) => c.id === live.containerId) ?? sorted[0];
      if (!keep) return;
      for (const c of list) {
        if (c.id === keep.id) continue;
        await engine.removeContainer(c.id);
        report.duplicates.push(c.id);
      }
      const info = await engine.inspectContainer(keep.id);
      if (!info) return;
      const wasState = live.state;
      live.containerId = info.id;
      live.image = info.image;
      live.configHash = info.labels[LABEL_CONFIG] ?? null;
      if (info.running) {
        // Adopted: the idle clock starts now; the runner opens on first access.
        live.startedAt = info.startedAt;
        live.lastActive = d.now();
        live.ports = info.ports.map((p) => ({ container_port: p.containerPort, host_ip: p.hostIp, host_port: p.hostPort }));
        live.exit = null;
        live.state = 'running';
        report.adopted.push(projectId);
      } else if (wasState !== 'stopped') {
        live.exit = { exit_code: info.exitCode, oom_killed: info.oomKilled, reason: exitReason(info.exitCode, info.oomKilled, info.error), at: info.finishedAt };
        live.state = 'exited';
      }
      if (wasState !== live.state) report.corrected.push(projectId);
      d.lifecycle.persist(live);
    });
  }

  // Rows that claim a container Docker does not have.
  for (const row of d.store.all()) {
    if (byProject.has(row.project_id) || (row.state === 'absent' && row.container_id === null)) continue;
    const project = d.store.project(row.project_id);
    if (!project) continue;
    const live = d.lifecycle.live(project);
    await serialize(live, async () => {
      if (live.state === 'starting') return; // a start of this daemon is under way
      // The list above is a snapshot: a start that finished while we waited made a container Docker does have.
      if (live.containerId && (await engine.inspectContainer(live.containerId))) return;
      live.containerId = null;
      live.spawner?.close();
      live.spawner = null;
      live.state = 'absent';
      d.lifecycle.persist(live);
      report.corrected.push(row.project_id);
    });
  }

  // Networks and volumes left by deleted projects.
  const leftovers = new Set<string>();
  for (const r of [...(await engine.listNetworks(d.owner)), ...(await engine.listVolumes(d.owner))]) {
    const p = r.labels[LABEL_PROJECT];
    if (p && !d.store.projectExists(p)) leftovers.add(p);
  }
  for (const p of leftovers) {
    await removeProjectResources(engine, p);
    if (!report.removed.includes(p)) report.removed.push(p);
  }

  report.lost_runs = d.store.markLostRuns(d.activeRuns());
  d.log.info({ ...report }, 'containers reconciled');
  return report;
}
