/**
 * The state database behind drizzle: Postgres through postgres.js when DATABASE_URL is set,
 * otherwise PGlite under the data directory. Driver differences are normalised here and nowhere else.
 */
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { PGlite } from '@electric-sql/pglite';
import { postgres } from '../drivers/postgres-js.js';
import { openEmbedded } from '../embedded/pglite.js';
import { registerSecret } from '../logging/secrets.js';
import { secretsInUrl } from '../checkfile/sources.js';
import { migrateState, migrationsRecipe, readMigrations, type RawExecutor } from './migrate.js';
import * as schema from './schema.js';

export type StateDb = PgDatabase<PgQueryResultHKT, typeof schema>;


export interface StateDatabase {
  db: StateDb;
  raw: RawExecutor;
  driver: 'postgres' | 'embedded';
  /**
   * Postgres only: LISTEN on a channel over a dedicated connection that reconnects by itself.
   * `onListen` runs each time listening (re)starts: notifications sent while it was down are lost.
   */
  listen?(channel: string, onNotify: () => void, onListen: () => void): Promise<{ unlisten(): Promise<void> }>;
  close(): Promise<void>;
}

/** Opens the state database on Postgres. */
export function openPostgresState(url: string, options: { max?: number; onStatement?: (text: string) => void } = {}): StateDatabase {
  for (const secret of secretsInUrl(url)) registerSecret(secret);
  const client = postgres(url, {
    max: options.max ?? 5,
    onnotice: () => {},
    // Tests count the statements a run sends (one check's store round trips are bounded).
    ...(options.onStatement ? { debug: (_connection: number, text: string) => options.onStatement!(text) } : {}),
    idle_timeout: 60,
    connect_timeout: 10,
    // parity's own queries are short and many: the gate's evidence read estimates high enough to
    // trigger JIT compilation, which cost seconds per read at 300 checks (docs/decisions.md).
    connection: { application_name: 'parity-state', jit: 'off' },
  });
  return {
    db: drizzlePostgres(client, { schema }) as unknown as StateDb,
    driver: 'postgres',
    raw: {
      transaction: (work) => client.begin((tx) => work(async (text, params = []) => [...(await tx.unsafe(text, params as never[]))])) as never,
    },
    listen: async (channel, onNotify, onListen) => {
      const { unlisten } = await client.listen(channel, () => onNotify(), onListen);
      return { unlisten: async () => { await unlisten(); } };
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/** Raw statements on a PGlite database, for the migrator. */
function pgliteRaw(pglite: PGlite): RawExecutor {
  return {
    transaction: (work) => pglite.transaction((tx) => work(async (text, params) => (await tx.query<Record<string, unknown>>(text, params)).rows)),
  };
}

/** The embedded state database's name under the data directory. */
export const EMBEDDED_STATE_DATABASE = '_state';

/**
 * Opens the state database embedded under `dataDir` (or in memory with `memory:<scope>`). A new
 * one starts as a copy of a template already migrated by this version's migrations; the caller
 * still runs migrateState, which finds nothing to do (or applies what a template lacks).
 */
export async function openEmbeddedState(dataDir: string, options: { templateCacheDir?: string | undefined } = {}): Promise<StateDatabase> {
  const migrations = await readMigrations();
  const { db: pglite, release } = await openEmbedded(dataDir, EMBEDDED_STATE_DATABASE, {
    templateCacheDir: options.templateCacheDir,
    template: { recipe: migrationsRecipe(migrations), build: async (db) => { await migrateState(pgliteRaw(db), migrations); } },
  });
  const { drizzle: drizzlePglite } = await import('drizzle-orm/pglite');
  return {
    db: drizzlePglite(pglite, { schema }) as unknown as StateDb,
    driver: 'embedded',
    raw: pgliteRaw(pglite),
    close: release,
  };
}
