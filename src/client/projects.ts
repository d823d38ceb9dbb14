import type { CreateProjectRequest, PageOf, Project, ProjectListQuery, Template, UpdateProjectRequest } from '../contracts/index.ts';
import { seg, type Requester } from './requester.ts';

/** The list query as a caller writes it (the schema coerces strings, so its input type is loose). */
export type ProjectListParams = Omit<ProjectListQuery, 'limit' | 'offset'> & { limit?: number; offset?: number };

/** /api/v1/projects. A project reference is its id (prj_…) or its name. */
export class ProjectsApi {
  constructor(private readonly r: Requester) {}

  list(query: ProjectListParams = {}): Promise<PageOf<Project>> {
    return this.r.request('GET', '/projects', { query: { ...query } });
  }

  /** A folder project reads its folder, a git one clones first: those may take minutes, not the default deadline. */
  create(body: CreateProjectRequest): Promise<Project> {
    const slow = body.path !== undefined || body.git !== undefined;
    return this.r.request('POST', '/projects', { json: body, ...(slow ? { timeoutMs: 30 * 60_000 } : {}) });
  }

  templates(): Promise<Template[]> {
    return this.r.request('GET', '/projects/templates');
  }

  get(ref: string): Promise<Project> {
    return this.r.request('GET', `/projects/${seg(ref)}`);
  }

  update(ref: string, body: UpdateProjectRequest): Promise<Project> {
    return this.r.request('PUT', `/projects/${seg(ref)}`, { json: body });
  }

  /** `purge`: a folder project's folder is removed too (never otherwise). */
  delete(ref: string, opts: { purge?: boolean } = {}): Promise<Project> {
    return this.r.request('DELETE', `/projects/${seg(ref)}`, opts.purge ? { query: { purge: '1' } } : {});
  }

  archive(ref: string): Promise<Project> {
    return this.r.request('POST', `/projects/${seg(ref)}/archive`);
  }

  unarchive(ref: string): Promise<Project> {
    return this.r.request('POST', `/projects/${seg(ref)}/unarchive`);
  }
}
