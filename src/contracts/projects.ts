import { z } from 'zod';

export const TEMPLATE_NAMES = ['python', 'node', 'blank'] as const;
export const TemplateName = z.enum(TEMPLATE_NAMES);
export type TemplateName = z.infer<typeof TemplateName>;

export const Template = z.object({
  name: TemplateName,
  description: z.string(),
  image: z.string(),
  local_image: z.string().describe('Built locally by scripts/build-images.sh where no registry is reachable'),
  workdir: z.string(),
  setup: z.string().nullable(),
});
export type Template = z.infer<typeof Template>;

export const PROJECT_NAME = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'starts with a letter or digit; then letters, digits, . _ -')
  .refine((s) => !/^prj_/.test(s), 'must not start with prj_ (that prefix is for ids)');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ProjectSettings = z.strictObject({
  cpus: z.number().min(0.1).max(64).default(2),
  memory_mb: z.number().int().min(64).max(262_144).default(2048),
  pids: z.number().int().min(16).max(65_536).default(512),
  idle_timeout_minutes: z.number().int().min(0).max(10_080).default(30).describe('0 = never stop'),
  network: z.enum(['bridge', 'none']).default('bridge'),
  ports: z.array(z.number().int().min(1).max(65_535)).max(32).default([]),
  env: z
    .record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and _').max(128), z.string().max(32_768))
    .default({})
    .refine((e) => Object.keys(e).length <= 128, 'at most 128 variables'),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;
export const DEFAULT_SETTINGS: ProjectSettings = ProjectSettings.parse({});

export const ProjectStatus = z.enum(['active', 'archived']);
export type ProjectStatus = z.infer<typeof ProjectStatus>;

export const Project = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  template: TemplateName,
  settings: ProjectSettings,
  status: ProjectStatus,
  owner_id: z.string(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
});
export type Project = z.infer<typeof Project>;

export const CreateProjectRequest = z.strictObject({
  name: PROJECT_NAME,
  description: z.string().max(2000).default(''),
  template: TemplateName.default('python'),
  settings: ProjectSettings.partial().default({}),
});
export type CreateProjectRequest = z.input<typeof CreateProjectRequest>;

export const UpdateProjectRequest = z
  .strictObject({
    name: PROJECT_NAME.optional(),
    description: z.string().max(2000).optional(),
    settings: ProjectSettings.partial().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update: give name, description or settings');
export type UpdateProjectRequest = z.input<typeof UpdateProjectRequest>;

export const ProjectListQuery = z.object({
  q: z.string().max(200).optional().describe('Substring of the name or description'),
  status: z.enum(['active', 'archived', 'all']).default('active'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type ProjectListQuery = z.input<typeof ProjectListQuery>;
