/**
 * What a turn leaves when it ends, after its record is saved: its
 * checkpoint closed (and, with the project setting git_commit, a commit of
 * its files), and the response its client gets.
 */
import type { AgentName, ChatResponse, Project, TurnStatus } from '../contracts/index.ts';
import { commitPaths } from '../projects/index.ts';
import type { Turn } from './loop.ts';
import type { ToolServices } from './types.ts';

/**
 * The turn's checkpoint gets its files (after the scans of its commands),
 * and with the project setting git_commit a folder project's repository
 * gets a commit of them. Never fails the turn: what went wrong is noted.
 */
export async function closeCheckpoint(files: ToolServices['files'], project: Project, turn: Turn, agent: AgentName, request: string, status: TurnStatus): Promise<ChatResponse['git']> {
  const { messageId } = turn.init;
  let cp;
  try {
    cp = await files.finishTurn(project.id, messageId, status, turn.runs);
  } catch {
    return null; // the project went meanwhile
  }
  if (!project.settings.git_commit || !project.path) return null;
  let git: NonNullable<ChatResponse['git']>;
  try {
    const title = request.split('\n')[0]?.trim().slice(0, 72) ?? '';
    const message = `zeblit(${agent}): ${title}\n\n${request.slice(0, 2_000)}\n\nZeblit-Turn: ${messageId}\nZeblit-Conversation: ${turn.init.conversationId}\n`;
    git = await commitPaths({ folder: project.path, paths: cp.files.map((f) => f.path), message, author: project.settings.git_author });
  } catch (err) {
    git = { commit: null, note: `git failed: ${(err as Error).message}` };
  }
  files.checkpoints.setCommit(project.id, messageId, git.commit, git.note);
  return git;
}

export function turnResponse(turn: Turn, agent: AgentName, status: TurnStatus, error: ChatResponse['error'], git: ChatResponse['git'] = null): ChatResponse {
  return {
    conversation_id: turn.init.conversationId,
    message_id: turn.init.messageId,
    agent,
    status,
    answer: turn.answer,
    steps: turn.steps,
    files_changed: [...turn.filesChanged],
    runs: turn.runs,
    usage: { ...turn.usage },
    error,
    git,
  };
}
