/**
 * Settings a database or role may carry that change what a query returns, not only how values
 * are written: `gin_fuzzy_search_limit` makes GIN index scans return a random subset of their
 * matches (a search feature's knob, set with ALTER DATABASE … SET), so a sql_assert whose query
 * the planner answers from a GIN index counted a sample and passed over the offending rows. Reads
 * now pin it to 0 (exact), with the other settings that change a check's answer or parity's reading
 * of the catalog (transform_null_equals, array_nulls, quote_all_identifiers, lc_monetary).
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { runCheck } from '../support/run-check.js';

/** What a database might be set to; parity's reads must not inherit any of it. */
const HOSTILE: Record<string, string> = {
  gin_fuzzy_search_limit: '100',
  transform_null_equals: 'on',
  array_nulls: 'off',
  quote_all_identifiers: 'on',
};

describe.each(engines)('result-changing settings on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table docs (id int primary key, attrs jsonb not null, body_v2 text);
      -- 5,000 documents tagged legacy, none of them migrated (body_v2 NULL).
      insert into docs select g, jsonb_build_object('legacy', g % 4 = 0), case when g % 4 = 0 then null else 'x' end from generate_series(1, 20000) g;
      create index docs_attrs on docs using gin (attrs);
      analyze docs;
      create table amounts (id int primary key, a date, b date);
      insert into amounts values (1, '2024-01-01', '2024-01-01'), (2, '2024-01-01', '2024-01-02');
    `);
    const settings = Object.entries(HOSTILE);
    if (engine === 'postgres') {
      const name = new URL(db.url).pathname.slice(1);
      for (const [setting, value] of settings) await db.exec(`alter database ${name} set ${setting} = '${value}'`);
    } else {
      // PGlite has one session, which parity's reads share.
      for (const [setting, value] of settings) await db.exec(`set ${setting} = '${value}'`);
    }
  });
  afterAll(() => db.close());

  it('the fuzzy limit really hides matches from a GIN scan (the trap is armed)', async () => {
    const count = `select count(*)::int as n from docs where attrs @> '{"legacy": true}' and body_v2 is null`;
    let n: number;
    if (engine === 'postgres') {
      // A new connection takes the database's settings.
      const client = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        n = Number([...await client.unsafe(count)][0]!.n);
      } finally {
        await client.end();
      }
    } else {
      n = Number((await db.exec(count))[0]!.n);
    }
    expect(n).toBeLessThan(1000);
  });

  it('sql_assert counts every row a GIN-indexed query matches', async () => {
    const result = await runCheck(db, `checks:
  - id: legacy-migrated
    kind: sql_assert
    source: app
    query: "select id from docs where attrs @> '{\\"legacy\\": true}' and body_v2 is null"
    expect: { max_rows: 1000 }
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows_returned: 5000 });
  });

  it('sql_assert expect.value sees the exact count', async () => {
    const result = await runCheck(db, `checks:
  - id: legacy-count
    kind: sql_assert
    source: app
    query: "select count(*) from docs where attrs @> '{\\"legacy\\": true}' and body_v2 is null"
    expect: { value: 0 }
`);
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ value: '5000' });
  });

  it('reads typed values and catalog names as they are, whatever the database says', async () => {
    // quote_all_identifiers would turn the returned type into "date" and push it off the typed path.
    const result = await runCheck(db, `checks:
  - id: typed
    kind: sql_assert
    source: app
    query: "select b from amounts where id = 2"
    expect: { value: "2024-01-02" }
`);
    expect(result.status).toBe('pass');
    expect(result.observations).toMatchObject({ value_type: 'date' });
  });
});
