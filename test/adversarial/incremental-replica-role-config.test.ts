/**
 * An ordinary (O) trigger does not fire in a session with `session_replication_role = replica`.
 * parity stated "assumes no write runs with session_replication_role = replica" and refused the
 * mode only where the catalog showed a subscription writing the table — yet the catalog also shows
 * writers configured to run that way: `ALTER DATABASE … SET session_replication_role = replica`,
 * `ALTER ROLE loader [IN DATABASE …] SET …` (a bulk loader, a replication tool's role), or the
 * server's own setting. Every write of theirs keeps its old stamp; the incremental chain passed
 * over a NULL a loader wrote while a full pass failed on it. Now the mode is refused there unless
 * the stamping triggers are enabled ALWAYS.
 */
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { ResultRecord } from '../../src/store/runs.js';
import type { Store } from '../../src/store/store.js';
import { describeOnPostgres, engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const CHECK = 'checks:\n  - { id: n, kind: null_check, source: app, table: t, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }\n';
const TABLE = `create table t (id int primary key, b int, updated_at timestamptz not null default now());
  create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
  create trigger t_stamp before insert or update on t for each row execute function stamp();
  insert into t (id, b) select g, g from generate_series(1, 20) g;`;

async function runOnce(verified: TestDatabase, store: Store): Promise<ResultRecord> {
  const catalog = catalogFromYaml(CHECK, { app: verified });
  const sources = registryForCatalog(catalog, { app: verified });
  try {
    return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
  } finally {
    await sources.closeAll();
  }
}

/** Writes through a new session of `user` (its role and database settings apply at login). */
async function writeAs(verified: TestDatabase, statement: string, user?: string): Promise<string> {
  const url = new URL(verified.url);
  if (user) url.username = user;
  const session = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    const [row] = await session.unsafe(`${statement}; select current_setting('session_replication_role') as role`);
    return String((row as { role?: unknown } | undefined)?.role ?? (await session`select current_setting('session_replication_role') as role`)[0]!.role);
  } finally {
    await session.end();
  }
}

describeOnPostgres('a database configured to write as replica sessions', () => {
  let verified: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db: verified, store } = opened));

  it('refuses the mode while the stamping trigger is ordinary, and runs once it is ALWAYS', async () => {
    await verified.exec(TABLE);
    const database = new URL(verified.url).pathname.slice(1);
    await verified.exec(`alter database ${database} set session_replication_role = replica`);
    // What the assumption hid: a write in such a session keeps its old stamp.
    const before = (await verified.exec('select updated_at from t where id = 5'))[0]!.updated_at;
    expect(await writeAs(verified, 'update t set b = null where id = 5')).toBe('replica');
    expect((await verified.exec('select updated_at from t where id = 5'))[0]!.updated_at).toEqual(before);
    const refused = await runOnce(verified, store);
    expect(refused).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(new RegExp(`session_replication_role = replica is configured for .*database ${database}.*ENABLE ALWAYS TRIGGER t_stamp`)) } });
    await verified.exec('alter table t enable always trigger t_stamp');
    expect(await runOnce(verified, store)).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'full' } } });
  });
});

describeOnPostgres('a role configured to write as replica sessions', () => {
  let verified: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db: verified, store } = opened));
  const role = `chain_hostile_loader_${process.pid}`;

  it('a loader role that may write the table refuses the mode; one that may not write it changes nothing', async () => {
    await verified.exec(TABLE);
    const database = new URL(verified.url).pathname.slice(1);
    await verified.exec(`create role ${role} login; alter role ${role} in database ${database} set session_replication_role = replica`);
    try {
      // No privilege on t: its sessions cannot write it.
      expect(await runOnce(verified, store)).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full' } } });
      await verified.exec(`grant select, update on t to ${role}`);
      expect(await writeAs(verified, 'update t set b = null where id = 7', role)).toBe('replica');
      const refused = await runOnce(verified, store);
      expect(refused).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringContaining(`configured for role ${role} in this database`) } });
    } finally {
      await verified.exec(`revoke all on t from ${role}; drop role ${role}`);
    }
  });
});

describe.each(engines)('the ordinary case, on %s', (engine) => {
  let verified: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db: verified, store } = opened));

  it('no writer configured as a replica session: the ordinary trigger is accepted with its stated assumption', async () => {
    await verified.exec(TABLE);
    const first = await runOnce(verified, store);
    expect(first).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full', maintained_by: expect.stringContaining('assumes no write runs with session_replication_role = replica') } } });
    expect(await runOnce(verified, store)).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'incremental' } } });
  });
});
