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

  create(body: CreateProjectRequest): Promise<Project> {
    return this.r.request('POST', '/projects', { json: body });
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

  delete(ref: string): Promise<Project> {
    return this.r.request('DELETE', `/projects/${seg(ref)}`);
  }

  archive(ref: string): Promise<Project> {
    return this.r.request('POST', `/projects/${seg(ref)}/archive`);
  }

  unarchive(ref: string): Promise<Project> {
    return this.r.request('POST', `/projects/${seg(ref)}/unarchive`);
  }
}
