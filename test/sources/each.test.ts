/**
 * ReadSession.each: rows handed over one by one, on both drivers — the streaming read table_diff
 * relies on to keep its memory bounded.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceQueryError } from '../../src/sources/errors.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import type { Row, Source } from '../../src/sources/types.js';
import { createTestDatabase, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const YAML = `
checks:
  - { id: noop, kind: sql_assert, source: app, query: "select 1 from pg_namespace where nspname = 'parity_never'" }
`;

describe.each(engines)('ReadSession.each on %s', (engine) => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  let source: Source;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    registry = registryForCatalog(catalogFromYaml(YAML, { app: db }), { app: db });
    source = await registry.get('app');
  });
  afterAll(async () => {
    await registry.closeAll();
    await db.close();
  });

  const read = <T>(work: Parameters<Source['readOnly']>[0], signal?: AbortSignal) =>
    source.readOnly(work, { statementTimeoutMs: 30_000, signal }) as Promise<T>;

  it('hands over every row in order, with bound parameters and the pinned settings, and counts them', async () => {
    const seen: Row[] = [];
    const count = await read<number>((session) => session.each!({ text: 'select g, current_setting($2) as tz from generate_series(1, $1::int) g order by g', params: [2500, 'TimeZone'] }, (row) => seen.push(row)));
    expect(count).toBe(2500);
    expect(seen.map((r) => Number(r.g))).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(new Set(seen.map((r) => r.tz))).toEqual(new Set(['UTC']));
  });

  it('agrees with query on the same statement', async () => {
    const statement = { text: "select g, g::numeric / 3 as third, case when g % 4 = 0 then null else 'x' || g end as label from generate_series(1, 300) g order by g", params: [] };
    const all = await read<Row[]>((session) => session.query(statement));
    const streamed: Row[] = [];
    await read((session) => session.each!(statement, (row) => streamed.push(row)));
    expect(streamed).toEqual(all);
  });

  it('rethrows an error thrown by the row consumer as it is, and the source stays usable', async () => {
    const mine = new Error('consumer gave up');
    let calls = 0;
    const failing = read((session) => session.each!({ text: 'select generate_series(1, 5000) as g', params: [] }, () => {
      if (++calls === 10) throw mine;
    }));
    await expect(failing).rejects.toBe(mine);
    expect(calls).toBe(10);
    expect(await read<Row[]>((session) => session.query({ text: 'select 41 + 1 as n', params: [] }))).toEqual([{ n: 42 }]);
  });

  it('reports a failing statement as a SourceQueryError naming the SQL', async () => {
    const failing = read((session) => session.each!({ text: 'select * from no_such_table', params: [] }, () => {}));
    await expect(failing).rejects.toBeInstanceOf(SourceQueryError);
    await expect(failing).rejects.toMatchObject({ fault: { code: 'missing_relation' }, sql: 'select * from no_such_table' });
  });

  it('stops handing over rows once cancelled, and ends as cancelled', async () => {
    const controller = new AbortController();
    let calls = 0;
    // A target-list set-returning function streams: rows flow long before the statement could end.
    const rows = engine === 'postgres' ? 100_000_000 : 20_000;
    const started = performance.now();
    const reading = read((session) => session.each!({ text: `select generate_series(1, ${rows}) as g`, params: [] }, () => {
      if (++calls === 1000) controller.abort();
    }), controller.signal);
    await expect(reading).rejects.toMatchObject({ fault: { code: 'cancelled' } });
    expect(calls).toBe(1000);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

// PGlite hands over a statement's rows only once it has finished; streaming is Postgres's.
describeOnPostgres('ReadSession.each on a Postgres server', () => {
  let db: TestDatabase;
  let registry: SourceRegistry;
  let source: Source;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    registry = registryForCatalog(catalogFromYaml(YAML, { app: db }), { app: db });
    source = await registry.get('app');
  });
  afterAll(async () => {
    await registry.closeAll();
    await db.close();
  });

  const read = <T>(work: Parameters<Source['readOnly']>[0]) => source.readOnly(work, { statementTimeoutMs: 30_000 }) as Promise<T>;

  it('delivers rows while the statement is still running', async () => {
    // 4 rows of 100 kB fill the socket buffer and are sent before the last row sleeps for a second.
    let firstRowAt: number | undefined;
    const started = performance.now();
    await read((session) => session.each!({
      text: "select g, case when g < 5 then repeat('x', 100000) else pg_sleep(1)::text end as pad from generate_series(1, 5) g",
      params: [],
    }, () => { firstRowAt ??= performance.now(); }));
    const endedAt = performance.now();
    expect(firstRowAt).toBeDefined();
    expect(endedAt - firstRowAt!).toBeGreaterThan(700);
    expect(firstRowAt! - started).toBeLessThan(endedAt - started);
  });
});
