import type { FileContent, FileDiff, FileMeta, FileTree, FileVersionContent, FileVersionList, UploadResult } from '../../src/contracts/index.ts';
import { FILES_RESERVED } from '../../src/contracts/constants.ts';
import { seg } from '../../src/client/requester.ts';
import type { WebRequester } from './http.ts';

const reserved = new Set<string>(FILES_RESERVED);

/** A workspace path as one URL segment, as the Node client sends it (a root file named like a route goes as ./name). */
export function filePathSegment(path: string): string {
  const clean = path.replace(/^\/+/, '');
  const enc = encodeURIComponent(clean);
  return reserved.has(clean) ? `.%2F${enc}` : enc;
}

/** /projects/{id}/files in the browser: uploads as multipart forms, downloads as blobs (fetch carries the CSRF header; a plain link could not). */
export class WebFilesApi {
  constructor(private readonly r: WebRequester) {}

  private path(ref: string, rest = ''): string {
    return `/projects/${seg(ref)}/files${rest}`;
  }

  tree(ref: string): Promise<FileTree> {
    return this.r.request('GET', this.path(ref, '/tree'), { query: { depth: 12 } });
  }

  read(ref: string, path: string): Promise<FileContent> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}`));
  }

  create(ref: string, path: string, content: string): Promise<FileMeta> {
    return this.r.request('POST', this.path(ref), { json: { path, content } });
  }

  write(ref: string, path: string, content: string, ifMatch?: string | number): Promise<FileMeta> {
    return this.r.request('PUT', this.path(ref, `/${filePathSegment(path)}`), { json: { content }, headers: ifMatch === undefined ? undefined : { 'if-match': String(ifMatch) } });
  }

  delete(ref: string, path: string): Promise<unknown> {
    return this.r.request('DELETE', this.path(ref, `/${filePathSegment(path)}`));
  }

  versions(ref: string, path: string): Promise<FileVersionList> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}/versions`));
  }

  version(ref: string, path: string, n: number): Promise<FileVersionContent> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}/versions/${n}`));
  }

  diff(ref: string, path: string, from: number): Promise<FileDiff> {
    return this.r.request('GET', this.path(ref, `/${filePathSegment(path)}/diff`), { query: { from, to: 'current' } });
  }

  restore(ref: string, path: string, n: number): Promise<FileMeta> {
    return this.r.request('POST', this.path(ref, `/${filePathSegment(path)}/restore/${n}`));
  }

  /** Files dropped on the page, into the folder `dir` ('' is the root). */
  async upload(ref: string, dir: string, files: File[]): Promise<UploadResult> {
    const form = new FormData();
    form.append('path', dir ? `${dir.replace(/\/+$/, '')}/` : '');
    for (const f of files) form.append('file', f, f.name);
    const res = await this.r.fetch('POST', this.path(ref, '/upload'), { body: form });
    return ((await res.json()) as { data: UploadResult }).data;
  }

  /** A file's bytes, or a folder as .tar.gz, saved by the browser under `name`. */
  async download(ref: string, path: string, name: string): Promise<void> {
    const rest = path === '' ? '/download' : `/download/${encodeURIComponent(path)}`;
    const res = await this.r.fetch('GET', this.path(ref, rest));
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
