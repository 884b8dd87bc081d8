/**
 * The state store is never a verified database. A DATABASE_URL copied from the application's
 * made parity create its `parity` schema in the verified database and write every result, lease
 * and snapshot there. Now the service refuses to start when a source is the store's database (by
 * what the servers say, not by URL text: `localhost` and `127.0.0.1` reach the same database), and
 * before each check reads, a source database that holds parity's state is `error`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/config.js';
import { openService } from '../../src/service/service.js';
import { createTestDatabase, createTestStore, describeOnPostgres, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';
import type { SourceRegistry } from '../../src/sources/registry.js';

/** The same database by another route: another spelling of the loopback host. */
const otherRoute = (url: string) => url.replace('127.0.0.1', 'localhost');

describeOnPostgres('the state store and the verified databases are apart', () => {
  let app: TestDatabase;
  let other: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    app = await createTestDatabase('postgres');
    other = await createTestDatabase('postgres');
    await app.exec('create table users (id int primary key, email text); insert into users values (1, \'a@example.com\')');
    dir = await mkdtemp(path.join(tmpdir(), 'parity-apart-'));
    await writeFile(path.join(dir, 'checks.yaml'), `sources:
  app: { url: "${otherRoute(app.url)}" }
checks:
  - { id: users-count, kind: null_check, source: app, table: users, columns: [email] }
`);
  });
  afterAll(async () => {
    await app?.close();
    await other?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const configFor = (databaseUrl: string) => loadConfig({ PARITY_CHECKS_DIR: dir, PARITY_DATA_DIR: path.join(dir, 'data'), DATABASE_URL: databaseUrl, PARITY_PORT: '0' });

  it('refuses to start when DATABASE_URL is a source\'s database, before writing anything there', async () => {
    const opening = openService(configFor(app.url), { env: {} });
    await expect(opening).rejects.toBeInstanceOf(ConfigError);
    await expect(opening).rejects.toThrow(/DATABASE_URL \(the state store\) is the same database as source "app"/);
    // Nothing was created in the verified database: no parity schema, no tables.
    expect(await app.exec(`select count(*)::int as n from pg_namespace where nspname = 'parity'`)).toEqual([{ n: 0 }]);
  });

  it('refuses whatever time zone and date style the database gives the store\'s session', async () => {
    // The store's connection takes the database's settings, a source's read pins UTC and ISO: the
    // postmaster's start time must be compared as an instant, not as either session's text of it.
    const tz = await createTestDatabase('postgres');
    try {
      await tz.exec(`do $$ begin execute format('alter database %I set timezone = %L', current_database(), 'Asia/Tokyo');
        execute format('alter database %I set datestyle = %L', current_database(), 'SQL, DMY'); end $$`);
      const tzDir = await mkdtemp(path.join(tmpdir(), 'parity-apart-tz-'));
      try {
        await writeFile(path.join(tzDir, 'checks.yaml'), `sources:\n  app: { url: "${otherRoute(tz.url)}" }\nchecks: []\n`);
        const config = loadConfig({ PARITY_CHECKS_DIR: tzDir, PARITY_DATA_DIR: path.join(tzDir, 'data'), DATABASE_URL: tz.url, PARITY_PORT: '0' });
        const opening = openService(config, { env: {} });
        await expect(opening).rejects.toBeInstanceOf(ConfigError);
        expect(await tz.exec(`select count(*)::int as n from pg_namespace where nspname = 'parity'`)).toEqual([{ n: 0 }]);
      } finally {
        await rm(tzDir, { recursive: true, force: true });
      }
    } finally {
      await tz.close();
    }
  });

  it('refuses a source on the store\'s own host, port and database even when it does not answer in time', async () => {
    const { refuseStoreAmongSources } = await import('../../src/service/store-apart.js');
    const { sourceSpecSchema } = await import('../../src/checkfile/sources.js');
    // The source's connections are all taken (or its pooler hangs): it never answers; its URL is the store's.
    const silent: SourceRegistry = {
      get: () => new Promise(() => {}),
      names: () => ['app'],
      specOf: () => sourceSpecSchema.parse({ url: app.url.replace('postgres://', 'postgresql://') }),
      closeAll: async () => {},
    };
    await expect(refuseStoreAmongSources(app.url, silent, {})).rejects.toThrow(/same database as source "app"/);
    // Another database on the same server that does not answer is let through (the per-check guard stays).
    await expect(refuseStoreAmongSources(other.url, silent, {})).resolves.toBeUndefined();
  }, 20_000);

  it('starts with a state store of its own on the same server', async () => {
    const service = await openService(configFor(other.url), { env: {} });
    try {
      const { finished } = await service.runner.start({ checks: [...service.catalog().checks.values()], trigger: 'cli' });
      expect((await finished).results.map((r) => r.status)).toEqual(['pass']);
    } finally {
      await service.close();
    }
  });

  it('never reads a source database that holds parity\'s state', async () => {
    const { url, close } = await createTestStore('postgres');
    try {
      const store = { engine: 'postgres' as const, url: otherRoute(url!), dataDir: 'memory:apart', exec: app.exec, close: async () => {} };
      const result = await runCheck(store, `checks:\n  - { id: store-count, kind: null_check, source: app, table: parity.check_results, columns: [check_id] }\n`);
      expect(result.status).toBe('error');
      expect(result.error?.code).toBe('source_is_state_store');
    } finally {
      await close();
    }
  });
});
