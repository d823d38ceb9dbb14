/**
 * POST /backup: a full, consistent backup of this home, sent as a tar.gz
 * (admin only: it holds the server secret and every user's data). It is
 * written whole first (so a failure is an error envelope, never a truncated
 * download), sent with its sha256 in a header for the client to check, and
 * removed from the home once sent. Restore is not a route: it replaces the
 * database under a daemon, so it runs on a stopped home (`zeblit restore`).
 */
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { VERSION, ErrorEnvelope } from '../../contracts/index.ts';
import { Backups, backupName } from '../../backup/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { errorResponses, requireAccess, router } from '../route.ts';
import type { OpenAPIHono } from '@hono/zod-openapi';

export const BACKUP_HEADERS = {
  sha256: 'X-Zeblit-Backup-Sha256',
  files: 'X-Zeblit-Backup-Files',
  skipped: 'X-Zeblit-Backup-Skipped',
} as const;

export function backupRoutes(deps: AppDeps) {
  const app = router();
  const backups = deps.backups ?? new Backups({ paths: deps.paths, database: deps.database, version: VERSION, now: deps.now });

  app.post('/backup', requireAccess('admin', 'admin'), async (c) => {
    const written = await backups.create(`api:${c.get('principal')?.user.name ?? 'unknown'}`);
    for (const p of written.problems) deps.logger.warn({ path: p.path, reason: p.reason }, 'left out of the backup: unreadable');
    const file = createReadStream(written.file, { highWaterMark: 256 * 1024 });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      file.destroy();
      backups.discard(written);
    };
    const it = file[Symbol.asyncIterator]();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const r = await it.next();
          if (r.done) {
            controller.close();
            finish();
          } else controller.enqueue(r.value as Uint8Array);
        } catch (e) {
          finish();
          controller.error(e);
        }
      },
      cancel: finish,
    });
    c.header('Content-Type', 'application/gzip');
    c.header('Content-Length', String(written.bytes));
    c.header('Content-Disposition', `attachment; filename="${backupName('full', written.manifest.created_at)}"`);
    c.header(BACKUP_HEADERS.sha256, written.sha256);
    c.header(BACKUP_HEADERS.files, String(written.manifest.files.length));
    c.header(BACKUP_HEADERS.skipped, String(written.problems.length));
    c.header('Cache-Control', 'no-store');
    return c.body(body, 201);
  });

  registerBackupDocs(app);
  return app;
}

function registerBackupDocs(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/backup',
    summary: 'A full backup of this home as a tar.gz: the database (SQLite online backup), blobs, workspaces, secret and config (admin)',
    description:
      'Consistent while the daemon runs. The archive holds the server secret: keep it as safe as the home. Its sha256 is in X-Zeblit-Backup-Sha256. Restore it into a stopped home with `zeblit restore <file>` (there is no restore route).',
    tags: ['system'],
    security: [{ bearer: [] }],
    responses: {
      201: {
        description: 'The archive',
        headers: z.object({
          [BACKUP_HEADERS.sha256]: z.string().describe('sha256 of the archive'),
          [BACKUP_HEADERS.files]: z.string().describe('Files in it'),
          [BACKUP_HEADERS.skipped]: z.string().describe('Files that could not be read and are not in it (named in the daemon log)'),
        }),
        content: { 'application/gzip': { schema: z.string().describe('tar.gz') } },
      },
      ...errorResponses,
      409: { description: 'A file shrank while it was read (CONFLICT): try again', content: { 'application/json': { schema: ErrorEnvelope } } },
    },
  });
}
