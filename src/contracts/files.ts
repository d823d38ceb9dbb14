import { z } from 'zod';

/**
 * The workspace file API: paths are relative to the project's workspace
 * (`/workspace` in its container), `/`-separated, never absolute.
 */

export const FILE_PATH_MAX_BYTES = 4096;
export const FILE_SEGMENT_MAX_BYTES = 255;
export const DEFAULT_MAX_UPLOAD_BYTES = 100 * 1024 * 1024;
export const DEFAULT_MAX_VERSIONED_BYTES = 10 * 1024 * 1024;

const RelPath = z.string().max(FILE_PATH_MAX_BYTES * 3).describe('Path relative to the workspace, `/`-separated');

export const FileEncoding = z.enum(['utf-8', 'base64']);
export type FileEncoding = z.infer<typeof FileEncoding>;

export const FileType = z.enum(['file', 'dir', 'symlink', 'other']);
export type FileType = z.infer<typeof FileType>;

/** Who made a change: `user:<id>`, `agent:<name>`, `container`, or `external` (found by a scan, origin unknown). */
export const FileAuthor = z.string().min(1).max(200);

export const FileMeta = z.object({
  path: z.string(),
  name: z.string(),
  type: FileType,
  size: z.number().int(),
  sha256: z.string().nullable().describe('null for folders'),
  mime_type: z.string().nullable(),
  is_binary: z.boolean(),
  version: z.number().int().nullable().describe('The current version; null when the file is not versioned (ignored, or over the size limit)'),
  versioned: z.boolean().describe('Whether changes to this path are kept as versions'),
  ignored: z.boolean().describe('Matched by .gitignore or the default ignore rules'),
  modified: z.number().int().describe('mtime, UTC milliseconds'),
});
export type FileMeta = z.infer<typeof FileMeta>;

export const FileContent = FileMeta.extend({
  content: z.string().nullable().describe('null when the file is too large for JSON: use ?raw=1 or /files/download'),
  encoding: FileEncoding.nullable(),
});
export type FileContent = z.infer<typeof FileContent>;

export const FileReadQuery = z.object({
  raw: z.enum(['0', '1', 'true', 'false']).optional().describe('1: the bytes themselves (also with Accept: application/octet-stream)'),
  meta: z.enum(['0', '1', 'true', 'false']).optional().describe('1: metadata only, no content'),
});

export const CreateFileRequest = z.strictObject({
  path: RelPath.min(1),
  content: z.string().default(''),
  encoding: FileEncoding.default('utf-8'),
  overwrite: z.boolean().default(false).describe('Replace an existing file instead of answering 409'),
});
export type CreateFileRequest = z.input<typeof CreateFileRequest>;

export const UpdateFileRequest = z.strictObject({
  content: z.string(),
  encoding: FileEncoding.default('utf-8'),
  if_match: z.string().max(100).optional().describe('Same as the If-Match header: the sha256 or version you last read'),
});
export type UpdateFileRequest = z.input<typeof UpdateFileRequest>;

export const DeleteResult = z.object({
  path: z.string(),
  type: FileType,
  files: z.number().int().describe('Files removed (a folder counts its files)'),
});
export type DeleteResult = z.infer<typeof DeleteResult>;

export interface TreeNode {
  name: string;
  path: string;
  type: FileType;
  size: number;
  modified: number;
  ignored: boolean;
  /** Folders: the entries, when within the depth; absent beyond it. */
  children?: TreeNode[];
  /** Folders: true when the children were not listed (depth, ignored, or entry cap). */
  truncated?: boolean;
}
export const TreeNode: z.ZodType<TreeNode> = z
  .object({
    name: z.string(),
    path: z.string(),
    type: FileType,
    size: z.number().int().describe('Files: bytes; folders: the bytes of what was listed below'),
    modified: z.number().int(),
    ignored: z.boolean(),
    // A getter makes the type recursive; the id turns it into one $ref'd component in the OpenAPI document.
    get children() {
      return z.array(TreeNode).optional();
    },
    truncated: z.boolean().optional(),
  })
  .meta({ id: 'FileTreeNode' });

export const TreeQuery = z.object({
  path: z.string().max(FILE_PATH_MAX_BYTES * 3).default('').describe('Folder to start from'),
  depth: z.coerce.number().int().min(1).max(64).default(16),
  expand_ignored: z.enum(['0', '1', 'true', 'false']).optional().describe('1: also list the inside of ignored folders (node_modules, …)'),
  max_entries: z.coerce.number().int().min(1).max(200_000).default(50_000),
});
export type TreeQuery = z.input<typeof TreeQuery>;

export const FileTree = z.object({
  root: TreeNode,
  files: z.number().int(),
  dirs: z.number().int(),
  truncated: z.boolean(),
});
export type FileTree = z.infer<typeof FileTree>;

export const FileEntry = z.object({
  path: z.string(),
  name: z.string(),
  type: FileType,
  size: z.number().int(),
  modified: z.number().int(),
  ignored: z.boolean(),
});
export type FileEntry = z.infer<typeof FileEntry>;

