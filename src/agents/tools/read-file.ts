import { createInterface } from 'node:readline';
import { z } from 'zod';
import { ToolError, type ToolDef } from '../types.ts';
import { formatBytes, numbered, translated, workspaceRel } from './common.ts';

export const READ_MAX_LINES = 2000;
export const READ_MAX_BYTES = 200 * 1024;
/** Longer lines are cut (minified code, data on one line). */
const MAX_LINE_CHARS = 2000;
/** Beyond this size the total line count is not worth reading the whole file for. */
const COUNT_LINES_UP_TO = 16 * 1024 * 1024;

const Input = z
  .strictObject({
    path: z.string().min(1).max(4096).describe('File path relative to /workspace, e.g. src/main.py'),
    start_line: z.number().int().min(1).max(100_000_000).optional().describe('First line to show (1-based; default 1)'),
    end_line: z.number().int().min(1).max(100_000_000).optional().describe(`Last line to show (inclusive); at most ${READ_MAX_LINES} lines are shown per call`),
  })
  .refine((i) => i.end_line === undefined || i.end_line >= (i.start_line ?? 1), { message: 'end_line must not be before start_line', path: ['end_line'] });
type Input = z.output<typeof Input>;

export const readFile: ToolDef<Input> = {
  name: 'read_file',
  description: [
    'Read a text file of the workspace. Lines come numbered ("  12| code"); the numbers are not part of the file.',
    `At most ${READ_MAX_LINES} lines or ${READ_MAX_BYTES / 1024} KiB per call: for a longer file, read on with start_line as the answer says.`,
    'Binary files are described, not shown. Read a file before editing it.',
  ].join(' '),
  input: Input,
  async run(input, ctx) {
    const rel = workspaceRel(input.path);
    const { files } = ctx.services;
    const meta = await translated(() => files.stat(ctx.project.id, rel));
    if (meta.type === 'dir') throw new ToolError(`${rel} is a folder, not a file. Use list_files to see what is in it.`);
    if (meta.type !== 'file') throw new ToolError(`${rel} is not a regular file (${meta.type}).`);
    if (meta.is_binary) {
      return `${rel} is a binary file (${meta.mime_type ?? 'unknown type'}, ${formatBytes(meta.size)}); its bytes are not shown. Inspect it with run_command if needed (e.g. \`file ${rel}\`, \`xxd ${rel} | head\`).`;
    }
    if (meta.size === 0) return `${rel} is empty (0 bytes).`;
    const start = input.start_line ?? 1;
    const end = Math.min(input.end_line ?? Number.MAX_SAFE_INTEGER, start + READ_MAX_LINES - 1);
    const raw = await translated(() => files.openRaw(ctx.project.id, rel));
    const shown: string[] = [];
    let bytes = 0;
    let lineNo = 0;
    let cutByBytes = false;
    const countAll = meta.size <= COUNT_LINES_UP_TO;
    const rl = createInterface({ input: raw.stream, crlfDelay: Infinity });
    try {
      for await (const line of rl) {
        lineNo++;
        if (lineNo < start) continue;
        if (lineNo <= end && !cutByBytes) {
          const size = Buffer.byteLength(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) : line) + 1;
          if (bytes + size > READ_MAX_BYTES && shown.length > 0) cutByBytes = true;
          else {
            shown.push(line);
            bytes += size;
            continue;
          }
        }
        if (!countAll) {
          lineNo = -1;
          break;
        }
      }
    } finally {
      rl.close();
      raw.stream.destroy();
    }
    const total = lineNo; // -1: not counted
    if (shown.length === 0) throw new ToolError(`${rel} has ${total} line(s); start_line ${start} is past the end.`);
    const last = start + shown.length - 1;
    const totalText = total >= 0 ? `${total} lines` : `${formatBytes(meta.size)}, not all lines counted`;
    const header = `${rel} (${totalText}${meta.version !== null ? `, version ${meta.version}` : ''}) lines ${start}-${last}:`;
    const moreAfter = total < 0 || last < total;
    const footer = moreAfter ? `\n[more below: read on with start_line ${last + 1}${cutByBytes ? ` (this call stopped at ${READ_MAX_BYTES / 1024} KiB)` : ''}]` : '';
    return `${header}\n${numbered(shown, start, MAX_LINE_CHARS)}${footer}`;
  },
};
