/**
 * Key bounds (a chunk's or a segment's (after, upTo]) are the key's own text, bound as a parameter
 * and cast to the key's type. postgres.js serialised a string parameter by the type the server
 * inferred for it: a boolean 'true' became 'f', a timestamp went through a JS Date (microseconds
 * cut to milliseconds, read in the process's time zone, 'infinity' and BC dates refused), bytea
 * text was re-encoded as the bytes of its characters and JSON text as a JSON string. So a chunk of
 * a (flag, id) key ended at (false, …) where the key said (true, …): chunks overlapped, rows were
 * counted twice, and a table missing 50 rows counted as many as one that had them (row_count
 * passed); a segmented table_diff over a timestamp key with 'infinity' could not run at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck } from '../support/run-check.js';

describe.each(engines)('key bounds reach the server as the key texts on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`
      create table plain (id int primary key, v int);
      insert into plain select g, g from generate_series(1, 250) g;
      create table flags (flag boolean, id int, v int, w int, primary key (flag, id));
      insert into flags select false, g, g, g from generate_series(1, 150) g;
      insert into flags select true, g, g, g from generate_series(1, 50) g;
      update flags set w = -1 where not flag and id between 51 and 95;
      create table ts_o (k timestamp primary key, v int); create table ts_n (k timestamp primary key, v int);
      insert into ts_o values ('-infinity', 1), ('1999-12-31 23:59:59.999999', 2), ('2020-01-01 00:00:00.000001', 3),
        ('2020-01-01 00:00:00.000002', 4), ('2020-01-01 00:00:00.000003', 5), ('2020-01-01 00:00:00.000004', 6), ('infinity', 7);
      insert into ts_n select * from ts_o; update ts_n set v = 70 where k = 'infinity';
      create table blobs (b bytea primary key, v int);
      insert into blobs select decode(lpad(to_hex(g * 7919 % 65536), 4, '0'), 'hex'), g from generate_series(1, 250) g;
      create table docs (d jsonb, id int, v int, primary key (d, id));
      insert into docs select jsonb_build_object('n', g % 3), g, g from generate_series(1, 250) g;
    `);
  });
  afterAll(() => db.close());

  async function chunked(check: string) {
    const catalog = catalogFromYaml(`checks:\n  - ${check}\n`, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, target_chunk_ms: 1, pause_ms: 0 });
    const registry = registryForCatalog(catalog, { app: db });
    try {
      return await execute([...catalog.checks.values()][0]!, registry);
    } finally {
      await registry.closeAll();
    }
  }

  it('counts every row of a (boolean, id) key once in a chunked scan', async () => {
    const count = await chunked('{ id: count, kind: row_count, old: { source: app, table: plain }, new: { source: app, table: flags } }');
    expect([count.status, count.observations.old_rows, count.observations.new_rows]).toEqual(['fail', 250, 200]);
    // 45 of 200 rows differ (22.5%): rows counted twice diluted the ratio under 20%.
    const parity = await chunked('{ id: parity, kind: column_parity, source: app, table: flags, key: [flag, id], old: v, new: w, max_mismatch_ratio: 0.2 }');
    expect([parity.status, parity.observations.rows, parity.observations.mismatches]).toEqual(['fail', 200, 45]);
  });

  it('counts every row of a bytea key and a (jsonb, id) key once in a chunked scan', async () => {
    for (const table of ['blobs', 'docs']) {
      const count = await chunked(`{ id: count, kind: row_count, old: { source: app, table: plain }, new: { source: app, table: ${table} } }`);
      expect([table, count.status, count.observations.new_rows]).toEqual([table, 'pass', 250]);
    }
  }, 20_000);

  it('diffs a timestamp key with infinities and microseconds in segments', async () => {
    const diff = await runCheck(db, `
checks:
  - id: ts
    kind: table_diff
    key: [k]
    old: { source: app, table: ts_o }
    new: { source: app, table: ts_n }
    segment_rows: 2
`);
    expect([diff.status, diff.observations.changed, diff.observations.old_rows]).toEqual(['fail', 1, 7]);
  });
});
