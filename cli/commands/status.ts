import { Command, Option } from 'clipanion';
import type { ContainerStatus, Project } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { describeConnection } from '../connection.ts';
import { containerDetails } from '../container-view.ts';
import { loadDashboard, renderDashboard } from '../dashboard.ts';

export class StatusCommand extends ZeblitCommand {
  static override paths = [['status']];
  static override json = 'without a project, the dashboard `{connection, daemon: Health, project, container, runs, errors, llm: {today_usd, month_usd, budgets}, extra, problems}`; with one, `{project: Project, container: ContainerStatus}`';
  static override usage = Command.Usage({
    category: 'Containers',
    description: 'Everything at a glance: daemon, engine, the current project and its container, runs, errors, LLM cost; or one project in detail',
    details: `
      Without a project: the daemon and the container engine, the current project (see \`zeblit use\`) with its container, the runs in progress and the latest errors, and what LLM calls cost today and this month against the budgets.

      With a project: its container in detail (state, image, limits, health, ports, why it stopped).

      When the daemon cannot be reached, the last answer (if recent) is shown, marked as cached.
    `,
    examples: [
      ['The dashboard', '$0 status'],
      ['One project and its container', '$0 status my-api'],
      ['As JSON', '$0 status --json'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    if (this.project) {
      const ref = this.project;
      const data = await this.read('status', `status ${ref}`, async (client): Promise<{ project: Project; container: ContainerStatus }> => {
        const project = await client.projects.get(ref);
        return { project, container: await client.containers.status(project.id) };
      });
      this.emit(data, ({ project: p, container: c }) => containerDetails(c, p));
      return 0;
    }
    const current = this.config().current_project;
    const connection = describeConnection(this.connection());
    const dashboard = await this.read('dashboard', `dashboard ${current ?? ''}`, (client) => loadDashboard(client, current, connection));
    this.emit(dashboard, (d) => renderDashboard(d, this.color));
    return 0;
  }
}
