/**
 * Review (rv-values): variants of "pass on data that differs" in the comparing kinds.
 *
 * 1. table_diff reads its two sides in two statements — two snapshots — even when both sides are
 *    one source (one database). docs/decisions.md ("A join-form column_parity reads … in one
 *    snapshot") states that for table_diff "a write between them shows as a difference, never
 *    cancels one". It can cancel one: a sync that writes the new table one version behind the old
 *    one (a trigger copying OLD.v instead of NEW.v — the new table always holds the old table's
 *    previous value) keeps the two tables different at every instant, yet an old side read before
 *    such a write and a new side read after it hold the same rows. Here the writer holds the
 *    second-read table's lock while it updates both tables, as row-count-one-snapshot.test.ts does,
 *    so the interleaving is certain. Sound outcome: never pass.
 *
 * 2. Value forms that print alike or that `=` calls equal, checked on both engines (and across
 *    engines for table_diff): regression cover for variants not pinned elsewhere.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog, runCheck, runCheckFile } from '../support/run-check.js';
import { until } from '../support/until.js';
import type { FinishedResult } from '../../src/store/runs.js';

/** Rows in each table of the interleaving test: enough for a fingerprint pass to be seen running. */
const LAG_ROWS = 400_000;

describeOnPostgres('table_diff whose two sides a lagging dual write lands between (one source)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`
      create table lag_old (id int primary key, v text not null);
      create table lag_new (id int primary key, v text not null);
      insert into lag_old select g, 'row ' || g from generate_series(1, ${LAG_ROWS}) g;
      insert into lag_new select g, 'row ' || g from generate_series(1, ${LAG_ROWS}) g;
      -- The new table lags one version behind on row 1: different now, and after every write.
      update lag_old set v = 'v1' where id = 1;
      update lag_new set v = 'v0' where id = 1;
      analyze lag_old; analyze lag_new;
    `);
  }, 120_000);
  afterAll(() => db?.close());

  for (const [name, rowHash, sourceSettings] of [
    ['sha256 row hash, a source that runs one statement at a time', 'sha256', ', max_connections: 1'],
    ['fast row hash, a source that runs one statement at a time', 'fast', ', max_connections: 1'],
  ] as const) {
    it(`never passes two tables that differ at every instant (${name})`, async () => {
      await db.exec(`update lag_old set v = 'v1' where id = 1; update lag_new set v = 'v0' where id = 1;`);
      // Differ before the run: row 1 is v1 against v0.
      expect(await db.exec('select o.v as old, n.v as new from lag_old o join lag_new n using (id) where id = 1')).toEqual([{ old: 'v1', new: 'v0' }]);
      const watcher = postgres(db.url, { max: 1, onnotice: () => {} });
      const writer = postgres(db.url, { max: 1, onnotice: () => {} });
      const session = await writer.reserve();
      let result: Promise<FinishedResult> | undefined;
      try {
        result = runCheckFile(db, `sources:
  app: { url: "${db.url}"${sourceSettings} }
checks:
  - { id: lagging, kind: table_diff, key: [id], row_hash: ${rowHash}, segment_rows: 0, old: { source: app, table: lag_old }, new: { source: app, table: lag_new } }
`);
        // The first fingerprint pass is running on one side: a parity statement that has held one
        // table for a while (the statement's text is cut at 1 KB, before its table's name).
        const first = await until('a fingerprint pass running', async () => {
          const rows = await watcher.unsafe(`select l.relation::regclass::text as held from pg_stat_activity a join pg_locks l on l.pid = a.pid
            where a.application_name = 'parity' and a.state = 'active' and l.granted and l.relation in ('lag_old'::regclass, 'lag_new'::regclass)
              and clock_timestamp() - a.query_start > interval '20 milliseconds'`);
          const held = rows.map((row) => String(row.held));
          return held.includes('lag_old') ? 'old' as const : held.includes('lag_new') ? 'new' as const : undefined;
        }, 60_000, { everyMs: 1 });
        const second = first === 'old' ? 'lag_new' : 'lag_old';
        await session.unsafe('begin');
        // Fails fast if the second side's pass had already begun (the interleaving was missed).
        await session.unsafe(`set local lock_timeout = '2s'`);
        await session.unsafe(`lock table ${second} in access exclusive mode`);
        // One write to both tables, the new one a version behind: still different after it.
        if (first === 'old') await session.unsafe(`update lag_old set v = 'v2' where id = 1; update lag_new set v = 'v1' where id = 1`);
        else await session.unsafe(`update lag_old set v = 'v0' where id = 1; update lag_new set v = 'v9' where id = 1`);
        // The second side's fingerprint pass waits on the held table: the first side's was read before the write.
        await until('the second fingerprint pass waiting on the held table', async () => {
          const rows = await watcher.unsafe(`select 1 from pg_stat_activity a join pg_locks l on l.pid = a.pid
            where a.application_name = 'parity' and a.wait_event_type = 'Lock' and not l.granted and l.relation = '${second}'::regclass`);
          return rows.length > 0 ? true : undefined;
        }, 30_000, { everyMs: 5 });
        await session.unsafe('commit');
        const { status, summary } = await result;
        // The tables still differ after the run.
        const after = await db.exec('select o.v as old, n.v as new from lag_old o join lag_new n using (id) where id = 1');
        expect(after[0]!.old).not.toBe(after[0]!.new);
        expect({ status, summary }).not.toMatchObject({ status: 'pass' });
      } finally {
        await session.unsafe('rollback').catch(() => undefined);
        session.release();
        await result?.catch(() => undefined);
        await writer.end();
        await watcher.end();
      }
    }, 120_000);
  }
});

/**
 * Variants of (1), fx-diffsnap: the same lagging write landing between the two sides' reads of a
 * first pass, over other shapes of difference and other ways of naming one database. The writer
 * takes the second-read table's lock once a parity statement has held the first-read table for a
 * while, writes both tables, and commits once a parity read waits on its lock; `write` gets which
 * side was read first and returns the statements (the tables differ before and after them).
 * Before the fix the first three below passed wrongly; with two connections (two names, or a source
 * reading several statements at once) the sides' passes ran at the same instant, so the writer met a
 * later pass and those two are cover for the one-snapshot paths, not reproductions.
 */
async function interleavedRun(db: TestDatabase, file: string, tables: Record<'old' | 'new', string>, write: (first: 'old' | 'new') => string): Promise<FinishedResult> {
  const watcher = postgres(db.url, { max: 1, onnotice: () => {} });
  const writer = postgres(db.url, { max: 1, onnotice: () => {} });
  const session = await writer.reserve();
  let result: Promise<FinishedResult> | undefined;
  try {
    result = runCheckFile(db, file);
    const first = await until('a side read running', async () => {
      const rows = await watcher.unsafe(`select l.relation::regclass::text as held from pg_stat_activity a join pg_locks l on l.pid = a.pid
        where a.application_name = 'parity' and a.state = 'active' and l.granted and l.relation in ('${tables.old}'::regclass, '${tables.new}'::regclass)
          and clock_timestamp() - a.query_start > interval '20 milliseconds'`);
      const held = rows.map((row) => String(row.held));
      return held.includes(tables.old) ? 'old' as const : held.includes(tables.new) ? 'new' as const : undefined;
    }, 60_000, { everyMs: 1 });
    const second = first === 'old' ? tables.new : tables.old;
    await session.unsafe('begin');
    await session.unsafe(`set local lock_timeout = '2s'`);
    await session.unsafe(`lock table ${second} in access exclusive mode`);
    await session.unsafe(write(first));
    await until('a read waiting on the held table', async () => {
      const rows = await watcher.unsafe(`select 1 from pg_stat_activity a join pg_locks l on l.pid = a.pid
        where a.application_name = 'parity' and a.wait_event_type = 'Lock' and not l.granted and l.relation = '${second}'::regclass`);
      return rows.length > 0 ? true : undefined;
    }, 30_000, { everyMs: 5 });
    await session.unsafe('commit');
    return await result;
  } finally {
    await session.unsafe('rollback').catch(() => undefined);
    session.release();
    await result?.catch(() => undefined);
    await writer.end();
    await watcher.end();
  }
}

describeOnPostgres('table_diff whose two sides a lagging write lands between: variants (one database)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    await db.exec(`
      create table va_old (id int primary key, v text not null);
      create table va_new (id int primary key, v text not null);
      insert into va_old select g, 'row ' || g from generate_series(1, ${LAG_ROWS}) g;
      insert into va_new select g, 'row ' || g from generate_series(1, ${LAG_ROWS}) g;
      analyze va_old; analyze va_new;
    `);
  }, 120_000);
  afterAll(() => db?.close());

  /** Row 1 one version behind on the new side (as in the review's test); a write keeps it behind. */
  const lagging = async () => db.exec(`update va_old set v = 'v1' where id = 1; update va_new set v = 'v0' where id = 1; delete from va_old where id > ${LAG_ROWS}; delete from va_new where id > ${LAG_ROWS};`);
  const laggingWrite = (first: 'old' | 'new') => (first === 'old'
    ? `update va_old set v = 'v2' where id = 1; update va_new set v = 'v1' where id = 1`
    : `update va_old set v = 'v0' where id = 1; update va_new set v = 'v9' where id = 1`);
  const stillDiffer = async () => {
    const [row] = await db.exec(`select (select string_agg(id || '=' || v, ',' order by id) from va_old where id = 1 or id > ${LAG_ROWS}) as old,
      (select string_agg(id || '=' || v, ',' order by id) from va_new where id = 1 or id > ${LAG_ROWS}) as new`);
    expect(row!.old).not.toBe(row!.new);
  };
  const check = (sources: string, extra: string, newSource = 'app') => `sources:
${sources}
checks:
  - { id: lagging, kind: table_diff, key: [id]${extra}, old: { source: app, table: va_old }, new: { source: ${newSource}, table: va_new } }
`;

  it('never passes a row moved between the sides by the write (missing rows, not changed ones)', async () => {
    await lagging();
    await db.exec(`update va_new set v = 'v1' where id = 1; insert into va_old values (${LAG_ROWS + 1}, 'a');`);
    // Old holds a row new lacks; after the write new holds it and old holds another (or new holds one old lacks).
    const { status, summary } = await interleavedRun(db, check(`  app: { url: "${db.url}", max_connections: 1 }`, ', segment_rows: 0'), { old: 'va_old', new: 'va_new' }, (first) => (first === 'old'
      ? `delete from va_old where id = ${LAG_ROWS + 1}; insert into va_old values (${LAG_ROWS + 2}, 'b'); insert into va_new values (${LAG_ROWS + 1}, 'a')`
      : `delete from va_old where id = ${LAG_ROWS + 1}; insert into va_new values (${LAG_ROWS + 3}, 'c')`));
    await stillDiffer();
    expect({ status, summary }).not.toMatchObject({ status: 'pass' });
  }, 120_000);

  it('never passes with the table in key-range segments (the write lands inside a segment)', async () => {
    await lagging();
    const { status, summary } = await interleavedRun(db, check(`  app: { url: "${db.url}", max_connections: 1 }`, ', segment_rows: 100000'), { old: 'va_old', new: 'va_new' }, laggingWrite);
    await stillDiffer();
    expect({ status, summary }).not.toMatchObject({ status: 'pass' });
  }, 120_000);

  it('never passes with each side on its own source configured alike (one database, two names)', async () => {
    await lagging();
    const sources = `  app: { url: "${db.url}", max_connections: 1 }\n  copy: { url: "${db.url}", max_connections: 1 }`;
    const { status, summary } = await interleavedRun(db, check(sources, ', segment_rows: 0, row_hash: sha256', 'copy'), { old: 'va_old', new: 'va_new' }, laggingWrite);
    await stillDiffer();
    expect({ status, summary }).not.toMatchObject({ status: 'pass' });
  }, 120_000);

  it('never passes on a source that reads several statements at once', async () => {
    await lagging();
    const { status, summary } = await interleavedRun(db, check(`  app: { url: "${db.url}" }`, ', segment_rows: 0'), { old: 'va_old', new: 'va_new' }, laggingWrite);
    await stillDiffer();
    expect({ status, summary }).not.toMatchObject({ status: 'pass' });
  }, 120_000);

  it('still passes the tables once they agree, read in one snapshot', async () => {
    await lagging();
    await db.exec(`update va_new set v = 'v1' where id = 1`);
    const { status, summary } = await runCheckFile(db, check(`  app: { url: "${db.url}" }`, ''));
    expect({ status, summary }).toMatchObject({ status: 'pass' });
  }, 120_000);
});

/** [label, old type, old value (SQL), new type, new value (SQL)]: every pair differs. */
const DIFFERING: [string, string, string, string, string][] = [
  // `=` calls these equal (interval_eq compares the span); the text tells them apart.
  ['interval 1 day -24 hours against 0', 'interval', `'1 day -24 hours'`, 'interval', `'0'`],
  ['interval 1 mon -30 days against 0', 'interval', `'1 mon -30 days'`, 'interval', `'0'`],
  // A composite field NULL against an empty string, and a composite whose text is its field's text.
  ['a composite field NULL against empty', 'rv_pair', `row(null, 'x')::rv_pair`, 'rv_pair', `row('', 'x')::rv_pair`],
  ['a NULL composite against one of NULL fields', 'rv_pair', `null::rv_pair`, 'rv_pair', `row(null, null)::rv_pair`],
  // NULL, '' and the words that spell it.
  ['text NULL against empty', 'text', 'null', 'text', `''`],
  ['text NULL against the word null', 'text', 'null', 'text', `'null'`],
  ['text empty against two quotes', 'text', `''`, 'text', `'""'`],
  // Arrays: a NULL element against the word, an empty array against one empty string, another dimension.
  ['text[] NULL element against the word NULL', 'text[]', `array[null]::text[]`, 'text[]', `'{"NULL"}'`],
  ['text[] empty against an empty element', 'text[]', `'{}'`, 'text[]', `'{""}'`],
  ['int[] one row against a flat array', 'int[]', `'{{1,2}}'`, 'int[]', `'{1,2}'`],
  // Unicode: NFC against NFD, and a no-break space against a space.
  ['é composed against decomposed', 'text', `U&'\\00E9'`, 'text', `U&'e\\0301'`],
  ['a no-break space against a space', 'text', `U&'a\\00A0b'`, 'text', `'a b'`],
  // Numbers at the edge of doubles, inside containers compared by text.
  ['jsonb 2^53+1 against 2^53', 'jsonb', `'{"n": 9007199254740993}'`, 'jsonb', `'{"n": 9007199254740992}'`],
  ['numeric[] 2^53+1 against 2^53', 'numeric[]', `'{9007199254740993}'`, 'numeric[]', `'{9007199254740992}'`],
  // An empty range against a range with equal bounds that is not empty.
  ['int4range empty against [1,1]', 'int4range', `'empty'`, 'int4range', `'[1,1]'`],
  ['tsquery a & b against a | b', 'tsquery', `'a & b'`, 'tsquery', `'a | b'`],
  ['bit varying 01 against 010', 'bit varying', `'01'`, 'bit varying', `'010'`],
];

describe.each(engines)('values that differ but print or compare alike, on %s', (engine) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    await db.exec(`create type rv_pair as (a text, b text);
      create table rv_o (id int primary key, ${DIFFERING.map((p, i) => `c${i} ${p[1]}`).join(', ')});
      create table rv_n (id int primary key, ${DIFFERING.map((p, i) => `c${i} ${p[3]}`).join(', ')});
      insert into rv_o (id) select generate_series(1, 60);
      insert into rv_n (id) select generate_series(1, 60);
      update rv_o set ${DIFFERING.map((p, i) => `c${i} = ${p[2]}`).join(', ')};
      update rv_n set ${DIFFERING.map((p, i) => `c${i} = ${p[4]}`).join(', ')};
      -- one row per side keeps its own value apart, so no compared value is fixed over the table
      update rv_o set ${DIFFERING.map((_, i) => `c${i} = null`).join(', ')} where id = 60;
      update rv_n set ${DIFFERING.map((_, i) => `c${i} = null`).join(', ')} where id = 60;`);
  });
  afterAll(() => db?.close());

  const statuses = async (yaml: (i: number) => string) => {
    const seen: [string, string][] = [];
    for (const [i, p] of DIFFERING.entries()) {
      try {
        seen.push([p[0], (await runCheck(db, `checks:\n${yaml(i)}`)).status]);
      } catch (error) {
        seen.push([p[0], `refused: ${(error as Error).message}`]);
      }
    }
    return seen.filter(([, status]) => status === 'pass');
  };

  it('table_diff passes none of them', async () => {
    expect(await statuses((i) => `  - { id: t, kind: table_diff, key: [id], old: { source: app, table: rv_o }, new: { source: app, table: rv_n }, columns: { c${i}: c${i} } }\n`)).toEqual([]);
  });

  it('table_diff with the sha256 row hash passes none of them', async () => {
    expect(await statuses((i) => `  - { id: t, kind: table_diff, row_hash: sha256, key: [id], old: { source: app, table: rv_o }, new: { source: app, table: rv_n }, columns: { c${i}: c${i} } }\n`)).toEqual([]);
  });

  it('column_parity (join form) passes none of them', async () => {
    expect(await statuses((i) => `  - { id: c, kind: column_parity, source: app, key: [id], old: { table: rv_o, expr: c${i} }, new: { table: rv_n, expr: c${i} } }\n`)).toEqual([]);
  });

  it('shadow_read passes none of those whose JSON answers differ', async () => {
    // Every pair here is also two different JSON answers (to_json), so none is exempt.
    const passed: string[] = [];
    for (const [i, p] of DIFFERING.entries()) {
      const catalog = catalogFromYaml(`checks:
  - id: s
    kind: shadow_read
    key: [id]
    sample: { size: 60, from: { source: app, table: rv_o }, seed: 7 }
    old: { source: app, query: "select id, c${i} as v from rv_o where id = any($keys)" }
    new: { source: app, query: "select id, c${i} as v from rv_n where id = any($keys)" }
    max_mismatch_rate: 0.05
`, { app: db });
      const registry = registryForCatalog(catalog, { app: db });
      try {
        if ((await execute([...catalog.checks.values()][0]!, registry)).status === 'pass') passed.push(p[0]);
      } finally {
        await registry.closeAll();
      }
    }
    expect(passed).toEqual([]);
  });
});

describeOnPostgres('table_diff between PGlite and Postgres over values that differ', () => {
  let lite: TestDatabase;
  let pg: TestDatabase;
  beforeAll(async () => {
    [lite, pg] = await Promise.all([createTestDatabase('pglite'), createTestDatabase('postgres')]);
    const create = `create type rv_pair as (a text, b text);
      create table rv (id int primary key, ${DIFFERING.map((p, i) => `c${i} ${p[1]}`).join(', ')});
      insert into rv (id) select generate_series(1, 60);`;
    await lite.exec(`${create} update rv set ${DIFFERING.map((p, i) => `c${i} = ${p[2]}`).join(', ')} where id < 60;`);
    await pg.exec(`${create} update rv set ${DIFFERING.map((p, i) => `c${i} = ${p[4]}`).join(', ')} where id < 60;`);
  });
  afterAll(async () => {
    await lite?.close();
    await pg?.close();
  });

  it('passes none of them, in either row-hash mode, and passes the columns that agree', async () => {
    const passed: string[] = [];
    for (const rowHash of ['fast', 'sha256']) {
      for (const [i, p] of DIFFERING.entries()) {
        const catalog = catalogFromYaml(`checks:
  - { id: t, kind: table_diff, row_hash: ${rowHash}, key: [id], old: { source: lite, table: rv }, new: { source: pg, table: rv }, columns: { c${i}: c${i} } }
`, { lite, pg });
        const registry = registryForCatalog(catalog, { lite, pg });
        try {
          if ((await execute([...catalog.checks.values()][0]!, registry)).status === 'pass') passed.push(`${rowHash}: ${p[0]}`);
        } finally {
          await registry.closeAll();
        }
      }
    }
    expect(passed).toEqual([]);
    // The same rows on both engines still pass (the diff is not failing for another reason).
    await pg.exec(`update rv set ${DIFFERING.map((p, i) => `c${i} = ${p[2]}`).join(', ')} where id < 60;`);
    const catalog = catalogFromYaml(`checks:
  - { id: t, kind: table_diff, key: [id], old: { source: lite, table: rv }, new: { source: pg, table: rv } }
`, { lite, pg });
    const registry = registryForCatalog(catalog, { lite, pg });
    const same = await execute([...catalog.checks.values()][0]!, registry).finally(() => registry.closeAll());
    expect([same.status, same.observations.row_hash]).toEqual(['pass', 'fast']);
  });
});
