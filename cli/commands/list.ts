import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { projectTable } from '../project-view.ts';

export class ListCommand extends ZeblitCommand {
  static override paths = [['list'], ['ls']];
  static override json = 'PageOf<Project>: `{items, total, limit, offset}`';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'List your projects',
    details: 'Active projects by default; `--all` adds archived ones. The current project (see `zeblit use`) is marked with `*`.',
    examples: [
      ['Your active projects', '$0 list'],
      ['Everything, archived included', '$0 list --all'],
      ['Projects whose name or description mentions "api"', '$0 list --search api'],
      ['Only the ids, one a line (for scripts)', '$0 list -q'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Include archived projects' });
  search = Option.String('-s,--search', { description: 'Only projects whose name or description contains this' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the project ids, one a line' });

  async run(): Promise<number> {
    const query = { status: this.all ? ('all' as const) : ('active' as const), q: this.search, limit: 500 };
    const page = await this.read('projects', `projects ${JSON.stringify(query)}`, (c) => c.projects.list(query));
    if (this.quiet && !this.json) {
      this.out(page.items.map((p) => `${p.id}\n`).join(''));
      return 0;
    }
    this.emit(page, () => {
      if (page.items.length === 0)
        return this.search ? `No project matches "${this.search}".\n` : 'No projects yet. Create one with `zeblit create <name>`.\n';
      const more = page.total > page.items.length ? `(${page.items.length} of ${page.total} shown; narrow it with --search)\n` : '';
      return projectTable(page.items, this.config().current_project, this.width) + more;
    });
    return 0;
  }
}
