/**
 * Test helpers for code that needs the real engine. Without Docker the suites
 * skip with a clear reason, unless ZEBLIT_REQUIRE_DOCKER=1 (CI): then they fail.
 * Everything a test environment creates (projects, containers, networks,
 * volumes, the temporary home) is removed by `close()`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { Auth } from '../auth/index.ts';
import { ExecuteRequest, zeblitPaths, type ExecuteRequest as ExecuteRequestInput, type ExecuteResult, type Project, type User, type ZeblitPaths } from '../contracts/index.ts';
import { openDatabase, type OpenedDatabase } from '../db/index.ts';
import { Projects } from '../projects/index.ts';
import { discoverEndpoint } from './discovery.ts';
import { DockerEngine } from './docker/engine.ts';
import { Containers } from './index.ts';
import { LABEL_PROJECT } from './profile.ts';
import type { ContainersOptions } from './options.ts';

const run = promisify(execFile);
export const REQUIRED = process.env.ZEBLIT_REQUIRE_DOCKER === '1';
export const TEST_IMAGE = 'zeblit/blank:local';
export const NO_PERL_IMAGE = 'zeblit/busybox:local';

/** Why container tests cannot run here (null: they can). */
export async function dockerUnavailableReason(images: string[] = [TEST_IMAGE]): Promise<string | null> {
  const engine = new DockerEngine(discoverEndpoint());
  try {
    await Promise.race([engine.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 5 s')), 5_000).unref())]);
  } catch (e) {
    return `no Docker engine at ${engine.endpoint} (${e instanceof Error ? e.message : String(e)}); start one with scripts/ensure-docker.sh`;
  }
  for (const image of images) if (!(await engine.imageExists(image))) return `image ${image} is missing; build it with scripts/build-images.sh`;
  return null;
}

/**
 * Options for describe(): skip with the reason. When Docker is required
 * (ZEBLIT_REQUIRE_DOCKER=1) and missing, it also registers a test that fails
 * with the reason, so the run counts a failure and not only cancelled tests.
 */
export function dockerSuite(reason: string | null): { skip?: string } {
  if (reason && REQUIRED)
    test('the Docker engine is required here (ZEBLIT_REQUIRE_DOCKER=1)', () => {
      throw new Error(`ZEBLIT_REQUIRE_DOCKER=1 but ${reason}`);
    });
  return reason && !REQUIRED ? { skip: `Docker tests skipped: ${reason} (ZEBLIT_REQUIRE_DOCKER=1 makes this a failure)` } : {};
}

/** For before(): fails loudly when Docker is required and missing. */
export function requireDocker(reason: string | null): void {
  if (reason) throw new Error(`ZEBLIT_REQUIRE_DOCKER=1 but ${reason}`);
}

export interface ContainerTestEnv {
  home: string;
  paths: ZeblitPaths;
  database: OpenedDatabase;
  projects: Projects;
  owner: User;
  containers: Containers;
  project(name: string, settings?: Partial<Project['settings']>, template?: Project['template']): Project;
  /** Another service over the same database, as a restarted daemon would build it. */
  service(opts?: ContainersOptions): Containers;
  exec(project: Project, command: ExecuteRequestInput['command'], more?: Omit<ExecuteRequestInput, 'command'>): Promise<ExecuteResult>;
  close(): Promise<void>;
}

export function containerTestEnv(opts: ContainersOptions = {}): ContainerTestEnv {
  const home = mkdtempSync(join(tmpdir(), 'zbl-ct-'));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });
  const database = openDatabase(paths.db);
  const auth = Auth.fromSecretFile(database.db, paths.secret);
  const owner = auth.users.ensureOwner('owner');
  const projects = new Projects(database.db, paths);
  const services: Containers[] = [];
  const made: string[] = [];
  const service = (o: ContainersOptions = {}) => {
    const c = new Containers(database.db, paths, { stopTimeoutSeconds: 1, ...opts, ...o });
    services.push(c);
    return c;
  };
  const containers = service();
  projects.onDelete((p) => containers.onProjectDeleted(p));
  return {
    home,
    paths,
    database,
    projects,
    owner,
    containers,
    service,
    project(name, settings = {}, template = 'blank') {
      const p = projects.create(owner.id, { name, template, settings });
      made.push(p.id);
      return p;
    },
    async exec(project, command, more = {}) {
      const r = await containers.run({ userId: owner.id, keyId: null, clientType: 'cli' }, project, ExecuteRequest.parse({ command, ...more }));
      return r.finished;
    },
    async close() {
      for (const s of services) await s.close();
      await removeTestResources(made);
      database.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** Containers, networks and volumes of these projects, whatever state they are in. */
export async function removeTestResources(projectIds: string[]): Promise<void> {
  const engine = new DockerEngine(discoverEndpoint());
  for (const id of projectIds) {
    try {
      for (const c of await engine.listContainers({ [LABEL_PROJECT]: id })) await engine.removeContainer(c.id);
      await engine.removeNetwork(`zeblit-net-${id}`);
      await engine.removeVolume(`zeblit-home-${id}`);
      await engine.removeVolume(`zeblit-ws-${id}`);
    } catch {
      // The engine went away: nothing more to do here.
    }
  }
}

/** `docker inspect` through the CLI, as a person would check it. */
export async function dockerInspect(ref: string): Promise<DockerInspect> {
  const { stdout } = await run('docker', ['inspect', ref]);
  const list = JSON.parse(stdout) as DockerInspect[];
  if (!list[0]) throw new Error(`docker inspect ${ref}: nothing`);
  return list[0];
}

export async function dockerCli(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args);
  return stdout;
}

/** The parts of `docker inspect` the isolation tests read. */
export interface DockerInspect {
  Id: string;
  Name: string;
  State: { Status: string; Running: boolean; OOMKilled: boolean; ExitCode: number };
  Config: { User: string; Labels: Record<string, string>; Env: string[]; Image: string };
  HostConfig: {
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    ReadonlyRootfs: boolean;
    Init: boolean | null;
    Memory: number;
    MemorySwap: number;
    NanoCpus: number;
    PidsLimit: number | null;
    NetworkMode: string;
    Privileged: boolean;
    Tmpfs: Record<string, string> | null;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[]> | null;
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  NetworkSettings: { Networks: Record<string, unknown>; Ports: Record<string, { HostIp: string; HostPort: string }[] | null> };
}
