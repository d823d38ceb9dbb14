/** The dockerode implementation of ContainerEngine: the only place that imports dockerode. */
import { posix } from 'node:path';
import type { Duplex, Readable } from 'node:stream';
import Docker from 'dockerode';
import { ZeblitError } from '../../contracts/index.ts';
import { describeEndpoint } from '../discovery.ts';
import type {
  ArchiveEntryInfo,
  ContainerEngine,
  ContainerInfo,
  ContainerSpec,
  ContainerSummary,
  Endpoint,
  EngineContainerState,
  EngineEvent,
  EngineExec,
  EngineFacts,
  EngineVersion,
  ExecOptions,
  LabelledResource,
  PullProgress,
  RawLogLine,
  Subscription,
} from '../engine.ts';
import { missingSegments, parsePathStat, prefixArchive } from './archive.ts';
import { statusOf, translate } from './errors.ts';
import { Demuxer, lineSplitter, splitLogLine, wrapExec } from './stream.ts';

const labelFilter = (labels: Record<string, string>) => JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });
const time = (s: string | undefined) => {
  const t = s ? Date.parse(s) : Number.NaN;
  return Number.isNaN(t) || t <= 0 ? null : t;
};

function dockerOptions(e: Endpoint): Docker.DockerOptions {
  if (e.kind === 'unix') return { socketPath: e.socketPath };
  if (e.kind === 'ssh') {
    const u = new URL(e.url);
    return { protocol: 'ssh', host: u.hostname, port: u.port ? Number(u.port) : 22, username: u.username || undefined };
  }
  if (!e.tls) return { protocol: 'http', host: e.host, port: e.port };
  return { protocol: 'https', host: e.host, port: e.port, ca: e.tls.ca, cert: e.tls.cert, key: e.tls.key };
}

export class DockerEngine implements ContainerEngine {
  readonly endpoint: string;
  private readonly docker: Docker;

