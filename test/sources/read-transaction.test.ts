/**
 * A Postgres source's read transaction on a reserved connection: BEGIN, the pinning and the first
 * statement go out together, the statement runs inside the transaction, and whatever ends the
 * read (a failed statement, a consumer error, a backend that dies) leaves the pool with only live
 * connections, none inside a transaction.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Source } from '../../src/sources/types.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { SourceQueryError } from '../../src/sources/errors.js';
import { compile, sql } from '../../src/sql/build.js';
import { createTestDatabase, describeOnPostgres, registryFor, type TestDatabase } from '../support/databases.js';

const OPTIONS = { statementTimeoutMs: 10_000 };
const statement = (text: string, params: unknown[] = []) => ({ text, params });

describeOnPostgres('read transactions on a Postgres source', () => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  let source: Source;
  let admin: postgres.Sql;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec('create table t (id int primary key); insert into t select generate_series(1, 10)');
    // One connection: a dead or still-open connection put back in the pool would fail the next read.
    registry = registryFor(db, 'app', { max_connections: 1 });
    source = await registry.get('app');
    admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await admin.end();
    await registry.closeAll();
    await db.close();
  });

  const inTransaction = () => source.readOnly(async (session) => {
    const [row] = await session.query(statement("select pg_catalog.current_setting('transaction_read_only') as ro, pg_catalog.now() = pg_catalog.statement_timestamp() as first, pg_catalog.txid_current_if_assigned() is null as no_xid"));
    const [again] = await session.query(statement('select pg_catalog.now() as t1'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const [later] = await session.query(statement('select pg_catalog.now() as t2'));
    return { ...row, same: (again!.t1 as Date).getTime() === (later!.t2 as Date).getTime() };
  }, OPTIONS);

  it('runs every statement of a read inside one read-only transaction', async () => {
    // now() is the transaction's start: equal across the read's statements, 20 ms apart.
    expect(await inTransaction()).toMatchObject({ ro: 'on', no_xid: true, same: true });
  });

  it('reads one statement text again on the same connection with other parameters', async () => {
    const read = (id: number) => source.readOnly((session) => session.query(compile(sql`select id from t where id = ${id}`)), OPTIONS);
    for (const id of [1, 2, 3, 11]) expect((await read(id)).map((r) => r.id)).toEqual(id <= 10 ? [id] : []);
  });

  it('a failed statement rolls back and leaves the connection usable', async () => {
    await expect(source.readOnly((session) => session.query(statement('select 1 / 0')), OPTIONS)).rejects.toMatchObject({ fault: { code: 'data_exception' } });
    await expect(source.readOnly((session) => session.query(statement('insert into t values (99)')), OPTIONS)).rejects.toBeInstanceOf(SourceQueryError);
    expect(await inTransaction()).toMatchObject({ ro: 'on', same: true });
    expect((await db.exec('select count(*)::int as n from t'))[0]).toEqual({ n: 10 });
  });

  it('a consumer error is rethrown as it is, and the next read runs in a fresh transaction', async () => {
    const mine = new Error('consumer says no');
    await expect(source.readOnly((session) => session.each!(statement('select id from t order by id'), () => {
      throw mine;
    }), OPTIONS)).rejects.toBe(mine);
    expect(await inTransaction()).toMatchObject({ ro: 'on', same: true });
  });

  it('a backend terminated mid-read fails the read as a connection fault, and the next read reconnects', async () => {
    let pid: number | undefined;
    const reading = source.readOnly(async (session) => {
      pid = Number((await session.query(statement('select pg_catalog.pg_backend_pid() as pid')))[0]!.pid);
      return session.query(statement('select pg_catalog.pg_sleep(5)'));
    }, OPTIONS);
    while (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await admin`select pg_terminate_backend(${pid})`;
    await expect(reading).rejects.toMatchObject({ fault: { code: 'connection' } });
    expect(await inTransaction()).toMatchObject({ ro: 'on', same: true });
    const [row] = await source.readOnly((session) => session.query(statement('select pg_catalog.pg_backend_pid() as pid')), OPTIONS);
    expect(Number(row!.pid)).not.toBe(pid);
  });

  it('no connection of the source is left inside a transaction after its reads end', async () => {
    await source.readOnly((session) => session.query(statement('select 1')), OPTIONS);
    const name = new URL(db.url).pathname.slice(1);
    const open = await admin`select state from pg_stat_activity where datname = ${name} and application_name = 'parity' and state <> 'idle'`;
    expect(open).toEqual([]);
  });
});
