import type { Readable, Writable } from 'node:stream';
import { FILES_RESERVED } from '../contracts/constants.ts';
import { API_VERSION } from '../contracts/version.ts';
import type {
  DeleteResult,
  FileContent,
  FileDiff,
  FileEncoding,
  FileList,
  FileMeta,
  FileTree,
  FileVersionContent,
  FileVersionList,
  MoveResult,
  SearchResult,
  SyncResult,
  UploadResult,
} from '../contracts/index.ts';
import { queryString, seg, type Requester } from './requester.ts';
import type { StreamRequester } from './stream.ts';
import { downloadStream, uploadStream, type DownloadResult, type OnProgress } from './transfer.ts';

const base = `/api/${API_VERSION}`;
const reserved = new Set<string>(FILES_RESERVED);

/**
 * A workspace path as ONE URL segment (its slashes as %2F), so a file named
 * `versions` or `diff` is never read as a sub-route; a root file named like a
 * route (`tree`, …) goes as `.%2Ftree`.
 */
export function filePathSegment(path: string): string {
  const clean = path.replace(/^\/+/, '');
  const enc = encodeURIComponent(clean);
  return reserved.has(clean) ? `.%2F${enc}` : enc;
}

export interface ListParams {
  dir?: string;
  glob?: string;
  recursive?: boolean;
  limit?: number;
}

export interface TreeParams {
  path?: string;
  depth?: number;
  expand_ignored?: boolean;
}

export interface SearchParams {
  q: string;
  dir?: string;
  glob?: string;
  regex?: boolean;
  case_sensitive?: boolean;
  max_results?: number;
}

export interface TransferOptions {
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

/** /projects/{id}/files: the project's workspace, its history, uploads and downloads. */
export class FilesApi {
  constructor(private readonly r: Requester & StreamRequester) {}

  private path(ref: string, rest = ''): string {
    return `/projects/${seg(ref)}/files${rest}`;
  }

  list(ref: string, q: ListParams = {}): Promise<FileList> {
    return this.r.request('GET', this.path(ref), { query: { dir: q.dir, glob: q.glob, recursive: q.recursive === undefined ? undefined : q.recursive ? 1 : 0, limit: q.limit } });
  }

  tree(ref: string, q: TreeParams = {}): Promise<FileTree> {
    return this.r.request('GET', this.path(ref, '/tree'), { query: { path: q.path, depth: q.depth, expand_ignored: q.expand_ignored ? 1 : undefined } });
  }

  search(ref: string, q: SearchParams): Promise<SearchResult> {
    return this.r.request('GET', this.path(ref, '/search'), {
      query: { q: q.q, dir: q.dir, glob: q.glob, regex: q.regex ? 1 : undefined, case_sensitive: q.case_sensitive ? 1 : undefined, max_results: q.max_results },
      timeoutMs: 120_000,
    });
  }

  /** Metadata and content (UTF-8 text, or base64 for binary). */
  read(ref: string, path: string): Promise<FileContent> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}`));
  }

  stat(ref: string, path: string): Promise<FileMeta> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}`), { query: { meta: 1 } });
  }

  create(ref: string, path: string, content: string, opts: { encoding?: FileEncoding; overwrite?: boolean } = {}): Promise<FileMeta> {
    return this.r.request('POST', this.path(ref), { json: { path, content, encoding: opts.encoding, overwrite: opts.overwrite } });
  }

  /** Writes text (or base64) content; `ifMatch` (a version or sha256) makes a stale write fail with CONFLICT. */
  write(ref: string, path: string, content: string, opts: { encoding?: FileEncoding; ifMatch?: string | number } = {}): Promise<FileMeta> {
    return this.r.request('PUT', this.path(ref, `/${filePathSegment(path)}`), {
      json: { content, encoding: opts.encoding },
      headers: opts.ifMatch === undefined ? undefined : { 'if-match': String(opts.ifMatch) },
    });
  }

  delete(ref: string, path: string, opts: { ifMatch?: string | number } = {}): Promise<DeleteResult> {
    return this.r.request('DELETE', this.path(ref, `/${filePathSegment(path)}`), { headers: opts.ifMatch === undefined ? undefined : { 'if-match': String(opts.ifMatch) } });
  }

  move(ref: string, from: string, to: string, overwrite = false): Promise<MoveResult> {
    return this.r.request('POST', this.path(ref, '/move'), { json: { from, to, overwrite } });
  }

  copy(ref: string, from: string, to: string, overwrite = false): Promise<MoveResult> {
    return this.r.request('POST', this.path(ref, '/copy'), { json: { from, to, overwrite } });
  }

  versions(ref: string, path: string): Promise<FileVersionList> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}/versions`));
  }

  version(ref: string, path: string, n: number): Promise<FileVersionContent> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}/versions/${n}`));
  }

  restore(ref: string, path: string, n: number, opts: { ifMatch?: string | number } = {}): Promise<FileMeta> {
    return this.r.request('POST', this.path(ref, `/${filePathSegment(path)}/restore/${n}`), { headers: opts.ifMatch === undefined ? undefined : { 'if-match': String(opts.ifMatch) } });
  }

  diff(ref: string, path: string, q: { from?: number | 'current'; to?: number | 'current'; context?: number } = {}): Promise<FileDiff> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}/diff`), { query: { from: q.from, to: q.to, context: q.context } });
  }

  sync(ref: string, path?: string): Promise<SyncResult> {
    return this.r.request('POST', this.path(ref, '/sync'), { query: { path }, timeoutMs: 300_000 });
  }

  /** Streams `body` (`size` bytes) to `path`; `extract` unpacks a tar/tar.gz/zip into the folder `path`. */
  upload(ref: string, path: string, body: Readable, size: number, opts: TransferOptions & { overwrite?: boolean; extract?: boolean; ifMatch?: string | number } = {}): Promise<UploadResult> {
    const q = queryString({ path, overwrite: opts.overwrite === false ? 0 : undefined, extract: opts.extract ? 1 : undefined });
    return uploadStream(this.r, {
      method: 'POST',
      path: `${base}${this.path(ref, '/upload')}${q}`,
      body,
      size,
      headers: opts.ifMatch === undefined ? undefined : { 'if-match': String(opts.ifMatch) },
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
  }

  /** Streams a file (or a folder as .tar.gz) into `sink`. */
  download(ref: string, path: string, sink: Writable, opts: TransferOptions = {}): Promise<DownloadResult> {
    const rest = path === '' || path === '.' ? '/download' : `/download/${encodeURIComponent(path.replace(/^\/+/, ''))}`;
    return downloadStream(this.r, `${base}${this.path(ref, rest)}`, sink, opts);
  }

  /** The bytes of a file, exactly (cat). */
  raw(ref: string, path: string, sink: Writable, opts: TransferOptions = {}): Promise<DownloadResult> {
    return downloadStream(this.r, `${base}${this.path(ref, `/${filePathSegment(path)}`)}?raw=1`, sink, opts);
  }
}
