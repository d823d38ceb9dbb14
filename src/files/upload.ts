/**
 * Uploads. Invariant: an upload that does not complete (client gone, too
 * large, wrong length) leaves nothing: the bytes go to a temporary file that
 * is renamed into place only once all of them arrived, and folders created
 * for it are removed again. Memory stays bounded: chunks are written as
 * they come, each before the next is read.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readSync, unlinkSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { ZeblitError, type UploadResult } from '../contracts/index.ts';
import { extractArchive, type ExtractLimits } from './archive/extract.ts';
import { sniffArchive } from './archive/types.ts';
import type { FilesCore } from './core.ts';
import { normalizePath } from './paths.ts';
import type { ChangeContext } from './recorder.ts';
import { commitStaged, type Precondition } from './write.ts';

const writeAsync = promisify(write);

export interface UploadOptions extends ChangeContext {
  /** Largest upload accepted, in bytes (413 beyond). */
  limit: number;
  overwrite: boolean;
  ifMatch?: Precondition | null;
  /** Unpack a tar/tar.gz/zip into the folder `path`. */
  extract?: boolean;
  /** The length the client announced: fewer bytes than that is an aborted upload. */
  expectedBytes?: number;
  limits?: ExtractLimits;
  /**
   * Awaited once every byte has arrived and before the workspace changes:
   * a multipart form commits its files only after the whole form was read.
   * A rejection discards the upload.
   */
  commitWhen?: Promise<unknown>;
}

const tooLarge = (limit: number) =>
  new ZeblitError('PAYLOAD_TOO_LARGE', `The upload is larger than ${limit} bytes`, { suggestion: 'Raise max_upload_bytes in config.json, or send a smaller file.' });

const truncated = (got: number, want: number) =>
  new ZeblitError('BAD_REQUEST', `The upload ended after ${got} of ${want} bytes; nothing was written`, { suggestion: 'Send it again.' });

export async function uploadFile(core: FilesCore, projectId: string, path: string, source: AsyncIterable<Uint8Array>, opts: UploadOptions): Promise<UploadResult> {
  if (opts.expectedBytes !== undefined && opts.expectedBytes > opts.limit) throw tooLarge(opts.limit);
  if (opts.extract) return uploadArchive(core, projectId, path, source, opts);
  const rel = normalizePath(path);
  const ws = core.ws(projectId);
  const created = ws.missingParents(rel);
  let staged;
  try {
    staged = ws.stage(rel, core.maxVersioned);
  } catch (e) {
    ws.removeEmptyDirs(created);
    throw e;
  }
  try {
    await staged.pipeFrom(source, opts.limit);
    if (opts.expectedBytes !== undefined && staged.size !== opts.expectedBytes) throw truncated(staged.size, opts.expectedBytes);
    await opts.commitWhen;
  } catch (e) {
    staged.abort();
    ws.removeEmptyDirs(created);
    throw e;
  }
  const bytes = staged.size;
  try {
    const meta = await core.exclusive(projectId, () => commitStaged(core, projectId, rel, staged, { ...opts, mustNotExist: !opts.overwrite }));
    return { files: [meta], bytes, extracted: false, skipped: [] };
  } catch (e) {
    ws.removeEmptyDirs(created);
    throw e;
  }
}

/** The archive is staged whole in the scratch area (out of the container's view), then unpacked. */
async function uploadArchive(core: FilesCore, projectId: string, path: string, source: AsyncIterable<Uint8Array>, opts: UploadOptions): Promise<UploadResult> {
  const target = normalizePath(path, { allowRoot: true });
  const ws = core.ws(projectId);
  const target0 = ws.stat(target);
  if (target0 && !target0.stat.isDirectory()) throw new ZeblitError('CONFLICT', `${target} is a file; extract into a folder`);
  const dir = ws.scratchDir('uploads');
  const file = `${dir.at}/${randomBytes(9).toString('base64url')}.part`;
  let fd: number | null = null;
  try {
    fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    let bytes = 0;
    for await (const chunk of source) {
      bytes += chunk.byteLength;
      if (bytes > opts.limit) throw tooLarge(opts.limit);
      let off = 0;
      while (off < chunk.byteLength) off += (await writeAsync(fd, chunk, off, chunk.byteLength - off)).bytesWritten;
    }
    if (opts.expectedBytes !== undefined && bytes !== opts.expectedBytes) throw truncated(bytes, opts.expectedBytes);
    closeSync(fd);
    fd = null;
    await opts.commitWhen;
    const head = Buffer.alloc(512);
    const rfd = openSync(file, 'r');
    const n = readSync(rfd, head, 0, 512, 0);
    closeSync(rfd);
    const format = sniffArchive(head.subarray(0, n));
    if (!format) throw new ZeblitError('UNSUPPORTED_MEDIA_TYPE', 'extract=1 needs a .tar, .tar.gz/.tgz or .zip archive', { suggestion: 'Upload without extract=1 to store the file as it is.' });
    const { files, skipped } = await extractArchive(core, projectId, file, format, target, { ...opts, overwrite: opts.overwrite });
    return { files, bytes, extracted: true, skipped };
  } finally {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(file);
    } catch {
      // never created
    }
    ws.resolver.close(dir);
  }
}
