/**
 * The isolation profile of every project container, in one place: non-root
 * user, no capabilities, no new privileges, read-only root with writable
 * /workspace, /tmp and home, init, memory/CPU/pids limits, its own network,
 * labels, ports on 127.0.0.1 only. The config hash label lets a later start
 * see that settings changed and recreate the container.
 */
import { createHash } from 'node:crypto';
import { statSync, type Stats } from 'node:fs';
import type { ContainerStatus, Project } from '../contracts/index.ts';
import { WORKSPACE_DIR } from '../contracts/index.ts';
import type { ContainerSpec } from './engine.ts';

export const LABEL_MANAGED = 'zeblit.managed';
export const LABEL_PROJECT = 'zeblit.project';
export const LABEL_CONFIG = 'zeblit.config';
/** Which Zeblit home owns it: two homes (two daemons, tests) may share one engine and must not touch each other's containers. */
export const LABEL_HOME = 'zeblit.home';
/** How the container sees the workspace: `bind` (the host folder) or `archive` (its own volume, kept in step by archive copies). */
export const LABEL_WORKSPACE = 'zeblit.workspace';
export const HOME_DIR = '/home/zeblit';
export const MANAGED = { [LABEL_MANAGED]: 'true' } as const;

/** The labels every resource of one home carries: filter by these, never by `zeblit.managed` alone. */
export function ownLabels(home: string): Record<string, string> {
  return { ...MANAGED, [LABEL_HOME]: createHash('sha256').update(home).digest('hex').slice(0, 16) };
}

export const containerName = (projectId: string) => `zeblit-${projectId}`;
export const networkName = (projectId: string) => `zeblit-net-${projectId}`;
export const volumeName = (projectId: string) => `zeblit-home-${projectId}`;
/** The workspace volume of a container that cannot bind-mount the host folder (archive mode). */
export const workspaceVolumeName = (projectId: string) => `zeblit-ws-${projectId}`;

/**
 * `bind`: /workspace is the host folder, bind-mounted (a local engine).
 * `archive`: the engine cannot see the host's folders (a remote DOCKER_HOST),
 * so /workspace is a volume of the container's own and the files domain keeps
 * it in step with the host folder by archive copies.
 */
export type WorkspaceMode = 'bind' | 'archive';

export interface ContainerUser {
  uid: number;
  gid: number;
}

/**
 * The uid:gid containers run as: the daemon's own user, so workspace files
 * stay the user's. A daemon running as root must not hand root to projects:
 * then the user who ran sudo, else 1000:1000.
 */
export function defaultContainerUser(env: NodeJS.ProcessEnv = process.env, ids: { uid: number; gid: number } = { uid: process.getuid?.() ?? 1000, gid: process.getgid?.() ?? 1000 }): ContainerUser {
  if (ids.uid !== 0) return ids;
  const su = Number(env.SUDO_UID);
  const sg = Number(env.SUDO_GID);
  if (Number.isInteger(su) && su > 0) return { uid: su, gid: Number.isInteger(sg) && sg > 0 ? sg : su };
  return { uid: 1000, gid: 1000 };
}

/** Who a project's commands run as, and why (ContainerStatus.user). */
export type ProjectUser = ContainerStatus['user'];

/**
 * The user of one project's container. A folder project's container runs as
 * the folder's owner, so what its commands write belongs to the user on the
 * host (on Docker Desktop and OrbStack the engine maps ownership itself and
 * the same uid:gid does no harm). Never uid 0: a folder owned by root keeps
 * the default non-root user, and the status says so.
 */
export function containerUserFor(project: Pick<Project, 'path'>, base: ContainerUser, stat: (path: string) => Stats = statSync): ProjectUser {
  if (!project.path) return { ...base, source: 'daemon', note: null };
  let st: Stats;
  try {
    st = stat(project.path);
  } catch (e) {
    return { ...base, source: 'default', note: `the folder ${project.path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)}): the default user` };
  }
  if (st.uid === 0)
    return { ...base, source: 'default', note: `the folder ${project.path} belongs to root; containers never run as root, so commands run as ${base.uid}:${base.gid} and may not be able to write in it` };
  return { uid: st.uid, gid: st.gid, source: 'folder_owner', note: null };
}

export interface ProfileInput {
  project: Project;
  image: string;
  workspace: string;
  user: ContainerUser;
  /** ownLabels() of this home. */
  owner: Record<string, string>;
  /** Default `bind`. Everything else in the profile is the same in both modes. */
  workspaceMode?: WorkspaceMode;
}

/** /tmp is memory: a quarter of the container's memory, between 64 MiB and 1 GiB. */
export function tmpSizeMb(memoryMb: number): number {
  return Math.max(64, Math.min(1024, Math.floor(memoryMb / 4)));
}

export function buildSpec({ project, image, workspace, user, owner, workspaceMode = 'bind' }: ProfileInput): ContainerSpec {
  const s = project.settings;
  const labels: Record<string, string> = { ...owner, [LABEL_PROJECT]: project.id, 'zeblit.template': project.template, [LABEL_WORKSPACE]: workspaceMode };
  const archive = workspaceMode === 'archive';
  const spec: ContainerSpec = {
    name: containerName(project.id),
    image,
    // Something that waits forever and dies on SIGTERM (init forwards it); works in coreutils and busybox.
    cmd: ['sleep', '2147483647'],
    user: `${user.uid}:${user.gid}`,
    workdir: WORKSPACE_DIR,
    env: { HOME: HOME_DIR, ZEBLIT_PROJECT_ID: project.id },
    labels,
    binds: archive ? [] : [{ source: workspace, target: WORKSPACE_DIR }],
    volumes: [{ name: volumeName(project.id), target: HOME_DIR }, ...(archive ? [{ name: workspaceVolumeName(project.id), target: WORKSPACE_DIR }] : [])],
    tmpfs: { '/tmp': `rw,nosuid,nodev,size=${tmpSizeMb(s.memory_mb)}m,mode=1777` },
    limits: { memoryBytes: s.memory_mb * 1024 * 1024, nanoCpus: Math.round(s.cpus * 1e9), pids: s.pids },
    network: s.network === 'none' ? 'none' : networkName(project.id),
    ports: s.network === 'none' ? [] : s.ports.map((p) => ({ containerPort: p, hostIp: '127.0.0.1', hostPort: p })),
    hardening: { capDrop: ['ALL'], noNewPrivileges: true, readonlyRootfs: true, init: true },
    log: { maxBytes: 10 * 1024 * 1024, maxFiles: 2 },
  };
  spec.labels[LABEL_CONFIG] = configHash(spec);
  return spec;
}

/** A digest of everything that needs a new container when it changes (not the labels that carry it). */
export function configHash(spec: ContainerSpec): string {
  const { labels: _labels, ...rest } = spec;
  return createHash('sha256').update(JSON.stringify(rest)).digest('hex').slice(0, 16);
}

/** The same spec with ephemeral host ports: for when the asked-for ports are taken. */
export function withEphemeralPorts(spec: ContainerSpec): ContainerSpec {
  return { ...spec, ports: spec.ports.map((p) => ({ ...p, hostPort: null })) };
}
