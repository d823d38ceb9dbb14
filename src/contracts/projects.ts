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

/** Names that collide with fixed routes under /projects/. */
const RESERVED_PROJECT_NAMES = new Set(['templates']);

export const PROJECT_NAME = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'starts with a letter or digit; then letters, digits, . _ -')
  .refine((s) => !/^prj_/.test(s), 'must not start with prj_ (that prefix is for ids)')
  .refine((s) => !RESERVED_PROJECT_NAMES.has(s.toLowerCase()), 'is a reserved word of the API (templates)');

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variables for commands: names are letters, digits and _; at most 128. */
export const EnvVars = z
  .record(z.string().regex(ENV_NAME, 'environment variable names are letters, digits and _').max(128), z.string().max(32_768))
  .refine((e) => Object.keys(e).length <= 128, 'at most 128 variables');

/** Each setting's rule, written once; ProjectSettings adds the defaults, ProjectSettingsPatch does not. */
const SETTINGS_FIELDS = {
  cpus: z.number().min(0.1).max(64),
  memory_mb: z.number().int().min(64).max(262_144),
  pids: z.number().int().min(16).max(65_536),
  idle_timeout_minutes: z.number().int().min(0).max(10_080).describe('0 = never stop'),
  network: z.enum(['bridge', 'none']),
  ports: z.array(z.number().int().min(1).max(65_535)).max(32),
  env: EnvVars,
  approval: z.enum(['auto', 'ask']).describe('ask: run_command, delete_file and writes outside the task wait for a person'),
  auto_fix: z.boolean().describe('A failed run or a new detected error starts an Engineer turn to fix it'),
  auto_fix_attempts: z.number().int().min(1).max(10),
  monthly_budget_usd: z.number().min(0).nullable().describe('LLM spending cap for this project per calendar month (UTC); null: none'),
};

export const ProjectSettings = z.strictObject({
  cpus: SETTINGS_FIELDS.cpus.default(2),
  memory_mb: SETTINGS_FIELDS.memory_mb.default(2048),
  pids: SETTINGS_FIELDS.pids.default(512),
  idle_timeout_minutes: SETTINGS_FIELDS.idle_timeout_minutes.default(30),
  network: SETTINGS_FIELDS.network.default('bridge'),
  ports: SETTINGS_FIELDS.ports.default([]),
  env: SETTINGS_FIELDS.env.default({}),
  approval: SETTINGS_FIELDS.approval.default('auto'),
  auto_fix: SETTINGS_FIELDS.auto_fix.default(false),
  auto_fix_attempts: SETTINGS_FIELDS.auto_fix_attempts.default(3),
  monthly_budget_usd: SETTINGS_FIELDS.monthly_budget_usd.default(null),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;
export const DEFAULT_SETTINGS: ProjectSettings = ProjectSettings.parse({});

/**
 * A change to settings: only the fields given. Not ProjectSettings.partial(),
 * which in zod 4 still fills in every default and so would reset the settings
 * an update does not name.
 */
export const ProjectSettingsPatch = z.strictObject(SETTINGS_FIELDS).partial();
export type ProjectSettingsPatch = z.infer<typeof ProjectSettingsPatch>;

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
    settings: ProjectSettingsPatch.optional(),
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
