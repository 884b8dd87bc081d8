/**
 * A check whose verdict combines a scope's count (min_rows) with another statement's answer must
 * read both in one snapshot: counted apart, a write committed between them leaves the answer
 * judged over a population the count never saw — an emptied table passing `rows: 0` while the
 * scope reported it full, the very vacuous pass min_rows is there to refuse.
 *
 * sql_assert: each writer holds a lock on a table only the judged statement reads (so the scope's
 * count has finished before it waits), changes the scope's table, and commits once parity's read
 * waits on that lock (test/support/lock-waits.ts). An incremental pass: the scope's floor was asked
 * after the pass over changed rows, in another statement; a write lands between the two. Sound
 * outcome: not a pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { ORDERS_BACKFILL_MISSED_ONE } from '../support/sql-assert-cases.js';
import { createTestDatabase, describeOnPostgres, engines, useDatabaseAndStore, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog, runCheckFile } from '../support/run-check.js';
import { committingWhileAReadWaits } from '../support/lock-waits.js';

describeOnPostgres('sql_assert: its scope and its query in one snapshot', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
  });
  afterAll(() => db.close());

  const seed = () => db.exec(`${ORDERS_BACKFILL_MISSED_ONE}
    create view orders_old_shown as select * from orders_old where total > 0;`);

  const MISSING = 'select o.id from orders_old o where o.total > 0 and not exists (select 1 from orders_new n where n.id = o.id)';
  const file = (expect: string, scope: string, query = MISSING) => `sources:
  app: { url: "${db.url}" }
checks:
  - id: none-missing
    kind: sql_assert
    source: app
    query: "${query}"
    expect: ${expect}
    scope: ${scope}
`;

  const cases: [string, string, string, string][] = [
    ['max_rows: 0, the table emptied by DELETE', '{ max_rows: 0 }', '{ table: orders_old, min_rows: 100 }', 'delete from orders_old'],
    ['rows: 0, a filtered scope, every row moved out of it by UPDATE', '{ rows: 0 }', '{ table: orders_old, where: "total > 0", min_rows: 100 }', 'update orders_old set total = -total'],
    ['rows: 0, the scope a view of the table', '{ rows: 0 }', '{ table: orders_old_shown, min_rows: 100 }', 'delete from orders_old'],
    ['a value, a filtered scope', '{ value: 0 }', '{ table: orders_old, where: "total > 0", min_rows: 100 }', 'delete from orders_old'],
  ];
  for (const [name, expected, scope, write] of cases) {
    it(`does not pass when the query read what a write left after the scope was counted (${name})`, async () => {
      await seed();
      const query = expected.includes('value') ? `select count(*) from (${MISSING}) m` : MISSING;
      const { status, summary, observations } = await committingWhileAReadWaits(db.url, 'orders_new', write, () => runCheckFile(db, file(expected, scope, query)));
      expect(status, JSON.stringify({ summary, observations })).not.toBe('pass');
    });
  }

  it('still fails at rest, and reports the scope it counted', async () => {
    await seed();
    const result = await runCheckFile(db, file('{ rows: 0 }', '{ table: orders_old, min_rows: 100 }'));
    expect(result.status).toBe('fail');
    expect(result.observations).toMatchObject({ rows_returned: 1, scope_rows: 100 });
  });

  it('still refuses a scope under min_rows at rest', async () => {
    await seed();
    const result = await runCheckFile(db, file('{ rows: 0 }', '{ table: orders_old, min_rows: 101 }'));
    expect(result.status).toBe('error');
    expect(result.error?.code).toBe('scope_too_small');
    expect(result.observations).toMatchObject({ scope_rows: 100 });
  });

  it('counts the scope and runs the query in one statement', async () => {
    await seed();
    const result = await runCheckFile(db, file('{ rows: 0 }', '{ table: orders_old, min_rows: 100 }'));
    // The scope is counted by name, quoted ("orders_old"); the query spells it bare.
    const first = result.statements.find((s) => s.sql.includes('orders_new'));
    expect(first?.sql).toContain('"orders_old"');
    expect(result.statements.some((s) => s.fused_checks !== undefined)).toBe(false);
  });
});

/** The registry, running `write` on the database once, right after the first transaction one of whose statements `after` matches. */
function writingAfter(sources: SourceRegistry, db: TestDatabase, after: (text: string) => boolean, write: string): SourceRegistry & { fired(): boolean } {
  let fired = false;
  return {
    ...sources,
    fired: () => fired,
    get: async (name) => {
      const source = await sources.get(name);
      return {
        ...source,
        readOnly: async (work, options) => {
          const ran: string[] = [];
          const answer = await source.readOnly((session) => work({
            ...session,
            query: (statement) => {
              ran.push(statement.text);
              return session.query(statement);
            },
          }), options);
          if (!fired && ran.some(after)) {
            fired = true;
            await db.exec(write);
          }
          return answer;
        },
      };
    },
  };
}

const STAMP = `create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;`;
const INCREMENTAL = '{ column: updated_at, overlap: 0s, full_every: 1d }';
const modeOf = (r: ResultRecord | undefined) => (r?.observations.incremental as { mode?: string } | undefined)?.mode;

describe.each(engines)('an incremental pass: its scope floor and its changed rows in one snapshot, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(catalog: Catalog, wrap?: (sources: SourceRegistry) => SourceRegistry): Promise<ResultRecord> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const done = await (await createRunner({ store, sources: wrap ? wrap(sources) : sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      return done.results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  for (const [table, check, write] of [
    ['f1', '{ id: f1, kind: null_check, source: app, table: f1, columns: [b], min_rows: 10, incremental: INCREMENTAL }', 'insert into f1 (id, a) select g, g from generate_series(1, 40) g'],
    ['f2', '{ id: f2, kind: column_parity, source: app, table: f2, key: [id], old: a, new: b, min_rows: 10, incremental: INCREMENTAL }', 'insert into f2 (id, a, b) select g, g, -g from generate_series(1, 40) g'],
  ] as const) {
    it(`does not pass changed rows read from an emptied table while the floor counted rows written after them (${check.split(',')[1]!.trim()})`, async () => {
      await db.exec(`${STAMP} create table ${table} (id int primary key, a int, b int, updated_at timestamptz not null default now());
        create trigger ${table}_stamp before insert or update on ${table} for each row execute function stamp();
        insert into ${table} (id, a, b) select g, g, g from generate_series(1, 40) g;`);
      const catalog = catalogFromYaml(`checks:\n  - ${check.replace('INCREMENTAL', INCREMENTAL)}\n`, { app: db });
      expect(modeOf(await run(catalog))).toBe('full');
      expect(modeOf(await run(catalog))).toBe('incremental');
      // Emptied (a reload), and refilled wrong right after the pass read its changed rows.
      await db.exec(`delete from ${table}`);
      let watched: ReturnType<typeof writingAfter> | undefined;
      const next = await run(catalog, (sources) => (watched = writingAfter(sources, db, (text) => text.includes('"updated_at" >='), write)));
      expect(watched?.fired()).toBe(true);
      expect(modeOf(next)).toBe('incremental');
      expect(next.status, next.summary ?? '').not.toBe('pass');
    });
  }
});
