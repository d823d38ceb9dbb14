/**
 * The conversation `zeblit chat` continues, per project. It lives in
 * $ZEBLIT_HOME/config.json under `chat_conversations` (project id →
 * conversation id), beside `current_project`; like every CLI write to that
 * shared file, the rest of the object is written back untouched.
 */
import { existsSync, statSync } from 'node:fs';
import { readConfigObject, writeFileAtomic } from '../../config.ts';

const KEY = 'chat_conversations';

function table(raw: Record<string, unknown>): Record<string, string> {
  const v = raw[KEY];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
}

export function rememberedConversation(configFile: string, projectId: string): string | undefined {
  return table(readConfigObject(configFile))[projectId];
}

/** Sets (or with null forgets) the conversation of a project. */
export function rememberConversation(configFile: string, projectId: string, conversationId: string | null): void {
  const raw = readConfigObject(configFile);
  const next = table(raw);
  if (conversationId === null) {
    if (!(projectId in next)) return;
    delete next[projectId];
  } else {
    if (next[projectId] === conversationId) return;
    next[projectId] = conversationId;
  }
  const mode = existsSync(configFile) ? statSync(configFile).mode & 0o777 : 0o600;
  writeFileAtomic(configFile, `${JSON.stringify({ ...raw, [KEY]: next }, null, 2)}\n`, mode);
}
