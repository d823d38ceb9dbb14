import { Command, Option, UsageError } from 'clipanion';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ZeblitCommand } from '../base-command.ts';
import { plural } from '../format.ts';
import { confirm, isInteractive } from '../prompt.ts';

/** Files and bytes below a folder (links not followed), for the purge question; null when it cannot be read from here. */
function folderSize(dir: string): { files: number; bytes: number } | null {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const st = lstatSync(join(d, name));
      if (st.isDirectory()) walk(join(d, name));
      else {
        files++;
        bytes += st.size;
      }
    }
  };
  try {
    walk(dir);
  } catch {
    return null;
  }
  return { files, bytes };
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
    if (purge && project.path) {
      const size = folderSize(project.path);
      this.err(`--purge removes the folder ${project.path}${size ? ` and everything in it: ${plural(size.files, 'file')}, ${(size.bytes / 1e6).toFixed(1)} MB` : ''} (.git included).\n`);
    }
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
