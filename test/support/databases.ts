import { afterAll, beforeAll, describe } from 'vitest';
/**
 * Real databases for integration tests: PGlite always, Postgres when TEST_DATABASE_URL is set.
 * Never a mock. Each call makes a fresh, isolated database that the test may write to (to seed it)
 * while parity reads it through its normal read-only source path.
 */
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { openEmbedded } from '../../src/embedded/pglite.js';
import { createSourceRegistry, type SourceRegistry } from '../../src/sources/registry.js';
import { sourceSpecSchema } from '../../src/checkfile/sources.js';
import { openPostgresState } from '../../src/store/database.js';
import { migrateState } from '../../src/store/migrate.js';
import { openStore, storeOver, type Store } from '../../src/store/store.js';
import { TEMPLATE_DB, withDatabase } from './postgres-url.js';
import type { StoreClock } from '../../src/store/store-clock.js';

export type EngineName = 'pglite' | 'postgres';

/** The engines this run covers. */
export const engines: EngineName[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

export interface TestDatabase {
  engine: EngineName;
  /** URL for a source spec: embedded:NAME or postgres://… */
  url: string;
  /** Data directory for the source registry (memory scope for PGlite). */
  dataDir: string;
  /** Runs SQL with full privileges (for seeding and for breaking things on purpose). */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/** Runs SQL on the test cluster's own database as the admin (roles, databases: the cluster's). */
export async function adminQuery(sql: string): Promise<void> {
  const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh writable database on the given engine. */
export async function createTestDatabase(engine: EngineName, options: { template?: string; dataDir?: string; name?: string; latin1?: boolean } = {}): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const dataDir = options.dataDir ?? `memory:${randomUUID()}`;
    const name = options.name ?? 'verified';
    const { db, release } = await openEmbedded(dataDir, name);
    return {
      engine,
      url: `embedded:${name}`,
      dataDir,
      exec: async (sql, params) => (params ? (await db.query<Record<string, unknown>>(sql, params)).rows : (await db.exec(sql)).at(-1)?.rows ?? []),
      close: release,
    };
  }
  const database = `parity_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  // latin1: a server encoding other than UTF8 (from template0, under the C locale that allows it).
  const template = options.latin1 ? ` template template0 encoding 'LATIN1' lc_collate 'C' lc_ctype 'C'` : options.template ? ` template ${options.template}` : '';
  await adminQuery(`create database ${database}${template}`);
  const url = withDatabase(process.env.TEST_DATABASE_URL!, database);
  const client = postgres(url, { max: 2, onnotice: () => {} });
  return {
    engine,
    url,
    dataDir: `memory:${randomUUID()}`,
    exec: async (sql, params) => [...(params ? await client.unsafe(sql, params as never[]) : await client.unsafe(sql))],
    async close() {
      await client.end({ timeout: 5 });
      await adminQuery(`drop database if exists ${database} with (force)`);
    },
  };
}

/**
 * A fresh test database and state store on `engine` for one suite: opened before its tests
 * (handed to `use`, which keeps them in the suite's variables) and closed after them.
 */
export function useDatabaseAndStore(engine: EngineName, use: (opened: { db: TestDatabase; store: Store }) => void): void {
  let db: TestDatabase | undefined;
  let closeStore: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    const { store, close } = await createTestStore(engine);
    closeStore = close;
    use({ db, store });
  });
  afterAll(async () => {
    await closeStore?.();
    await db?.close();
  });
}

/**
 * A migrated state store on the engine (cloned from the template on Postgres). `clock` replaces
 * the database's clock for result stamps and gate freshness (tests that move time by hand);
 * `onStatement` hears every statement sent to a Postgres store.
 */
export async function createTestStore(engine: EngineName, options: { clock?: StoreClock; onStatement?: (text: string) => void } = {}): Promise<{ store: Store; close(): Promise<void>; url?: string }> {
  if (engine === 'pglite') {
    const store = await openStore({ dataDir: `memory:${randomUUID()}`, clock: options.clock });
    return { store, close: () => store.close() };
  }
  const database = `parity_s_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  await adminQuery(`create database ${database} template ${TEMPLATE_DB}`);
  const url = withDatabase(process.env.TEST_DATABASE_URL!, database);
  const state = openPostgresState(url, { max: 3, ...(options.onStatement ? { onStatement: options.onStatement } : {}) });
  await migrateState(state.raw);
  const store = storeOver(state, options.clock);
  return {
    store,
    url,
    async close() {
      await store.close();
      await adminQuery(`drop database if exists ${database} with (force)`);
    },
  };
}

/** A registry with one source named `name` pointing at the test database. */
export function registryFor(db: TestDatabase, name = 'app', extra: Record<string, unknown> = {}): SourceRegistry {
  const spec = sourceSpecSchema.parse({ url: db.url, ...extra });
  return createSourceRegistry(new Map([[name, { spec }]]), { dataDir: db.dataDir });
}

/** Declares a suite that needs real Postgres; without TEST_DATABASE_URL it is not registered at all (not "skipped"). */
export function describeOnPostgres(name: string, body: () => void): void {
  if (process.env.TEST_DATABASE_URL) describe(name, body);
}
