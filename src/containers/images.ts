/**
 * Which image a template's containers use: the configured image when the
 * engine has it; else pulled (progress published as build.status); else the
 * locally built image (scripts/build-images.sh). A failed pull is remembered
 * for `pullRetryMs`, so a machine without a registry does not retry on every start.
 */
import { ZeblitError, type BuildStatus, type ImageStatus, type Template, type TemplateName } from '../contracts/index.ts';
import type { ContainerEngine } from './engine.ts';

export interface ImagesOptions {
  templates: Record<TemplateName, Template>;
  /** Config overrides: template → image. */
  overrides?: Partial<Record<TemplateName, string>>;
  publish: (s: BuildStatus) => void;
  now?: () => number;
  pullRetryMs?: number;
  /** A pull that makes no progress for this long is given up. */
  pullStallMs?: number;
  /** Shortest gap between two progress records of one pull. */
  progressEveryMs?: number;
}

export class Images {
  private readonly resolved = new Map<TemplateName, string>();
  private readonly last = new Map<TemplateName, BuildStatus>();
  private readonly pullFailedAt = new Map<string, number>();
  private readonly inflight = new Map<TemplateName, Promise<string>>();
  private readonly now: () => number;

  constructor(private readonly opts: ImagesOptions) {
    this.now = opts.now ?? Date.now;
  }

  configured(template: TemplateName): string {
    return this.opts.overrides?.[template] ?? this.opts.templates[template].image;
  }

  /** One resolution per template at a time; later callers share it. */
  resolve(engine: ContainerEngine, template: TemplateName, projectId: string | null): Promise<string> {
    const running = this.inflight.get(template);
    if (running) return running;
    const p = this.doResolve(engine, template, projectId).finally(() => this.inflight.delete(template));
    this.inflight.set(template, p);
    return p;
  }

  /** Forget what was resolved (an image was removed under us). */
  invalidate(template: TemplateName): void {
    this.resolved.delete(template);
  }

  status(): ImageStatus[] {
    return (Object.keys(this.opts.templates) as TemplateName[]).map((name) => {
      const last = this.last.get(name) ?? null;
      const resolved = this.resolved.get(name) ?? null;
      const state: ImageStatus['state'] =
        last?.status === 'pulling' || last?.status === 'checking'
          ? 'pulling'
          : resolved === null
            ? last?.status === 'failed'
              ? 'missing'
              : 'unknown'
            : resolved === this.configured(name)
              ? 'present'
              : 'local';
      return { template: name, image: this.configured(name), local_image: this.opts.templates[name].local_image, resolved, state, last };
    });
  }

  /**
   * status(), with the templates not resolved yet looked up in the engine
   * (present, local fallback, or missing), without pulling anything: what
   * `zeblit doctor` needs to say whether a first start would find an image.
   */
  async presence(engine: ContainerEngine): Promise<ImageStatus[]> {
    return Promise.all(
      this.status().map(async (s) => {
        if (s.state !== 'unknown') return s;
        if (await engine.imageExists(s.image)) return { ...s, state: 'present' as const };
        if (s.local_image !== s.image && (await engine.imageExists(s.local_image))) return { ...s, state: 'local' as const };
        return { ...s, state: 'missing' as const };
      }),
    );
  }

  private publish(template: TemplateName, image: string, projectId: string | null, status: BuildStatus['status'], message: string, progress: BuildStatus['progress'] = null): void {
    const s: BuildStatus = { template, image, project_id: projectId, status, message, progress, at: this.now() };
    this.last.set(template, s);
    this.opts.publish(s);
  }

  private async doResolve(engine: ContainerEngine, template: TemplateName, projectId: string | null): Promise<string> {
    const cached = this.resolved.get(template);
    if (cached && (await engine.imageExists(cached))) return cached;
    const image = this.configured(template);
    const local = this.opts.templates[template].local_image;
    if (await engine.imageExists(image)) return this.done(template, image, projectId, 'ready', `${image} is present`);
    const failedAt = this.pullFailedAt.get(image);
    const retryMs = this.opts.pullRetryMs ?? 10 * 60_000;
    let pullError = failedAt !== undefined && this.now() - failedAt < retryMs ? 'a recent pull failed' : null;
    if (pullError === null) {
      try {
        await this.pull(engine, template, image, projectId);
        return this.done(template, image, projectId, 'ready', `pulled ${image}`);
      } catch (e) {
        if (e instanceof ZeblitError && e.code === 'DOCKER_UNAVAILABLE') throw e;
        pullError = e instanceof Error ? e.message : String(e);
        this.pullFailedAt.set(image, this.now());
      }
    }
    if (local !== image && (await engine.imageExists(local)))
      return this.done(template, local, projectId, 'fallback', `${image} cannot be pulled (${pullError}); using the local image ${local}`);
    this.publish(template, image, projectId, 'failed', `${image} is missing and cannot be pulled (${pullError}); ${local} is missing too`);
    throw new ZeblitError('UNAVAILABLE', `No image for the ${template} template: ${image} cannot be pulled and ${local} does not exist`, {
      details: { image, local_image: local, pull_error: pullError },
      suggestion: 'Build the local images with `bash scripts/build-images.sh`, or set "images" in config.json to an image you have.',
    });
  }

  private done(template: TemplateName, image: string, projectId: string | null, status: 'ready' | 'fallback', message: string): string {
    const changed = this.resolved.get(template) !== image;
    this.resolved.set(template, image);
    if (changed || status !== 'ready') this.publish(template, image, projectId, status, message);
    return image;
  }

  private async pull(engine: ContainerEngine, template: TemplateName, image: string, projectId: string | null): Promise<void> {
    this.publish(template, image, projectId, 'pulling', `pulling ${image}`, { current: 0, total: 0 });
    const stallMs = this.opts.pullStallMs ?? 60_000;
    const every = this.opts.progressEveryMs ?? 250;
    const abort = new AbortController();
    let stall: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(stall);
      stall = setTimeout(() => abort.abort(), stallMs);
    };
    let lastAt = 0;
    arm();
    try {
      await engine.pullImage(
        image,
        (p) => {
          arm();
          const t = this.now();
          if (t - lastAt < every) return;
          lastAt = t;
          this.publish(template, image, projectId, 'pulling', p.message || `pulling ${image}`, { current: p.current, total: p.total });
        },
        abort.signal,
      );
    } finally {
      clearTimeout(stall);
    }
    if (abort.signal.aborted) throw new Error(`no progress for ${stallMs} ms`);
  }
}
