import { integer } from 'drizzle-orm/sqlite-core';

/** Shared timestamp columns, UTC milliseconds, spread into every table that has them. */
export const timestamps = {
  created_at: integer('created_at').notNull(),
  updated_at: integer('updated_at').notNull(),
};
