import { index, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestamps } from '../db/columns.ts';
import { users } from '../auth/auth.sql.ts';
import type { ProjectSettings } from '../contracts/index.ts';

export const projects = sqliteTable(
  'projects',
  {
    id: text('id').primaryKey(),
    owner_id: text('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    template: text('template', { enum: ['python', 'node', 'blank'] }).notNull(),
    settings: text('settings', { mode: 'json' }).$type<ProjectSettings>().notNull(),
    status: text('status', { enum: ['active', 'archived'] }).notNull().default('active'),
    /** A folder project's folder (real path); null: the workspace under $ZEBLIT_HOME. Unique: one project per folder. */
    path: text('path'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('projects_owner_id_name_idx').on(t.owner_id, t.name),
    index('projects_owner_id_created_at_idx').on(t.owner_id, t.created_at),
    uniqueIndex('projects_path_idx').on(t.path),
  ],
);
