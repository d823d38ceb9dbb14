import type { Context } from 'hono';
import { z } from 'zod';
import {
  CreateFileRequest,
  FileList,
  FileListQuery,
  FileMeta,
  FileTree,
  MoveRequest,
  MoveResult,
  SearchQuery,
  SearchResult,
  SyncRequest,
  SyncResult,
  TreeQuery,
  type Project,
} from '../../contracts/index.ts';
import { assertActive } from '../../projects/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { defineRoute, principalOf, router } from '../route.ts';
import { filePathRoutes } from './file-paths.ts';

const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });
const tags = ['files'];

/** The caller's project (another user's is not found) and who they are, as a version author. */
export function fileCaller(deps: AppDeps, c: Context<AppEnv>, ref: string, write: boolean): { project: Project; author: string } {
  const p = principalOf(c);
  const project = deps.projects.get(p.user.id, ref);
  if (write) {
    assertActive(project);
    c.set('resource', project.id);
  }
  return { project, author: `user:${p.user.id}` };
}

/**
 * /projects/{id}/files: the workspace. The JSON routes are here; the ones
 * whose last part is a file path (which may hold slashes), the raw bytes,
 * uploads and downloads are plain handlers in file-paths.ts, registered
 * after these so that `tree`, `search`, … are never read as file names.
 */
export function fileRoutes(deps: AppDeps) {
  const app = router();
  const files = deps.files;
  /** The project of a read, once the scan after its last command run is in (tree and list read the disk synchronously). */
  const settledProject = async (c: Parameters<typeof fileCaller>[1], ref: string): Promise<string> => {
    const id = fileCaller(deps, c, ref, false).project.id;
    await files.settled(id);
    return id;
  };

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/files/tree', summary: 'The workspace as a nested tree (sizes, depth limit); ignored folders shown but not opened', tags, params: ProjectRef, query: TreeQuery, data: FileTree },
    async (c, { params, query }) => files.tree(await settledProject(c, params.id), query),
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/files/search', summary: 'Search text files like grep (ignored and binary files skipped, match cap)', tags, params: ProjectRef, query: SearchQuery, data: SearchResult },
    (c, { params, query }) => files.search(fileCaller(deps, c, params.id, false).project.id, query), // waits for the scan after a run itself
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/files', summary: 'List a folder (?dir=), or what matches a glob (?glob=src/**/*.ts)', tags, params: ProjectRef, query: FileListQuery, data: FileList },
    async (c, { params, query }) => files.list(await settledProject(c, params.id), query),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/files',
      summary: 'Create a file (UTF-8 text, or base64 with encoding: "base64"); 409 if it exists unless overwrite',
      tags,
      params: ProjectRef,
      body: CreateFileRequest,
      data: FileMeta,
      status: 201,
    },
    (c, { params, body }) => {
      const { project, author } = fileCaller(deps, c, params.id, true);
      return files.create(project.id, body, { author });
    },
  );

  for (const [verb, what] of [
    ['move', 'Move or rename a file or folder (history follows as deleted + created)'],
    ['copy', 'Copy a file or folder'],
  ] as const) {
    defineRoute(app, { method: 'post', path: `/projects/{id}/files/${verb}`, summary: what, tags, params: ProjectRef, body: MoveRequest, data: MoveResult }, (c, { params, body }) => {
      const { project, author } = fileCaller(deps, c, params.id, true);
      return files[verb](project.id, body.from, body.to, body.overwrite, { author });
    });
  }

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/files/sync',
      summary: 'Find changes made outside the API (in the container, by an editor): record versions, publish file.changed',
      tags,
      params: ProjectRef,
      query: SyncRequest,
      data: SyncResult,
    },
    (c, { params, query }) => {
      const { project } = fileCaller(deps, c, params.id, true);
      return files.sync(project.id, { author: 'external', path: query.path });
    },
  );

  app.route('/', filePathRoutes(deps));
  return app;
}
