/**
 * The /files routes whose last part is a file path (slashes allowed), plus
 * raw bytes, uploads and downloads: plain Hono handlers (their bodies are not
 * JSON), listed in the OpenAPI document by hand (see registerFileDocs).
 *
 * Suffixes are recognised on the RAW path, before decoding: in
 * /files/a/versions `versions` is the history of `a`, while /files/a%2Fversions
 * is the file `a/versions`. A root file whose name is a route (`tree`,
 * `search`, …) is reached as /files/.%2Ftree.
 */
import type { Context } from 'hono';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ZodType } from 'zod';
import {
  DEFAULT_MAX_UPLOAD_BYTES,
  DiffQuery,
  UpdateFileRequest,
  UploadQuery,
  ZeblitError,
  isTrue,
  type FileMeta,
} from '../../contracts/index.ts';
import { parseIfMatch } from '../../files/index.ts';
import type { AppDeps } from '../deps.ts';
import { ok, validationError } from '../envelope.ts';
import type { AppEnv } from '../env.ts';
import { isMultipart, readForm } from '../multipart.ts';
import { uploadForm } from '../upload-form.ts';
import { requireAccess, router } from '../route.ts';
import { registerFileDocs } from './file-docs.ts';
import { fileCaller } from './files.ts';

const REST = /\/projects\/[^/]+\/files\/(.*)$/;

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new ZeblitError('INVALID_PATH', `Invalid path "${raw}": bad percent-encoding`);
  }
}

/** The still-encoded part of the URL after /files/. */
function restOf(c: Context<AppEnv>): string {
  const m = REST.exec(new URL(c.req.url).pathname);
  return m?.[1] ?? '';
}

function parse<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}

/** The request body as bytes: the Node request itself when there is one (its backpressure is exact), else the Web stream. */
function bodyOf(c: Context<AppEnv>): AsyncIterable<Uint8Array> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming && !incoming.readableDidRead) return incoming;
  const body = c.req.raw.body;
  return body ?? Readable.from([]);
}

const wantsRaw = (c: Context<AppEnv>) => isTrue(c.req.query('raw')) || /application\/octet-stream/i.test(c.req.header('accept') ?? '');

function attachment(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** A Web stream over a Node stream, pulled one chunk at a time (Readable.toWeb on Node 20 does not bound its queue). */
function webStream(stream: Readable): ReadableStream<Uint8Array> {
  const it = stream[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value as Uint8Array);
      } catch (e) {
        controller.error(e);
      }
    },
    cancel() {
      stream.destroy();
    },
  });
}

function metaHeaders(c: Context<AppEnv>, meta: Pick<FileMeta, 'sha256' | 'version'>): void {
  if (meta.sha256) c.header('ETag', `"${meta.sha256}"`);
  if (meta.version !== null) c.header('X-Zeblit-Version', String(meta.version));
}