  /** `onDown` is told whenever the engine fails to answer, so callers can stop trying for a while. */
  constructor(
    endpoint: Endpoint,
    private readonly onDown: (err: unknown) => void = () => {},
    docker?: Docker,
  ) {
    this.endpoint = describeEndpoint(endpoint);
    this.docker = docker ?? new Docker(dockerOptions(endpoint));
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      throw translate(e, this.endpoint, this.onDown, what);
    }
  }

  /** Like call(), but a 404 is an answer: null. */
  private async maybe<T>(what: string, fn: () => Promise<T>): Promise<T | null> {
    try {
      return await fn();
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw translate(e, this.endpoint, this.onDown, what);
    }
  }

  async version(): Promise<EngineVersion> {
    const v = await this.call('version', () => this.docker.version());
    return { version: v.Version, apiVersion: v.ApiVersion, os: `${v.Os}/${v.Arch}` };
  }

  async facts(): Promise<EngineFacts> {
    const i = (await this.call('info', () => this.docker.info())) as Record<string, unknown>;
    const bool = (k: string) => (typeof i[k] === 'boolean' ? (i[k] as boolean) : null);
    const num = (k: string) => (typeof i[k] === 'number' ? (i[k] as number) : null);
    const memory = bool('MemoryLimit');
    const cpu = bool('CpuCfsQuota');
    const pids = bool('PidsLimit');
    return {
      os: typeof i.OperatingSystem === 'string' ? i.OperatingSystem : null,
      cgroupVersion: typeof i.CgroupVersion === 'string' ? i.CgroupVersion : null,
      cpus: num('NCPU'),
      memoryBytes: num('MemTotal'),
      containersRunning: num('ContainersRunning'),
      systemTime: typeof i.SystemTime === 'string' && Number.isFinite(Date.parse(i.SystemTime)) ? Date.parse(i.SystemTime) : null,
      limits: memory === null && cpu === null && pids === null ? null : { memory: memory === true, cpu: cpu === true, pids: pids === true },
      warnings: Array.isArray(i.Warnings) ? i.Warnings.filter((w): w is string => typeof w === 'string') : [],
    };
  }

  async ping(): Promise<void> {
    await this.call('ping', () => this.docker.ping());
  }

  async imageExists(ref: string): Promise<boolean> {
    return (await this.maybe('inspect image', () => this.docker.getImage(ref).inspect())) !== null;
  }

  async pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void> {
    const stream = await this.call(`pull ${ref}`, () => this.docker.pull(ref, { abortSignal: signal }));
    const layers = new Map<string, { current: number; total: number }>();
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err) => (err ? reject(new ZeblitError('UNAVAILABLE', `Pulling ${ref} failed: ${err.message}`, { cause: err })) : resolve()),
        (ev: { id?: string; status?: string; error?: string; progressDetail?: { current?: number; total?: number } }) => {
          if (ev.error) return;
          const d = ev.progressDetail;
          if (ev.id && d && typeof d.total === 'number' && d.total > 0) layers.set(ev.id, { current: d.current ?? 0, total: d.total });
          let current = 0;
          let total = 0;
          for (const l of layers.values()) {
            current += l.current;
            total += l.total;
          }
          onProgress({ current, total, message: ev.status ?? '' });
        },
      );
      signal?.addEventListener('abort', () => (stream as Readable).destroy(new Error('pull aborted')), { once: true });
    });
  }

  async ensureNetwork(name: string, labels: Record<string, string>): Promise<void> {
    const found = await this.maybe('inspect network', () => this.docker.getNetwork(name).inspect());
    if (found) return;
    try {
      await this.docker.createNetwork({ Name: name, Driver: 'bridge', Labels: labels, CheckDuplicate: true });
    } catch (e) {
      if (statusOf(e) === 409) return;
      throw translate(e, this.endpoint, this.onDown, `create network ${name}`);
    }
  }

  async removeNetwork(name: string): Promise<void> {
    await this.maybe(`remove network ${name}`, () => this.docker.getNetwork(name).remove());
  }

  async listNetworks(labels: Record<string, string>): Promise<LabelledResource[]> {
    const list = await this.call('list networks', () => this.docker.listNetworks({ filters: labelFilter(labels) }));
    return list.map((n) => ({ name: n.Name, labels: n.Labels ?? {} }));
  }

  async ensureVolume(name: string, labels: Record<string, string>, bindDevice?: string): Promise<void> {
    const found = await this.maybe('inspect volume', () => this.docker.getVolume(name).inspect());
    if (found) return;
    const DriverOpts = bindDevice ? { type: 'none', o: 'bind', device: bindDevice } : undefined;
    await this.call(`create volume ${name}`, () => this.docker.createVolume({ Name: name, Labels: labels, ...(DriverOpts ? { DriverOpts } : {}) }));
  }

  async removeVolume(name: string): Promise<void> {
    await this.maybe(`remove volume ${name}`, () => this.docker.getVolume(name).remove());
  }

  async listVolumes(labels: Record<string, string>): Promise<LabelledResource[]> {
    const res = await this.call('list volumes', () => this.docker.listVolumes({ filters: labelFilter(labels) }));
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of spec.ports) {
      exposed[`${p.containerPort}/tcp`] = {};
      bindings[`${p.containerPort}/tcp`] = [{ HostIp: p.hostIp, HostPort: p.hostPort === null ? '' : String(p.hostPort) }];
    }
    const c = await this.call(`create container ${spec.name}`, () =>
      this.docker.createContainer({
        name: spec.name,
        Image: spec.image,
        Cmd: spec.cmd,
        User: spec.user,
        WorkingDir: spec.workdir,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ExposedPorts: exposed,
        HostConfig: {
          Init: spec.hardening.init,
          CapDrop: spec.hardening.capDrop,
          SecurityOpt: spec.hardening.noNewPrivileges ? ['no-new-privileges'] : [],
          ReadonlyRootfs: spec.hardening.readonlyRootfs,
          Mounts: [
            ...spec.binds.map((b) => ({ Type: 'bind' as const, Source: b.source, Target: b.target, ReadOnly: b.readonly ?? false })),
            ...spec.volumes.map((v) => ({ Type: 'volume' as const, Source: v.name, Target: v.target })),
          ],
          Tmpfs: spec.tmpfs,
          Memory: spec.limits.memoryBytes,
          MemorySwap: spec.limits.memoryBytes,
          NanoCpus: spec.limits.nanoCpus,
          PidsLimit: spec.limits.pids,
          NetworkMode: spec.network,
          PortBindings: bindings,
          RestartPolicy: { Name: 'no' },
          LogConfig: { Type: 'json-file', Config: { 'max-size': String(spec.log.maxBytes), 'max-file': String(spec.log.maxFiles) } },
        },
      }),
    );
    return c.id;
  }

  async startContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (e) {
      if (statusOf(e) === 304) return; // already running
      throw translate(e, this.endpoint, this.onDown, 'start container');
    }
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: timeoutSeconds });
    } catch (e) {
      const s = statusOf(e);
      if (s === 304 || s === 404) return; // already stopped, or gone
      throw translate(e, this.endpoint, this.onDown, 'stop container');
    }
  }

  async removeContainer(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: false });
    } catch (e) {
      // 404: gone already; 409: removal already in progress.
      if (statusOf(e) === 404 || statusOf(e) === 409) return;
      throw translate(e, this.endpoint, this.onDown, 'remove container');
    }
  }

  async inspectContainer(idOrName: string): Promise<ContainerInfo | null> {
    const i = await this.maybe('inspect container', () => this.docker.getContainer(idOrName).inspect());
    if (!i) return null;
    const ports: ContainerInfo['ports'] = [];
    for (const [key, binds] of Object.entries(i.NetworkSettings?.Ports ?? {})) {
      const containerPort = Number.parseInt(key, 10);
      for (const b of binds ?? []) ports.push({ containerPort, hostIp: b.HostIp, hostPort: b.HostPort ? Number(b.HostPort) : null });
    }
    return {
      id: i.Id,
      name: i.Name.replace(/^\//, ''),
      image: i.Config.Image,
      state: i.State.Status as EngineContainerState,
      running: i.State.Running,
      exitCode: i.State.Running ? null : i.State.ExitCode,
      oomKilled: i.State.OOMKilled,
      error: i.State.Error || null,
      startedAt: time(i.State.StartedAt),
      finishedAt: time(i.State.FinishedAt),
      labels: i.Config.Labels ?? {},
      ports,
    };
  }

  async listContainers(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const list = await this.call('list containers', () => this.docker.listContainers({ all: true, filters: labelFilter(labels) }));
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      state: c.State as EngineContainerState,
      labels: c.Labels ?? {},
      created: c.Created * 1000,
    }));
  }

  async exec(containerId: string, o: ExecOptions): Promise<EngineExec> {
    return this.call('exec', async () => {
      const exec = await this.docker.getContainer(containerId).exec({
        Cmd: o.cmd,
        Env: Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${v}`),
        WorkingDir: o.workdir,
        User: o.user,
        AttachStdin: o.stdin,
        AttachStdout: true,
        AttachStderr: true,
        Tty: false,
      });
      const stream = (await exec.start({ hijack: true, stdin: o.stdin })) as Duplex;
      return wrapExec(exec, stream);
    });
  }

  async logs(containerId: string, o: { tail: number; since?: number }): Promise<RawLogLine[]> {
    const buf = await this.call('logs', () =>
      this.docker.getContainer(containerId).logs({ stdout: true, stderr: true, timestamps: true, follow: false, tail: o.tail, since: o.since ? o.since / 1000 : 0 }),
    );
    const lines: RawLogLine[] = [];
    const split = lineSplitter((s, l) => lines.push(splitLogLine(s, l)));
    new Demuxer((s, c) => split.push(s, c)).push(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
    split.flush();
    return lines;
  }

  async followLogs(containerId: string, o: { tail: number; since?: number }, onLine: (l: RawLogLine) => void, signal: AbortSignal): Promise<void> {
    const stream = await this.call('logs', () =>
      this.docker.getContainer(containerId).logs({ stdout: true, stderr: true, timestamps: true, follow: true, tail: o.tail, since: o.since ? o.since / 1000 : 0 }),
    );
    const split = lineSplitter((s, l) => onLine(splitLogLine(s, l)));
    const demux = new Demuxer((s, c) => split.push(s, c));
    await new Promise<void>((resolve) => {
      const done = () => {
        split.flush();
        resolve();
      };
      stream.on('data', (c: Buffer) => demux.push(c));
      stream.on('end', done);
      stream.on('close', done);
      stream.on('error', done);
      if (signal.aborted) (stream as Readable).destroy();
      signal.addEventListener('abort', () => (stream as Readable).destroy(), { once: true });
    });
  }

  async events(labels: Record<string, string>, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<Subscription> {
    const filters = JSON.stringify({
      type: ['container'],
      event: ['die', 'oom', 'start', 'stop', 'kill', 'destroy'],
      label: Object.entries(labels).map(([k, v]) => `${k}=${v}`),
    });
    const stream = (await this.call('events', () => this.docker.getEvents({ filters }))) as Readable;
    let partial = '';
    let ended = false;
    const end = (err?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.trim()) continue;
        try {
          const ev = JSON.parse(line) as { Action?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; timeNano?: number; time?: number };
          const attrs = ev.Actor?.Attributes ?? {};
          const action = (ev.Action ?? '').split(':')[0] as EngineEvent['action'];
          const exit = attrs.exitCode;
          onEvent({
            containerId: ev.Actor?.ID ?? ev.id ?? '',
            action,
            labels: attrs,
            exitCode: exit !== undefined && exit !== '' ? Number(exit) : null,
            at: ev.timeNano ? Math.floor(ev.timeNano / 1e6) : (ev.time ?? 0) * 1000,
          });
        } catch {
          // A line we do not understand is not worth dropping the subscription for.
        }
      }
    });
    stream.on('end', () => end());
    stream.on('close', () => end());
    stream.on('error', (err: Error) => end(err));
    return { close: () => stream.destroy() };
  }

  async statPath(containerId: string, path: string): Promise<ArchiveEntryInfo | null> {
    const res = await this.maybe('stat path', () => this.docker.getContainer(containerId).infoArchive({ path }) as Promise<unknown>);
    if (res === null) return null;
    const msg = res as Readable & { headers?: Record<string, string | string[] | undefined> };
    // An unread answer keeps its keep-alive socket, and with it the process, open.
    msg.resume?.();
    return parsePathStat(msg.headers?.['x-docker-container-path-stat']);
  }

  async putArchive(containerId: string, dir: string, archive: Buffer | Readable): Promise<void> {
    let target = posix.normalize(dir);
    let body: Buffer | Readable = archive;
    if (!(await this.statPath(containerId, target))) {
      let existing = posix.dirname(target);
      while (existing !== '/' && !(await this.statPath(containerId, existing))) existing = posix.dirname(existing);
      const owner = await this.ownerOf(containerId);
      body = prefixArchive(archive, missingSegments(existing, target), owner);
      target = existing;
    }
    const res = await this.call('put archive', () => this.docker.getContainer(containerId).putArchive(body, { path: target }) as Promise<unknown>);
    (res as Readable | undefined)?.resume?.();
  }

  async getArchive(containerId: string, path: string): Promise<Readable | null> {
    const s = await this.maybe('get archive', () => this.docker.getContainer(containerId).getArchive({ path }));
    return s as Readable | null;
  }

  /** The uid:gid the container runs as, for folders created on its behalf. */
  private async ownerOf(containerId: string): Promise<{ uid: number; gid: number }> {
    const i = await this.call('inspect container', () => this.docker.getContainer(containerId).inspect());
    const [uid, gid] = (i.Config.User || '0:0').split(':').map((n) => Number.parseInt(n, 10));
    return { uid: Number.isFinite(uid) ? (uid as number) : 0, gid: Number.isFinite(gid) ? (gid as number) : 0 };
  }
}
