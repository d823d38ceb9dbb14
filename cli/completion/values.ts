/**
 * Live values for completion (project names, paths in the project, run ids,
 * agents…), answered from the offline cache while fresh, so that <Tab> does
 * not wait for the daemon (offline-cache.ts, TTL per type), else asked of the
 * daemon with a short deadline, never starting one. When the daemon cannot
 * answer, an older cached answer is better than none.
 */
import { posix } from 'node:path';
import type { ZeblitClient } from '../../src/client/index.ts';
import { audienceOf, type CacheType, type OfflineCache } from '../offline-cache.ts';
import { hostKey, type Connection } from '../connection.ts';
import type { Item, ValueKind, ValueSource } from './complete.ts';

/** How long a live answer may take before <Tab> gives up on it. */
const DEADLINE_MS = 1_000;

interface Fetcher {
  type: CacheType;
  /** What identifies the answer besides its kind (a project, a folder). */
  key(ctx: { project: string | undefined; prefix: string }): string | null;
  fetch(client: ZeblitClient, ctx: { project: string | undefined; prefix: string }): Promise<Item[]>;
}

/** The folder a remote path being typed lives in: `src/ma` → `src`, `src/` → `src`. */
const folderOf = (prefix: string) => (prefix.includes('/') ? posix.dirname(`${prefix}x`) : '');

const FETCHERS: Record<Exclude<ValueKind, 'local-path'>, Fetcher> = {
  projects: {
    type: 'projects',
    key: () => 'all',
    fetch: async (c) => (await c.projects.list({ status: 'active', limit: 500 })).items.map((p) => ({ value: p.name, description: p.description || `${p.template} project` })),
  },
  'remote-path': {
    type: 'files',
    key: ({ project, prefix }) => (project ? `${project} ${folderOf(prefix)}` : null),
    fetch: async (c, { project, prefix }) => {
      const dir = folderOf(prefix);
      const list = await c.files.list(project ?? '', { dir, limit: 1000 });
      return list.items.map((e) => ({ value: `${dir ? `${dir}/` : ''}${e.name}${e.type === 'dir' ? '/' : ''}`, description: e.type }));
    },
  },
  runs: {
    type: 'runs',
    key: ({ project }) => project ?? null,
    fetch: async (c, { project }) => (await c.containers.runs(project ?? '', { limit: 50 })).items.map((r) => ({ value: r.id, description: `${r.status}: ${r.command}` })),
  },
  agents: {
    type: 'agents',
    key: () => 'all',
    fetch: async (c) => (await c.agents.definitions()).map((a) => ({ value: a.name, description: a.title })),
  },
  conversations: {
    type: 'conversations',
    key: ({ project }) => project ?? null,
    fetch: async (c, { project }) => (await c.agents.conversations(project ?? '', { limit: 50 })).items.map((v) => ({ value: v.id, description: v.title })),
  },
  approvals: {
    type: 'runs',
    key: ({ project }) => (project ? `approvals ${project}` : null),
    fetch: async (c, { project }) => (await c.agents.approvals(project ?? '', 'pending')).map((a) => ({ value: a.id, description: `${a.agent}: ${a.tool}` })),
  },
  templates: {
    type: 'agents',
    key: () => 'templates',
    fetch: async (c) => (await c.projects.templates()).map((t) => ({ value: t.name, description: t.description })),
  },
  'setting-keys': {
    type: 'project',
    key: ({ project }) => (project ? `settings ${project}` : null),
    fetch: async (c, { project }) => {
      const p = await c.projects.get(project ?? '');
      return [...Object.keys(p.settings).filter((k) => k !== 'env'), ...Object.keys(p.settings.env).map((n) => `env.${n}`), 'env.'].map((value) => ({ value }));
    },
  },
  'api-keys': {
    type: 'agents',
    key: () => 'api-keys',
    fetch: async (c) => (await c.auth.listKeys()).map((k) => ({ value: k.id, description: k.name })),
  },
  users: {
    type: 'agents',
    key: () => 'users',
    fetch: async (c) => (await c.users.list()).map((u) => ({ value: u.id, description: u.name })),
  },
  // Scheduled tasks by name (the schedule commands take names); all of the caller's when no project is on the line.
  tasks: {
    type: 'runs',
    key: ({ project }) => `tasks ${project ?? 'all'}`,
    fetch: async (c, { project }) => (await c.scheduler.list({ project, limit: 500 })).items.map((t) => ({ value: t.name, description: `${t.schedule}${t.enabled ? '' : ' (disabled)'}` })),
  },
};

export interface LiveValuesOptions {
  cache: OfflineCache;
  connection: Connection;
  /** A client for the daemon, or undefined when none answers (nothing is started for a completion). */
  client: () => Promise<ZeblitClient | undefined>;
}

export function liveValues(opts: LiveValuesOptions): ValueSource {
  const audience = audienceOf(hostKey(opts.connection.transport), opts.connection.transport.token);
  return {
    async values(kind, ctx) {
      if (kind === 'local-path') return [];
      const f = FETCHERS[kind];
      const what = f.key(ctx);
      if (what === null) return [];
      const key = `${audience} complete ${kind} ${what}`;
      const fresh = opts.cache.get<Item[]>(f.type, key);
      if (fresh) return fresh.data;
      try {
        const client = await opts.client();
        if (!client) throw new Error('no daemon');
        const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('too slow')), DEADLINE_MS).unref());
        const items = await Promise.race([f.fetch(client, ctx), timer]);
        opts.cache.put(f.type, key, items);
        return items;
      } catch {
        return opts.cache.get<Item[]>(f.type, key, Number.POSITIVE_INFINITY)?.data ?? [];
      }
    },
  };
}
