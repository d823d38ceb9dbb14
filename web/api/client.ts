/**
 * The API as the page uses it. The resource groups of src/client that need
 * nothing of Node (projects, console, usage, users, scheduled tasks, checkpoints) are used as they are,
 * over the fetch requester; files, chat and container runs need streams and
 * bodies the Node client reads with node:http, so their browser halves are
 * here (web/api/files.ts, agents.ts, containers.ts), on the same paths and
 * contract types.
 */
import { CheckpointsApi } from '../../src/client/checkpoints.ts';
import { ConsoleApi } from '../../src/client/console.ts';
import { LlmApi } from '../../src/client/llm.ts';
import { ProjectsApi } from '../../src/client/projects.ts';
import { SchedulerApi } from '../../src/client/scheduler.ts';
import { UsersApi } from '../../src/client/users.ts';
import { WebAgentsApi } from './agents.ts';
import { WebContainersApi } from './containers.ts';
import { WebFilesApi } from './files.ts';
import { WebRequester, type Credentials } from './http.ts';

export class WebClient {
  readonly http: WebRequester;
  readonly projects: ProjectsApi;
  readonly console: ConsoleApi;
  readonly llm: LlmApi;
  readonly users: UsersApi;
  readonly scheduler: SchedulerApi;
  readonly checkpoints: CheckpointsApi;
  readonly files: WebFilesApi;
  readonly agents: WebAgentsApi;
  readonly containers: WebContainersApi;

  constructor(creds: Credentials) {
    this.http = new WebRequester(creds);
    this.projects = new ProjectsApi(this.http);
    this.console = new ConsoleApi(this.http);
    this.llm = new LlmApi(this.http);
    this.users = new UsersApi(this.http);
    this.scheduler = new SchedulerApi(this.http);
    this.checkpoints = new CheckpointsApi(this.http);
    this.files = new WebFilesApi(this.http);
    this.agents = new WebAgentsApi(this.http);
    this.containers = new WebContainersApi(this.http);
  }
}
