/**
 * What became of an agent turn in git, as every client says it. Free of
 * schemas, so the web client's bundle can take it alone.
 */
import type { ChatResponse } from './agents.ts';

/**
 * The commit, or why there is none; null when git_commit is off, or when
 * the turn changed no files (nothing to say then). `committed` tells the two
 * apart for styling.
 */
export function gitOutcome(r: Pick<ChatResponse, 'git' | 'files_changed'>): { text: string; committed: boolean } | null {
  if (r.git?.commit) return { text: `committed ${r.git.commit.slice(0, 7)}`, committed: true };
  if (r.git?.note && r.files_changed.length > 0) return { text: `no commit: ${r.git.note}`, committed: false };
  return null;
}
