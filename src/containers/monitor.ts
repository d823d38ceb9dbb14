/**
 * Watches running containers. Docker's die/oom events update the state at
 * once; a periodic inspect plus a probe (runner ping) catches what events
 * miss; an idle check stops containers after the project's idle timeout,
 * measured from the last activity and never while a run is active.
 */
import type { Project } from '../contracts/index.ts';
import type { EngineEvent, Subscription } from './engine.ts';
import type { EngineGate } from './gate.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { Log, Timers } from './options.ts';
import { LABEL_PROJECT } from './profile.ts';
import type { Live } from './state.ts';

export interface MonitorDeps {
  gate: EngineGate;
  lifecycle: Lifecycle;
  /** The project's current row (settings may have changed since the last access). */
  project: (id: string) => Project | undefined;
  now: () => number;
  log: Log;
  timers: Timers;
  idleCheckMs: number;
  healthCheckMs: number;
  probeTimeoutMs?: number;
  /** ownLabels() of this home: the events of other homes' containers are not ours. */
  owner: Record<string, string>;
}

export class Monitor {
  private idleTimer: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private events: Subscription | null = null;
  private subscribing = false;
  private retry: NodeJS.Timeout | null = null;
  private stopped = true;
  private offGate: (() => void) | null = null;
  private idleRunning = false;
  private healthRunning = false;

  constructor(private readonly d: MonitorDeps) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.idleTimer = this.d.timers.setInterval(() => void this.checkIdle(), this.d.idleCheckMs);
    this.healthTimer = this.d.timers.setInterval(() => void this.checkHealth(), this.d.healthCheckMs);
    this.idleTimer.unref?.();
    this.healthTimer.unref?.();
    this.offGate = this.d.gate.onChange((up) => {
      if (up) void this.subscribe();
    });
    void this.subscribe();
  }

  stop(): void {
    this.stopped = true;
    if (this.idleTimer) this.d.timers.clearInterval(this.idleTimer);
    if (this.healthTimer) this.d.timers.clearInterval(this.healthTimer);
    if (this.retry) clearTimeout(this.retry);
    this.offGate?.();
    this.events?.close();
    this.events = null;
  }

  /** Stops every container that has been idle longer than its project allows. */
  async checkIdle(): Promise<string[]> {
    if (this.idleRunning) return [];
    this.idleRunning = true;
    const stopped: string[] = [];
    try {
      for (const live of [...this.d.lifecycle.lives.values()]) {
        if (live.state !== 'running' || live.activeRuns.size > 0) continue;
        const project = this.d.project(live.project.id);
        if (!project) continue;
        const minutes = project.settings.idle_timeout_minutes;
        if (minutes === 0) continue;
        const since = live.lastActive ?? live.startedAt ?? this.d.now();
        if (this.d.now() - since < minutes * 60_000) continue;
        try {
          await this.d.lifecycle.stop(project, `stopped after ${minutes} min idle`);
          stopped.push(project.id);
          this.d.log.info({ project_id: project.id, idle_minutes: minutes }, 'stopped an idle container');
        } catch (err) {
          this.d.log.warn({ project_id: project.id, err }, 'idle stop failed');
        }
      }
    } finally {
      this.idleRunning = false;
    }
    return stopped;
  }

  /** Inspects every container believed running, and probes its way in. */
  async checkHealth(): Promise<void> {
    // While the engine is down this is also the probe that notices it came back.
    if (this.healthRunning) return;
    this.healthRunning = true;
    try {
      const engine = await this.d.gate.get();
      for (const live of [...this.d.lifecycle.lives.values()]) {
        if (live.state !== 'running' || !live.containerId) continue;
        const info = await engine.inspectContainer(live.containerId);
        if (!info || !info.running) {
          this.d.lifecycle.markDied(live, info?.exitCode ?? null, info?.oomKilled ?? false, info ? info.error : 'the container was removed outside Zeblit');
          continue;
        }
        const ok = live.spawner ? await live.spawner.ping(this.d.probeTimeoutMs ?? 5_000) : true;
        const health = ok ? 'healthy' : 'unhealthy';
        if (health !== live.health) {
          live.health = health;
          this.d.lifecycle.persist(live);
        }
      }
    } catch (err) {
      this.d.log.debug({ err }, 'health check skipped');
    } finally {
      this.healthRunning = false;
    }
  }

  /** What Docker says happened to one of our containers. */
  onEvent(e: EngineEvent): void {
    const live = this.find(e);
    if (!live) return;
    if (e.action === 'oom') {
      live.oomAt = e.at || this.d.now();
      return;
    }
    if (e.action !== 'die' || live.state !== 'running') return;
    // The die event has the exit code; OOMKilled needs an inspect (or a recent oom event).
    void this.d.gate
      .get()
      .then((engine) => engine.inspectContainer(e.containerId))
      .then((info) => {
        if (info?.running) return;
        const oom = info?.oomKilled ?? (live.oomAt !== null && live.oomAt >= (live.startedAt ?? 0));
        this.d.lifecycle.markDied(live, e.exitCode ?? info?.exitCode ?? null, oom, info?.error ?? null);
      })
      .catch(() => this.d.lifecycle.markDied(live, e.exitCode, false, null));
  }

  private find(e: EngineEvent): Live | undefined {
    const byLabel = e.labels[LABEL_PROJECT];
    const live = byLabel ? this.d.lifecycle.lives.get(byLabel) : undefined;
    if (live && (live.containerId === null || live.containerId === e.containerId)) return live;
    for (const l of this.d.lifecycle.lives.values()) if (l.containerId === e.containerId) return l;
    return undefined;
  }

  private async subscribe(): Promise<void> {
    if (this.stopped || this.events || this.subscribing) return;
    this.subscribing = true;
    try {
      const engine = await this.d.gate.get();
      this.events = await engine.events(this.d.owner, (e) => this.onEvent(e), (err) => {
        this.events = null;
        if (this.stopped) return;
        this.d.log.debug({ err }, 'docker events ended; resubscribing');
        this.retry = setTimeout(() => void this.subscribe(), 1_000);
        this.retry.unref?.();
      });
    } catch {
      // Down: the gate's onChange resubscribes when it comes back.
    } finally {
      this.subscribing = false;
    }
  }
}
