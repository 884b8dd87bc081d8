import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` turns changes in src/store/schema.ts into a new SQL migration.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/schema.ts',
  out: './src/store/migrations',
});
