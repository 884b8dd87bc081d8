/**
 * `parity replay --database URL` creates a scratch database on that server, resets its public
 * schema (`drop schema public cascade`) before every case and drops it afterwards. It named the
 * scratch database by replacing the URL's path, but postgres.js sends query parameters as startup
 * parameters after its own, so `?database=app` in the URL still led the replay's connection to
 * `app`: its first step dropped every table in app's public schema. Replay now writes only once the
 * server has said the connection is in the database replay just created.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgresReplay } from '../../src/replay/database.js';
import { createTestDatabase, describeOnPostgres, type TestDatabase } from '../support/databases.js';

describeOnPostgres('the replay scratch database, on postgres', () => {
  let victim: TestDatabase;
  let victimName: string;
  beforeAll(async () => {
    victim = await createTestDatabase('postgres');
    victimName = new URL(victim.url).pathname.slice(1);
    await victim.exec('create table public.customers (id int primary key); insert into public.customers values (1), (2)');
  });
  afterAll(() => victim?.close());

  async function scratchDatabases(): Promise<string[]> {
    const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    try {
      return (await admin.unsafe<{ datname: string }[]>("select datname from pg_database where datname like 'parity\\_replay\\_%'")).map((r) => r.datname);
    } finally {
      await admin.end();
    }
  }

  it('a server URL whose query names another database is refused before replay writes anything there', async () => {
    const before = await scratchDatabases();
    for (const query of [`database=${victimName}`, `DATABASE=${victimName}&x=1`, `user=postgres&database=${victimName}`]) {
      const server = new URL(process.env.TEST_DATABASE_URL!);
      server.search = query;
      const opened = await openPostgresReplay(server.toString()).then(async (db) => {
        // Had it opened, this is what its first case does.
        await db.script('drop schema if exists public cascade; create schema public');
        await db.close();
        return 'opened';
      }, (error: unknown) => String(error));
      // Refused: by replay naming the database it reached, or by the server (`DATABASE` is no parameter it knows).
      expect(opened, query).not.toBe('opened');
      if (query.startsWith('database=')) expect(opened).toMatch(/not the scratch database/);
      expect(await victim.exec('select count(*)::int as n from public.customers'), query).toEqual([{ n: 2 }]);
    }
    // The scratch database it created is dropped again.
    expect(await scratchDatabases()).toEqual(before);
  });

  it('a plain server URL still replays into a scratch database of its own', async () => {
    const db = await openPostgresReplay(process.env.TEST_DATABASE_URL!);
    try {
      const [row] = await db.query('select current_database() as d');
      expect(String(row?.d)).toMatch(/^parity_replay_/);
    } finally {
      await db.close();
    }
  });
});
