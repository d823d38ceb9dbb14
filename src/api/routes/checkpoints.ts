/**
 * /projects/{id}/checkpoints: what each agent turn (and auto-fix attempt) did
 * to the workspace, its diff, and undo. `latest` stands for the newest turn
 * that changed files and was not undone.
 */
import { z } from 'zod';
import { Checkpoint, CheckpointDiff, CheckpointDiffQuery, CheckpointList, CheckpointListQuery, UndoRequest, UndoResult } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { defineRoute, router } from '../route.ts';
import { fileCaller } from './files.ts';

const CheckpointRef = z.object({
  id: z.string().min(1).max(100).describe('Project id (prj_…) or name'),
  turn: z.string().min(1).max(100).describe('The turn (its message id, msg_…), or `latest`'),
});
const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });
const tags = ['checkpoints'];

export function checkpointRoutes(deps: AppDeps) {
  const app = router();
  const { files } = deps;
  const resolve = (projectId: string, turn: string) => (turn === 'latest' ? files.checkpoints.latestUndoable(projectId).id : turn);

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/checkpoints', summary: "The agent turns of a project and the files each changed, newest first", tags, params: ProjectRef, query: CheckpointListQuery, data: CheckpointList },
    (c, { params, query }) => files.checkpoints.list(fileCaller(deps, c, params.id, false).project.id, query),
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/checkpoints/{turn}', summary: 'One turn: its files with the versions before and after', tags, params: CheckpointRef, data: Checkpoint },
    (c, { params }) => {
      const { project } = fileCaller(deps, c, params.id, false);
      return files.checkpoints.get(project.id, resolve(project.id, params.turn));
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/checkpoints/{turn}/diff', summary: 'The unified diff of a whole turn', tags, params: CheckpointRef, query: CheckpointDiffQuery, data: CheckpointDiff },
    async (c, { params, query }) => {
      const { project } = fileCaller(deps, c, params.id, false);
      await files.settled(project.id);
      return files.checkpoints.diff(project.id, resolve(project.id, params.turn), query);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/checkpoints/{turn}/undo',
      summary: 'Put every file of a turn back as it was before it',
      description:
        'Refused with 409 CONFLICT (the files in `error.details.files`) where a file changed since the turn, or its earlier content was never stored, unless `force`. The undo is recorded as new versions.',
      tags,
      params: CheckpointRef,
      body: UndoRequest,
      data: UndoResult,
    },
    async (c, { params, body }) => {
      const { project, author } = fileCaller(deps, c, params.id, true);
      const turn = params.turn === 'latest' ? null : params.turn;
      return files.undoTurn(project.id, turn, { force: body.force, author, hostAuthor: project.path ? 'host' : 'external' });
    },
  );
  return app;
}
