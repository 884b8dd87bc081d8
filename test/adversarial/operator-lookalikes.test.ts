/**
 * Putting pg_catalog first in the search_path (search-path.test.ts) does not settle which `=`
 * Postgres uses: for two argument types pg_catalog has no operator of exactly (integer and
 * numeric, time and timetz, interval and bigint), Postgres takes an operator of exactly those
 * types from any schema on the path before it considers pg_catalog's implicit-cast candidates. A
 * role that may create in a schema parity's role searches could so make column_parity call
 * integer 5 equal to numeric 6, or a timestamp normaliser read every second of a minute alike.
 * Here every such gap among the types parity compares is filled with a look-alike — `=` always
 * true, `<>` always false, arithmetic answering its left argument — and parity's comparisons must
 * not reach any of them. Since the stand-in guard (stand-in-code.test.ts) a read of a database
 * whose role searches such look-alikes is refused outright ("could not verify"); the exact-operator
 * comparisons stay as the layer beneath it.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

const TYPES = [
  'smallint', 'integer', 'bigint', 'numeric', 'real', 'double precision', 'date', 'timestamp', 'timestamptz', 'time', 'timetz',
  'interval', 'text', 'character varying', 'boolean', 'oid', 'regtype', 'bytea', 'uuid', 'money', 'jsonb',
];
const OPERATORS = ['=', '<>', '*', '+', '-', '&', '#'];

/** Look-alikes in schema evil for every operator and pair of TYPES that pg_catalog lacks exactly. */
const LOOKALIKES = `
do $$
declare l text; r text; op text; i int := 0; body text;
begin
  foreach op in array array['${OPERATORS.join("','")}'] loop
    foreach l in array array['${TYPES.join("','")}'] loop
      foreach r in array array['${TYPES.join("','")}'] loop
        continue when exists (select from pg_operator o where o.oprname = op and o.oprleft = l::regtype and o.oprright = r::regtype
          and o.oprnamespace = 'pg_catalog'::regnamespace);
        i := i + 1;
        body := case op when '=' then 'boolean language sql immutable as ''select true'''
          when '<>' then 'boolean language sql immutable as ''select false'''
          else format('%s language sql immutable as ''select $1''', l) end;
        execute format('create function evil.f%s(%s, %s) returns %s', i, l, r, body);
        execute format('create operator evil.%s (leftarg = %s, rightarg = %s, function = evil.f%s)', op, l, r, i);
      end loop;
    end loop;
  end loop;
end $$`;

describe.each(engines)('look-alike operators for pairs pg_catalog lacks, on %s', (engine) => {
  let db: TestDatabase;
  /** Runs a statement in a new session, which takes the database's search_path. */
  let freshQuery: (text: string) => Promise<Record<string, unknown>[]>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec('create schema evil');
    await db.exec(LOOKALIKES);
    await db.exec(`
      create table nums (id int primary key, i int, s smallint, b bigint, n numeric(12, 2), tm time, tz timetz);
      insert into nums values (1, 5, 5, 5, 5.00, '10:00', '10:00+00'), (2, 5, 5, 5, 6.00, '10:00', '11:00+00');
      create table nums_new (id int primary key, n numeric(12, 2));
      insert into nums_new values (1, 5.00), (2, 6.00);
      create table stamps (id int primary key, a text, b text);
      insert into stamps values (1, '2024-01-01 10:00:01', '2024-01-01 10:00:02'), (2, '2024-01-01 10:00:00+01', '2024-01-01 10:00:00+02');
      create table old_t (id int primary key, v numeric);
      create table new_t (id int primary key, v numeric);
      insert into old_t select g, g from generate_series(1, 50) g;
      insert into new_t select g, case when g = 7 then 70 else g end from generate_series(1, 50) g;
    `);
    if (engine === 'postgres') {
      await db.exec(`alter database ${new URL(db.url).pathname.slice(1)} set search_path = evil, public`);
      freshQuery = async (text) => {
        const client = postgres(db.url, { max: 1, onnotice: () => {} });
        try {
          return [...await client.unsafe(text)];
        } finally {
          await client.end();
        }
      };
    } else {
      // PGlite has one session, which parity's reads share.
      await db.exec('set search_path = evil, public');
      freshQuery = (text) => db.exec(text);
    }
  });
  afterAll(() => db.close());

  it('with pg_catalog first, the look-alikes still answer for the pairs it lacks (the trap is armed)', async () => {
    const [row] = await freshQuery(`select pg_catalog.set_config('search_path', 'pg_catalog, ' || pg_catalog.current_setting('search_path'), false) is not null as pinned`);
    expect(row).toMatchObject({ pinned: true });
    expect(await freshQuery(`select 5::int = 6::numeric as int_numeric, '10:00'::time = '11:00+00'::timetz as time_timetz,
      interval '1 second' * 5::bigint = interval '1 second' as times_bigint`))
      .toEqual([{ int_numeric: true, time_timetz: true, times_bigint: true }]);
  });

  it('column_parity compares integers with numeric by value, in both orders and widths', async () => {
    for (const [old, neu] of [['i', 'n'], ['n', 'i'], ['s', 'n'], ['b', 'n'], ['n', 'b']]) {
      const result = await runCheck(db, `checks:
  - { id: nums, kind: column_parity, source: app, table: nums, key: [id], old: ${old}, new: ${neu} }
`);
      expect({ old, neu, status: result.status, code: result.error?.code }).toEqual({ old, neu, status: 'error', code: 'stand_in_code' });
    }
  });

  it('column_parity never passes a time against a different timetz', async () => {
    const result = await runCheck(db, `checks:
  - { id: times, kind: column_parity, source: app, table: nums, key: [id], old: tm, new: tz }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });

  it('the join form compares an integer with a numeric by value', async () => {
    const result = await runCheck(db, `checks:
  - id: joined
    kind: column_parity
    source: app
    key: [id]
    old: { table: nums, expr: i }
    new: { table: nums_new, expr: n }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });

  it('timestamp normalisers tell seconds and zone offsets apart', async () => {
    for (const normalize of ['[{ timestamp_precision: s }]', '[{ time_zone: UTC }]']) {
      const result = await runCheck(db, `checks:
  - { id: stamps, kind: column_parity, source: app, table: stamps, key: [id], old: a, new: b, normalize: ${normalize} }
`);
      expect({ normalize, status: result.status, code: result.error?.code }).toEqual({ normalize, status: 'error', code: 'stand_in_code' });
    }
  });

  it('sql_assert reads the type of the value it judges', async () => {
    const result = await runCheck(db, `checks:
  - { id: typed, kind: sql_assert, source: app, query: "select i from nums where id = 1", expect: { value: 5 } }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });

  it('table_diff on an integer key still finds the changed row', async () => {
    const result = await runCheck(db, `checks:
  - { id: diff, kind: table_diff, key: [id], old: { source: app, table: old_t }, new: { source: app, table: new_t } }
`);
    expect([result.status, result.error?.code]).toEqual(['error', 'stand_in_code']);
  });
});