export const FileListQuery = z.object({
  dir: z.string().max(FILE_PATH_MAX_BYTES * 3).default(''),
  glob: z.string().max(1000).optional().describe('e.g. *.py (a name at any depth) or src/**/*.ts (a path relative to dir); with a glob the listing is recursive unless recursive=0'),
  recursive: z.enum(['0', '1', 'true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(5000),
});
export type FileListQuery = z.input<typeof FileListQuery>;

export const FileList = z.object({ dir: z.string(), items: z.array(FileEntry), truncated: z.boolean() });
export type FileList = z.infer<typeof FileList>;

export const SearchQuery = z.object({
  q: z.string().min(1).max(1000),
  dir: z.string().max(FILE_PATH_MAX_BYTES * 3).default(''),
  glob: z.string().max(1000).optional(),
  regex: z.enum(['0', '1', 'true', 'false']).optional().describe('1: q is a JavaScript regular expression'),
  case_sensitive: z.enum(['0', '1', 'true', 'false']).optional(),
  max_results: z.coerce.number().int().min(1).max(10_000).default(200),
});
export type SearchQuery = z.input<typeof SearchQuery>;

export const SearchMatch = z.object({
  path: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  text: z.string().describe('The matching line, cut to 500 characters'),
});
export type SearchMatch = z.infer<typeof SearchMatch>;

export const SearchResult = z.object({
  matches: z.array(SearchMatch),
  truncated: z.boolean().describe('The match cap was reached'),
  files_scanned: z.number().int(),
  files_skipped: z.number().int().describe('Binary, too large, or unreadable'),
});
export type SearchResult = z.infer<typeof SearchResult>;

export const MoveRequest = z.strictObject({
  from: RelPath.min(1),
  to: RelPath.min(1),
  overwrite: z.boolean().default(false),
});
export type MoveRequest = z.input<typeof MoveRequest>;

export const MoveResult = z.object({ from: z.string(), to: z.string(), type: FileType, files: z.number().int() });
export type MoveResult = z.infer<typeof MoveResult>;

export const VersionAction = z.enum(['created', 'modified', 'deleted']);
export type VersionAction = z.infer<typeof VersionAction>;

export const FileVersionInfo = z.object({
  version: z.number().int(),
  action: VersionAction,
  sha256: z.string().nullable(),
  size: z.number().int().nullable(),
  author: z.string(),
  run_id: z.string().nullable(),
  origin: z.string().nullable().describe('"restored from v3", "moved from a.txt", "copied from b.txt"'),
  created_at: z.number().int(),
  current: z.boolean(),
});
export type FileVersionInfo = z.infer<typeof FileVersionInfo>;

export const FileVersionList = z.object({
  path: z.string(),
  exists: z.boolean(),
  current_version: z.number().int().nullable(),
  items: z.array(FileVersionInfo).describe('Newest first'),
});
export type FileVersionList = z.infer<typeof FileVersionList>;

export const FileVersionContent = FileVersionInfo.extend({
  path: z.string(),
  mime_type: z.string(),
  is_binary: z.boolean(),
  content: z.string().nullable(),
  encoding: FileEncoding.nullable(),
});
export type FileVersionContent = z.infer<typeof FileVersionContent>;

const VersionRef = z
  .string()
  .regex(/^(\d+|current)$/, 'a version number or "current"')
  .describe('A version number, or "current" for the file on disk');

export const DiffQuery = z.object({
  from: VersionRef.optional().describe('Default: the version before `to`'),
  to: VersionRef.optional().describe('Default: current'),
  context: z.coerce.number().int().min(0).max(100).default(3),
});
export type DiffQuery = z.input<typeof DiffQuery>;

export const FileDiff = z.object({
  path: z.string(),
  from: z.number().int().nullable(),
  to: z.number().int().nullable().describe('null: the file on disk'),
  binary: z.boolean(),
  identical: z.boolean(),
  diff: z.string().nullable().describe('Unified diff; null for binary content'),
  additions: z.number().int(),
  deletions: z.number().int(),
});
export type FileDiff = z.infer<typeof FileDiff>;

export const SyncRequest = z.object({
  path: z.string().max(FILE_PATH_MAX_BYTES * 3).optional().describe('Only this folder (default: the whole workspace)'),
});
export type SyncRequest = z.input<typeof SyncRequest>;

export const FileChange = z.object({
  path: z.string(),
  action: VersionAction,
  version: z.number().int().nullable(),
});
export type FileChange = z.infer<typeof FileChange>;

export const SyncResult = z.object({
  scanned: z.number().int(),
  hashed: z.number().int().describe('Files whose stat changed and were read'),
  created: z.number().int(),
  modified: z.number().int(),
  deleted: z.number().int(),
  changes: z.array(FileChange).describe('At most 1000; the counts are complete'),
  mode: z.enum(['bind', 'archive']).describe('archive: the workspace was copied out of the container first'),
  duration_ms: z.number(),
});
export type SyncResult = z.infer<typeof SyncResult>;

export const UploadQuery = z.object({
  path: z.string().max(FILE_PATH_MAX_BYTES * 3).optional().describe('Target file (or folder with extract=1); default: the part\'s filename at the root'),
  extract: z.enum(['0', '1', 'true', 'false']).optional().describe('1: unpack a .tar, .tar.gz/.tgz or .zip into the folder `path`'),
  overwrite: z.enum(['0', '1', 'true', 'false']).optional().describe('0: 409 when the target exists (default 1)'),
});

export const UploadResult = z.object({
  files: z.array(FileMeta),
  bytes: z.number().int().describe('Bytes received'),
  extracted: z.boolean(),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })).describe('Archive entries not extracted (links, devices)'),
});
export type UploadResult = z.infer<typeof UploadResult>;

export const PruneResult = z.object({ versions: z.number().int(), blobs: z.number().int(), bytes: z.number().int() });
export type PruneResult = z.infer<typeof PruneResult>;

/** Accepts `?x=1|true`. */
export const isTrue = (v: string | undefined): boolean => v === '1' || v === 'true';
