/**
 * Engine availability. Invariant: while the engine is known to be down, every
 * caller gets DOCKER_UNAVAILABLE at once (no waiting on a dead socket), and
 * the engine is probed again at most once per `retryMs`, lazily, by whoever
 * asks next: so the daemon picks up an engine that comes back without a
 * restart, and the rest of the API never waits on Docker.
 */
import type { EngineStatus } from '../contracts/index.ts';
import { describeEndpoint, discoverEndpoint, dockerUnavailable } from './discovery.ts';
import type { ContainerEngine, Endpoint } from './engine.ts';

export type EngineFactory = (endpoint: Endpoint, onDown: (err: unknown) => void) => ContainerEngine;

export interface GateOptions {
  factory: EngineFactory;
  /** Re-run at each probe while down, so DOCKER_HOST or a socket that appears later is found. */
  discover?: () => Endpoint;
  now?: () => number;
  /** How long a "down" verdict holds before the next caller probes again. */
  retryMs?: number;
  /** How long a status report holds before /health probes again. */
  statusTtlMs?: number;
  pingTimeoutMs?: number;
}

export class EngineGate {
  private engine: ContainerEngine | null = null;
  private up = false;
  private version: string | null = null;
  private lastError: string | undefined;
  private checkedAt = -Infinity;
  private probing: Promise<void> | null = null;
  private readonly listeners: ((up: boolean) => void)[] = [];
  private readonly now: () => number;
  private readonly retryMs: number;
  private readonly statusTtlMs: number;
  private readonly pingTimeoutMs: number;
  private readonly discover: () => Endpoint;

  constructor(private readonly opts: GateOptions) {
    this.now = opts.now ?? Date.now;
    this.retryMs = opts.retryMs ?? 1_000;
    this.statusTtlMs = opts.statusTtlMs ?? 2_000;
    this.pingTimeoutMs = opts.pingTimeoutMs ?? 3_000;
    this.discover = opts.discover ?? (() => discoverEndpoint());
  }

  /** Tells when the engine goes away or comes back. */
  onChange(fn: (up: boolean) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** The engine, when it answers; DOCKER_UNAVAILABLE otherwise. Free when it is known to be up. */
  async get(): Promise<ContainerEngine> {
    if (this.up && this.engine) return this.engine;
    if (this.now() - this.checkedAt >= this.retryMs) await this.probe();
    if (this.up && this.engine) return this.engine;
    throw dockerUnavailable(this.endpointLabel(), this.lastError ? new Error(this.lastError) : undefined);
  }

  /** What GET /health reports. Probes when the last word is older than statusTtlMs. */
  async status(): Promise<EngineStatus> {
    if (this.now() - this.checkedAt >= this.statusTtlMs) await this.probe();
    return {
      reachable: this.up,
      version: this.up ? this.version : null,
      endpoint: this.endpointLabel(),
      ...(!this.up && this.lastError ? { error: this.lastError } : {}),
    };
  }

  /** Called by the engine when a request found nobody there. */
  markDown(err: unknown): void {
    this.lastError = err instanceof Error ? err.message : String(err);
    this.checkedAt = this.now();
    this.setUp(false);
  }

  get isUp(): boolean {
    return this.up;
  }

  private endpointLabel(): string {
    if (this.engine) return this.engine.endpoint;
    try {
      return describeEndpoint(this.discover());
    } catch {
      return 'unknown';
    }
  }

  /** One probe at a time; concurrent callers share it. */
  probe(): Promise<void> {
    this.probing ??= this.runProbe().finally(() => {
      this.probing = null;
    });
    return this.probing;
  }

  private async runProbe(): Promise<void> {
    let endpoint: Endpoint;
    try {
      endpoint = this.discover();
    } catch (e) {
      this.lastError = e instanceof Error ? e.message : String(e);
      this.checkedAt = this.now();
      return this.setUp(false);
    }
    const label = describeEndpoint(endpoint);
    if (!this.engine || this.engine.endpoint !== label) this.engine = this.opts.factory(endpoint, (err) => this.markDown(err));
    const engine = this.engine;
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${this.pingTimeoutMs} ms`)), this.pingTimeoutMs);
      });
      const v = await Promise.race([engine.version(), timeout]);
      this.version = v.version;
      this.lastError = undefined;
      this.checkedAt = this.now();
      this.setUp(true);
    } catch (e) {
      this.lastError = e instanceof Error ? e.message.replace(/^The container engine at \S+ does not answer: /, '') : String(e);
      this.checkedAt = this.now();
      this.setUp(false);
    } finally {
      clearTimeout(timer);
    }
  }

  private setUp(up: boolean): void {
    if (this.up === up) return;
    this.up = up;
    for (const l of [...this.listeners]) {
      try {
        l(up);
      } catch {
        // A listener's failure is its own business.
      }
    }
  }
}
