import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import {
  DeleteResult,
  DiffQuery,
  Envelope,
  ErrorEnvelope,
  FileContent,
  FileDiff,
  FileMeta,
  FileReadQuery,
  FileVersionContent,
  FileVersionList,
  UpdateFileRequest,
  UploadQuery,
  UploadResult,
} from '../../contracts/index.ts';
import type { AppEnv } from '../env.ts';
import { errorResponses } from '../route.ts';

const security = [{ bearer: [] }];
const tags = ['files'];
const FileRef = z.object({
  id: z.string().describe('Project id (prj_…) or name'),
  path: z.string().describe('File path in the workspace; slashes may be sent as they are or as %2F'),
});
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema: Envelope(schema) } } });
const bytes = (description: string) => ({ description, content: { 'application/octet-stream': { schema: z.string().describe('The bytes') } } });
const err = (code: string, description: string) => ({ [code]: { description, content: { 'application/json': { schema: ErrorEnvelope } } } });
/** What GET answers in JSON: the file with its content, or (with ?meta=1) its metadata alone. */
const FileRead = z.union([FileContent, FileMeta]);
const ifMatch = z.object({ 'if-match': z.string().optional().describe('The sha256 or version you last read; 409 CONFLICT when the file has changed since') });
const conflicts = { ...err('409', 'The file changed since If-Match (CONFLICT), or the target exists') };
const pathErrors = { ...errorResponses, ...err('400', 'INVALID_PATH (absolute, .., NUL, backslash, too long, or a link leading outside), VALIDATION_FAILED') };

/** The plain-handler routes of file-paths.ts, in the OpenAPI document. */
export function registerFileDocs(app: OpenAPIHono<AppEnv>): void {
  const r = app.openAPIRegistry;
  r.registerPath({
    method: 'get',
    path: '/projects/{id}/files/{path}',
    summary: 'A file: metadata and content (UTF-8, or base64 for binary); metadata only with ?meta=1; the bytes themselves with ?raw=1 or Accept: application/octet-stream',
    tags,
    security,
    request: { params: FileRef, query: FileReadQuery },
    responses: { 200: { ...json(FileRead, 'Metadata and content (metadata only with ?meta=1); ETag is the sha256'), content: { ...json(FileRead, '').content, ...bytes('').content } }, ...pathErrors },
  });
  r.registerPath({
    method: 'put',
    path: '/projects/{id}/files/{path}',
    summary: 'Write a file (created if missing): JSON {content, encoding} or the raw bytes as application/octet-stream; If-Match guards against lost updates',
    tags,
    security,
    request: {
      params: FileRef,
      headers: ifMatch,
      body: { content: { 'application/json': { schema: UpdateFileRequest }, 'application/octet-stream': { schema: z.string().describe('The bytes') } }, required: true },
    },
    responses: { 200: json(FileMeta, 'The file as written'), ...pathErrors, ...conflicts, ...err('413', 'Larger than the upload or JSON limit (PAYLOAD_TOO_LARGE)') },
  });
  r.registerPath({
    method: 'delete',
    path: '/projects/{id}/files/{path}',
    summary: 'Delete a file, link or folder (its history stays, restorable)',
    tags,
    security,
    request: { params: FileRef, headers: ifMatch },
    responses: { 200: json(DeleteResult, 'What went'), ...pathErrors, ...conflicts },
  });
  r.registerPath({
    method: 'get',
    path: '/projects/{id}/files/{path}/versions',
    summary: 'The history of a path, newest first (also for deleted files)',
    tags,
    security,
    request: { params: FileRef },
    responses: { 200: json(FileVersionList, 'Versions'), ...pathErrors },
  });
  r.registerPath({
    method: 'get',
    path: '/projects/{id}/files/{path}/versions/{n}',
    summary: 'One version with its content (?raw=1: the bytes)',
    tags,
    security,
    request: { params: FileRef.extend({ n: z.number().int().min(1) }), query: FileReadQuery.pick({ raw: true }) },
    responses: { 200: { description: 'The version', content: { ...json(FileVersionContent, '').content, ...bytes('').content } }, ...pathErrors },
  });
  r.registerPath({
    method: 'post',
    path: '/projects/{id}/files/{path}/restore/{n}',
    summary: 'Write version n back as a new version (also restores a deleted file)',
    tags,
    security,
    request: { params: FileRef.extend({ n: z.number().int().min(1) }), headers: ifMatch },
    responses: { 200: json(FileMeta, 'The restored file'), ...pathErrors, ...conflicts },
  });
  r.registerPath({
    method: 'get',
    path: '/projects/{id}/files/{path}/diff',
    summary: 'Unified diff between two versions, or a version and the file on disk',
    tags,
    security,
    request: { params: FileRef, query: DiffQuery },
    responses: { 200: json(FileDiff, 'The diff'), ...pathErrors },
  });
  r.registerPath({
    method: 'post',
    path: '/projects/{id}/files/upload',
    summary: 'Upload (multipart/form-data, or the bytes with ?path=): streamed to a temporary file and renamed into place; extract=1 unpacks tar/tar.gz/zip safely',
    description:
      'A form is one unit: its files are committed once the whole form has arrived. The fields path, extract and overwrite apply to the file parts after them; sent after a file part they are refused (400 VALIDATION_FAILED, nothing written): send them first, or in the query.',
    tags,
    security,
    request: {
      params: FileRef.pick({ id: true }),
      query: UploadQuery,
      body: {
        content: {
          'multipart/form-data': {
            schema: z.object({
              path: z.string().optional().describe('Before the file part'),
              extract: z.string().optional().describe('Before the file part'),
              overwrite: z.string().optional().describe('Before the file part'),
              file: z.string().describe('The file (binary)'),
            }),
          },
          'application/octet-stream': { schema: z.string().describe('The bytes') },
        },
        required: true,
      },
    },
    responses: { 201: json(UploadResult, 'What was written'), ...pathErrors, ...conflicts, ...err('413', 'Larger than max_upload_bytes (PAYLOAD_TOO_LARGE)') },
  });
  r.registerPath({
    method: 'get',
    path: '/projects/{id}/files/download',
    summary: 'Download the whole workspace as .tar.gz (streamed)',
    tags,
    security,
    request: { params: FileRef.pick({ id: true }) },
    responses: { 200: { description: 'application/gzip', content: { 'application/gzip': { schema: z.string() } } }, ...pathErrors },
  });
  r.registerPath({
    method: 'get',
    path: '/projects/{id}/files/download/{path}',
    summary: 'Download a file (streamed, Content-Disposition: attachment) or a folder as .tar.gz',
    tags,
    security,
    request: { params: FileRef },
    responses: { 200: { description: 'The file, or application/gzip for a folder', content: { ...bytes('').content, 'application/gzip': { schema: z.string() } } }, ...pathErrors },
  });
}
