import { createReadStream, statSync } from 'node:fs';
import type { UploadResult } from '../src/contracts/index.ts';
import type { ZeblitCommand } from './base-command.ts';
import { CliError } from './cli-error.ts';
import { progressFor } from './progress.ts';

/** Streams a local file to the workspace, with a progress bar on a terminal when asked. */
export async function uploadLocal(
  cmd: ZeblitCommand,
  ref: string,
  local: string,
  remote: string,
  opts: { overwrite: boolean; extract?: boolean; ifMatch?: string; progress?: boolean },
): Promise<UploadResult> {
  let size: number;
  try {
    const st = statSync(local);
    if (st.isDirectory())
      throw new CliError('IS_A_FOLDER', `${local} is a folder`, { suggestion: `Pack it and unpack it there: tar -czf dir.tgz -C ${local} . && zeblit files upload dir.tgz ${remote} --extract` });
    size = st.size;
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError('NOT_FOUND', `Cannot read ${local}: ${(e as Error).message}`);
  }
  const bar = opts.progress ? progressFor(cmd.context.stderr, cmd.env, `Uploading ${local}`) : null;
  const files = (await cmd.client()).files;
  const res = await files.upload(ref, remote, createReadStream(local), size, { overwrite: opts.overwrite, extract: opts.extract, ifMatch: opts.ifMatch, onProgress: bar?.update });
  bar?.finish();
  return res;
}
