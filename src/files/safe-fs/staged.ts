/**
 * A write in progress. Invariant: the target path changes only at commit(),
 * by one rename(2) of a complete temporary file in the SAME folder (so the
 * same file system, and a folder already verified); abort() or an error
 * leaves nothing behind. Readers see the old file or the new one, never half.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, constants, fchmodSync, lstatSync, openSync, renameSync, unlinkSync, write, writeSync, type Stats } from 'node:fs';
import { promisify } from 'node:util';
import { ZeblitError } from '../../contracts/index.ts';
import { translateFsError } from './errors.ts';
import { adoptOwner, giveTo } from './ownership.ts';
import type { Located, Resolver } from './resolver.ts';

const writeAsync = promisify(write);

/** Temporary files carry this prefix; scans skip them. */
export const TEMP_PREFIX = '.zeblit-tmp-';

export interface StagedResult {
  sha256: string;
  size: number;
  /** The bytes, when they fit in `keepUpTo`. */
  content: Buffer | null;
  /** The first 8 KiB, to tell text from binary. */
  head: Buffer;
}

export class StagedFile {
  private readonly hash: Hash = createHash('sha256');
  private kept: Buffer[] | null = [];
  private head: Buffer[] = [];
  private headSize = 0;
  private closed = false;
  private done = false;
  size = 0;

  private constructor(
    private readonly resolver: Resolver,
    readonly target: Located,
    private readonly fd: number,
    private readonly tmp: string,
    private readonly keepUpTo: number,
  ) {}

  /** Creates the temporary file beside the target (O_EXCL, O_NOFOLLOW), checked to be inside the workspace. */
  static open(resolver: Resolver, target: Located, keepUpTo: number): StagedFile {
    const tmp = `${TEMP_PREFIX}${randomBytes(9).toString('base64url')}`;
    const path = `${target.dir.at}/${tmp}`;
    let fd: number;
    try {
      fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    } catch (e) {
      translateFsError(e, target.rel);
    }
    try {
      // Owner first: should the check below fail (the folder moved meanwhile), a temporary file left behind is not root's.
      const old = target.stat;
      if (old?.isFile()) {
        fchmodSync(fd, old.mode & 0o7777);
        if (process.getuid?.() === 0) giveTo(fd, { uid: old.uid, gid: old.gid });
      } else adoptOwner(target.dir.fd, fd);
      resolver.verifyFd(fd, `${target.dir.rel ? `${target.dir.rel}/` : ''}${tmp}`);
    } catch (e) {
      closeSync(fd);
      try {
        unlinkSync(path);
      } catch {
        // gone already
      }
      throw e;
    }
    return new StagedFile(resolver, target, fd, tmp, keepUpTo);
  }

  private account(chunk: Uint8Array, limit?: number): void {
    this.size += chunk.byteLength;
    if (limit !== undefined && this.size > limit)
      throw new ZeblitError('PAYLOAD_TOO_LARGE', `The file is larger than ${limit} bytes`, { suggestion: 'Raise max_upload_bytes in config.json, or send a smaller file.' });
    this.hash.update(chunk);
    if (this.headSize < 8192) {
      const part = Buffer.from(chunk.subarray(0, 8192 - this.headSize));
      this.head.push(part);
      this.headSize += part.byteLength;
    }
    if (this.kept) {
      if (this.size <= this.keepUpTo) this.kept.push(Buffer.from(chunk));
      else this.kept = null;
    }
  }

  writeAllSync(data: Uint8Array): void {
    this.account(data);
    let off = 0;
    while (off < data.byteLength) off += writeSync(this.fd, data, off, data.byteLength - off);
  }

  /** Streams `source` into the file with backpressure (each chunk is written before the next is read). */
  async pipeFrom(source: AsyncIterable<Uint8Array>, limit?: number): Promise<void> {
    for await (const chunk of source) {
      this.account(chunk, limit);
      let off = 0;
      while (off < chunk.byteLength) off += (await writeAsync(this.fd, chunk, off, chunk.byteLength - off)).bytesWritten;
    }
  }

  result(): StagedResult {
    return { sha256: this.hash.copy().digest('hex'), size: this.size, content: this.kept ? Buffer.concat(this.kept) : null, head: Buffer.concat(this.head) };
  }

  /** What is at the target now (it may have changed since staging began). */
  current(): Stats | null {
    return lstatSync(`${this.target.dir.at}/${this.target.name}`, { throwIfNoEntry: false }) ?? null;
  }

  /** Moves the file into place; returns its stat. */
  commit(): Stats {
    if (this.done) throw new Error('staged file already committed or aborted');
    const now = this.current();
    if (now?.isDirectory()) {
      this.abort();
      throw new ZeblitError('CONFLICT', `${this.target.rel} is a folder`);
    }
    this.closeFd();
    try {
      renameSync(`${this.target.dir.at}/${this.tmp}`, `${this.target.dir.at}/${this.target.name}`);
    } catch (e) {
      this.abort();
      translateFsError(e, this.target.rel);
    }
    this.done = true;
    try {
      return lstatSync(`${this.target.dir.at}/${this.target.name}`);
    } catch (e) {
      // Moved away at once (without /proc the folder is addressed by its path): the API's error, not a raw one.
      translateFsError(e, this.target.rel);
    } finally {
      this.resolver.close(this.target.dir);
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    this.closeFd();
    try {
      unlinkSync(`${this.target.dir.at}/${this.tmp}`);
    } catch {
      // never created or already gone
    }
    this.resolver.close(this.target.dir);
  }

  private closeFd(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
