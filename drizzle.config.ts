import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './src/*/*.sql.ts',
  out: './src/db/migrations',
  casing: 'snake_case',
});