export function filePathRoutes(deps: AppDeps) {
  const app = router();
  const files = deps.files;
  const maxUpload = deps.config.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  const contentLength = (c: Context<AppEnv>) => {
    const v = c.req.header('content-length');
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };

  app.post('/projects/:id/files/upload', requireAccess('write'), async (c) => {
    const { project, author } = fileCaller(deps, c, c.req.param('id'), true);
    const q = parse(UploadQuery, c.req.query(), 'query');
    const length = contentLength(c);
    if (length !== undefined && length > maxUpload + 64 * 1024)
      throw new ZeblitError('PAYLOAD_TOO_LARGE', `The upload is larger than ${maxUpload} bytes`, { suggestion: 'Raise max_upload_bytes in config.json, or send a smaller file.' });
    const base = { author, limit: maxUpload, overwrite: q.overwrite === undefined ? true : isTrue(q.overwrite), extract: isTrue(q.extract), ifMatch: c.req.header('if-match') };
    if (!isMultipart(c.req.header('content-type'))) {
      // A bare body (application/octet-stream): ?path= names the target.
      if (!q.path) throw new ZeblitError('VALIDATION_FAILED', 'Name the target with ?path= (or send multipart/form-data with a filename)');
      return ok(c, await files.upload(project.id, q.path, bodyOf(c), { ...base, expectedBytes: length }), 201);
    }
    const results = await uploadForm(readForm(bodyOf(c), c.req.header('content-type') ?? ''), async (part, fields, gate) => {
      const path = fields.get('path') ?? q.path;
      const extract = fields.has('extract') ? isTrue(fields.get('extract')) : base.extract;
      const overwrite = fields.has('overwrite') ? isTrue(fields.get('overwrite')) : base.overwrite;
      const name = part.filename ?? '';
      if (name === '' && (path === undefined || path === '' || path.endsWith('/')) && !extract)
        throw new ZeblitError('VALIDATION_FAILED', `The file part "${part.name}" has no file name and no path names its target`, { suggestion: 'Send the part with a filename (curl -F file=@path), or a path field before it.' });
      const target = path === undefined || path === '' ? (extract ? '' : name) : path.endsWith('/') ? `${path}${extract ? '' : name}` : path;
      return files.upload(project.id, target, part.body, { ...base, extract, overwrite, commitWhen: gate });
    });
    if (results.length === 0) throw new ZeblitError('VALIDATION_FAILED', 'The form has no file part', { suggestion: 'curl -F file=@local/path …/files/upload' });
    const merged = { files: results.flatMap((r) => r.files), bytes: results.reduce((n, r) => n + r.bytes, 0), extracted: results.some((r) => r.extracted), skipped: results.flatMap((r) => r.skipped) };
    return ok(c, merged, 201);
  });

  const download = async (c: Context<AppEnv>) => {
    const { project } = fileCaller(deps, c, c.req.param('id') ?? '', false);
    await files.settled(project.id);
    const rest = restOf(c).replace(/^download\/?/, '');
    const path = decodePath(rest);
    if (files.isFolder(project.id, path)) {
      const name = `${path === '' || path === '.' ? project.name : path.split('/').filter(Boolean).pop()}.tar.gz`;
      c.header('Content-Type', 'application/gzip');
      c.header('Content-Disposition', attachment(name));
      if (c.req.method === 'HEAD') return c.body(null);
      return c.body(webStream(files.downloadFolder(project.id, path)));
    }
    const raw = files.openRaw(project.id, path);
    c.header('Content-Type', 'application/octet-stream');
    c.header('Content-Length', String(raw.size));
    c.header('Content-Disposition', attachment(raw.rel.split('/').pop() ?? 'file'));
    metaHeaders(c, raw);
    if (c.req.method === 'HEAD') {
      raw.stream.destroy();
      return c.body(null);
    }
    return c.body(webStream(raw.stream));
  };
  app.get('/projects/:id/files/download', requireAccess('read'), download);
  app.get('/projects/:id/files/download/*', requireAccess('read'), download);

  app.get('/projects/:id/files/*', requireAccess('read'), async (c) => {
    const { project } = fileCaller(deps, c, c.req.param('id'), false);
    await files.settled(project.id);
    const rest = restOf(c);
    let m = /^(.+)\/versions$/.exec(rest);
    if (m) return ok(c, await files.versions(project.id, decodePath(m[1] as string)));
    m = /^(.+)\/versions\/(\d+)$/.exec(rest);
    if (m) {
      const { info, data } = await files.version(project.id, decodePath(m[1] as string), Number(m[2]));
      if (!wantsRaw(c)) return ok(c, info);
      if (!data) throw new ZeblitError('NOT_FOUND', `Version ${info.version} of ${info.path} is its deletion: it has no content`);
      c.header('Content-Type', info.mime_type);
      c.header('Content-Length', String(data.byteLength));
      if (info.sha256) c.header('ETag', `"${info.sha256}"`);
      return c.body(new Uint8Array(data)); // a copy: Hono wants a plain ArrayBuffer view
    }
    m = /^(.+)\/diff$/.exec(rest);
    if (m) return ok(c, await files.diff(project.id, decodePath(m[1] as string), parse(DiffQuery, c.req.query(), 'query')));
    const path = decodePath(rest);
    if (wantsRaw(c)) {
      const raw = files.openRaw(project.id, path);
      c.header('Content-Type', raw.mime);
      c.header('Content-Length', String(raw.size));
      c.header('Last-Modified', new Date(raw.modified).toUTCString());
      metaHeaders(c, raw);
      if (c.req.method === 'HEAD') {
        raw.stream.destroy();
        return c.body(null);
      }
      return c.body(webStream(raw.stream));
    }
    const content = isTrue(c.req.query('meta')) ? await files.stat(project.id, path) : await files.read(project.id, path);
    metaHeaders(c, content);
    return ok(c, content);
  });

  app.put('/projects/:id/files/*', requireAccess('write'), async (c) => {
    const { project, author } = fileCaller(deps, c, c.req.param('id'), true);
    const path = decodePath(restOf(c));
    const type = c.req.header('content-type') ?? '';
    let meta: FileMeta;
    if (/^application\/json\b/i.test(type)) {
      let json: unknown;
      try {
        json = await c.req.json();
      } catch {
        throw new ZeblitError('INVALID_JSON', 'The request body is not valid JSON', { suggestion: 'Send {"content": "…"} with Content-Type: application/json.' });
      }
      const body = parse(UpdateFileRequest, json, 'body');
      meta = await files.writeText(project.id, path, body.content, body.encoding, { author, ifMatch: c.req.header('if-match') ?? body.if_match });
    } else if (/^application\/octet-stream\b/i.test(type) || type === '') {
      const res = await files.upload(project.id, path, bodyOf(c), { author, limit: maxUpload, overwrite: true, ifMatch: parseIfMatch(c.req.header('if-match')), expectedBytes: contentLength(c) });
      meta = res.files[0] as FileMeta;
    } else {
      throw new ZeblitError('UNSUPPORTED_MEDIA_TYPE', `PUT takes application/json or application/octet-stream, not ${type}`, { suggestion: 'Send {"content": "…"} as JSON, or the bytes as application/octet-stream.' });
    }
    metaHeaders(c, meta);
    return ok(c, meta);
  });

  app.delete('/projects/:id/files/*', requireAccess('write'), async (c) => {
    const { project, author } = fileCaller(deps, c, c.req.param('id'), true);
    return ok(c, await files.delete(project.id, decodePath(restOf(c)), { author, ifMatch: c.req.header('if-match') }));
  });

  app.post('/projects/:id/files/*', requireAccess('write'), async (c) => {
    const { project, author } = fileCaller(deps, c, c.req.param('id'), true);
    const m = /^(.+)\/restore\/(\d+)$/.exec(restOf(c));
    if (!m) throw new ZeblitError('NOT_FOUND', `No route for POST ${c.req.path}`, { suggestion: 'POST /files/{path}/restore/{n}, /files/upload, /files/move, /files/copy, /files/sync.' });
    const meta = await files.restore(project.id, decodePath(m[1] as string), Number(m[2]), { author, ifMatch: c.req.header('if-match') });
    metaHeaders(c, meta);
    return ok(c, meta);
  });

  registerFileDocs(app);
  return app;
}

/** Whether a request carries a file body that the upload limit (not the JSON limit) governs. */
export function isFileBody(method: string, path: string, contentType: string | undefined): boolean {
  if (method !== 'POST' && method !== 'PUT') return false;
  if (!/\/projects\/[^/]+\/files\/./.test(path)) return false;
  return !/^application\/json\b/i.test(contentType ?? '');
}
