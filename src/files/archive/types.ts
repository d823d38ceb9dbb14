import type { Readable } from 'node:stream';

/** One member of a tar or zip archive, as the extractor sees it. */
export interface ArchiveEntry {
  /** As written in the archive: not yet checked. */
  name: string;
  type: 'file' | 'dir' | 'symlink' | 'link' | 'other';
  size: number;
  mode: number;
  mtime?: Date;
  /** The bytes of a file entry (tar: only while it is the current entry). */
  open(): Readable;
}

export type ArchiveFormat = 'tar' | 'tar.gz' | 'zip';

/** The format by magic bytes, or null. */
export function sniffArchive(head: Buffer): ArchiveFormat | null {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'tar.gz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return null;
}
