import { Command, Option, UsageError } from 'clipanion';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ZeblitCommand } from '../base-command.ts';
import { plural } from '../format.ts';
import { formatBytes } from '../progress.ts';
import { confirm, isInteractive } from '../prompt.ts';

interface Tally {
  files: number;
  bytes: number;
}

/** Files (links counted, not followed) and bytes below a folder; throws when it cannot be read. */
function tally(dir: string, into: Tally = { files: 0, bytes: 0 }): Tally {
  for (const name of readdirSync(dir)) {
    const st = lstatSync(join(dir, name));
    if (st.isDirectory()) tally(join(dir, name), into);
    else {
      into.files++;
      into.bytes += st.size;
    }
  }
  return into;
}

/**
 * What --purge would remove, said before asking: the files of the folder and,
 * apart, a git repository's .git (its whole history goes too). Counted here,
 * so only when the folder is readable from this machine.
 */
function purgeSummary(dir: string): string {
  try {
    const hasGit = lstatSync(join(dir, '.git'), { throwIfNoEntry: false })?.isDirectory() === true;
    const repo = hasGit ? tally(join(dir, '.git')) : null;
    const all = tally(dir);
    const own = { files: all.files - (repo?.files ?? 0), bytes: all.bytes - (repo?.bytes ?? 0) };
    const files = `${plural(own.files, 'file')} (${formatBytes(own.bytes)})`;
    return `${files}${repo ? `, and .git: the git repository with its whole history (${plural(repo.files, 'file')}, ${formatBytes(repo.bytes)})` : ''}`;
  } catch (e) {
    return `what is in it cannot be counted from here (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
}

export class DeleteCommand extends ZeblitCommand {
  static override paths = [['delete'], ['rm']];
  static override json = 'Project (as it was)';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Delete a project, its workspace and its container',
    details:
      "Asks for confirmation on a terminal. Without a terminal (a script, a pipe) it refuses unless `--force` is given. This cannot be undone. A folder project's folder is yours and stays (only Zeblit's history, container and settings go), unless `--purge`, which says what it would remove and asks.",
    examples: [
      ['Delete, after confirming', '$0 delete my-api'],
      ['Delete without asking', '$0 delete my-api --force'],
      ["A folder project, and its folder too", '$0 delete shop --purge'],
    ],
  });

  project = Option.String({ name: 'project' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });
  purge = Option.Boolean('--purge', false, { description: "A folder project: remove its folder from disk too" });

  async run(): Promise<number> {
    const client = await this.client();
    const project = await client.projects.get(this.project);
    const purge = this.purge && project.path !== null;
    if (this.purge && !project.path) this.err(`${project.name} is not a folder project: --purge changes nothing.\n`);
    if (purge && project.path) this.err(`--purge removes the folder ${project.path} from disk with everything in it: ${purgeSummary(project.path)}.\n`);
    if (!this.force) {
      if (!isInteractive(this.context.stdin)) throw new UsageError(`Refusing to delete ${project.name} without --force when stdin is not a terminal`);
      const what = purge ? `project ${project.name} (${project.id}) AND its folder ${project.path}` : project.path ? `project ${project.name} (${project.id})? Its folder ${project.path} stays` : `project ${project.name} (${project.id}) and its workspace`;
      const yes = await confirm(`Delete ${what}${project.path && !purge ? '.' : '?'} This cannot be undone.`, this.context.stdin, this.context.stderr);
      if (!yes) {
        this.err('Cancelled.\n');
        return 1;
      }
    }
    const deleted = await client.projects.delete(project.id, { purge });
    if (this.config().current_project === deleted.id) this.updateConfig({ current_project: null });
    this.emit(deleted, (p) => `Deleted project ${p.name} (${p.id}).${p.path ? (purge ? ` Its folder ${p.path} was removed.` : ` Its folder ${p.path} is untouched.`) : ''}\n`);
    return 0;
  }
}
