/**
 * A table swapped away and back between two statements of ONE pass. A diff's oid readings before
 * and after a pass (or a segment) see the same table, while a statement in between read another:
 * an online schema change tool renames a copy over the name, and renames it back when it aborts.
 * Each statement is its own transaction, so the bucket fingerprints could come from one table and
 * the drill-down (or the compared columns) from the other, and a difference was never seen. Every
 * statement of a diff must prove which table it read; a chunked scan's chunks already do.
 */
import { describe, expect, it } from 'vitest';
import type { FinishedResult } from '../../src/store/runs.js';
import type { SourceRegistry } from '../../src/sources/registry.js';
import { describeOnPostgres, engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';

/** SQL run on the database right after the first statement `after` matches (each step after the previous one fired). */
interface Step { after: (text: string, params: readonly unknown[]) => boolean; sql: string }

/** The registry, running each step's SQL between two statements of the check (after the statement's transaction ended). */
function interleaving(sources: SourceRegistry, db: TestDatabase, steps: readonly Step[]): SourceRegistry & { fired(): number } {
  let next = 0;
  return {
    ...sources,
    fired: () => next,
    get: async (name) => {
      const source = await sources.get(name);
      return {
        ...source,
        readOnly: async (work, options) => {
          const ran: { text: string; params: readonly unknown[] }[] = [];
          const answer = await source.readOnly((session) => work({
            query: (statement) => {
              ran.push(statement);
              return session.query(statement);
            },
            each: (statement, onRow) => {
              ran.push(statement);
              return session.each!(statement, onRow);
            },
          }), options);
          for (const { text, params } of ran) {
            const step = steps[next];
            if (step?.after(text, params)) {
              next++;
              await db.exec(step.sql);
            }
          }
          return answer;
        },
      };
    },
  };
}

const names = (table: string) => new RegExp(`"${table}"`);
const fingerprint = (table: string) => (text: string) => names(table).test(text) && / group by 1\b/.test(text);
const leafRows = (table: string) => (text: string) => names(table).test(text) && /4611686018427387903/.test(text);
/** The statement reading which table the name reaches (openSideReads): the name is its bound value. */
const oidReading = (table: string) => (text: string, params: readonly unknown[]) => /^select to_regclass\(\$1\)::oid::text as oid, /.test(text) && params[0] === `"${table}"`;
const columnsOf = (text: string) => text.includes('from pg_attribute');

describe.each(engines)('a table swapped away and back between two statements of one table_diff pass, on %s', (engine) => {
  let db: TestDatabase;
  useDatabaseAndStore(engine, (opened) => ({ db } = opened));

  const swap = (name: string) => `alter table ${name} rename to ${name}_prev; alter table ${name}_next rename to ${name}`;
  const swapBack = (name: string) => `alter table ${name} rename to ${name}_next; alter table ${name}_prev rename to ${name}`;

  /** `name`_old and `name`_new differ in rows 1-5; `name`_new_next is a copy of the old side. */
  const seed = (name: string) => db.exec(`create table ${name}_old (id int primary key, a text); insert into ${name}_old select g, 'v' || g from generate_series(1, 1000) g;
    create table ${name}_new (id int primary key, a text); insert into ${name}_new select g, case when g <= 5 then 'x' else 'v' || g end from generate_series(1, 1000) g;
    create table ${name}_new_next (id int primary key, a text); insert into ${name}_new_next select g, 'v' || g from generate_series(1, 1000) g;`);

  async function diff(name: string, extra: string, steps: (table: string) => Step[]): Promise<FinishedResult> {
    const catalog = catalogFromYaml(`checks:
  - { id: ${name}, kind: table_diff, key: [id], old: { source: app, table: ${name}_old }, new: { source: app, table: ${name}_new }, stop_after: false, ${extra} }
`, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    const planned = steps(`${name}_new`);
    const watched = interleaving(sources, db, planned);
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      // The swap happened while the check read (the test is void otherwise); the swap back only
      // when the check read on after it — a diff that proves its tables stops at the first read of the copy.
      expect(watched.fired()).toBeGreaterThanOrEqual(1);
      return result;
    } finally {
      await sources.closeAll();
    }
  }

  it('a one-pass diff does not drill into another table than the one its fingerprints came from', async () => {
    await seed('p1');
    const result = await diff('p1', 'segment_rows: 0', (t) => [{ after: fingerprint(t), sql: swap(t) }, { after: leafRows(t), sql: swapBack(t) }]);
    expect(result.status, result.summary ?? '').not.toBe('pass');
    expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
  });

  it('a one-pass diff does not take fingerprints of a table swapped in after its first oid reading', async () => {
    await seed('p2');
    const result = await diff('p2', 'segment_rows: 0', (t) => [{ after: oidReading(t), sql: swap(t) }, { after: fingerprint(t), sql: swapBack(t) }]);
    expect(result.status, result.summary ?? '').not.toBe('pass');
    expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
  });

  it('a segment does not drill into another table than the one its fingerprints came from', async () => {
    await seed('p3');
    const result = await diff('p3', 'segment_rows: 100', (t) => [{ after: fingerprint(t), sql: swap(t) }, { after: leafRows(t), sql: swapBack(t) }]);
    expect(result.status, result.summary ?? '').not.toBe('pass');
    expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
  });

  it('a one-pass diff over a view does not drill into rows the view was redefined to show (CREATE OR REPLACE VIEW keeps its oid)', async () => {
    await db.exec(`create table v1_old (id int primary key, a text); insert into v1_old select g, 'v' || g from generate_series(1, 1000) g;
      create table v1_base (id int primary key, a text); insert into v1_base select g, case when g <= 5 then 'x' else 'v' || g end from generate_series(1, 1000) g;
      create table v1_copy (id int primary key, a text); insert into v1_copy select g, 'v' || g from generate_series(1, 1000) g;
      create view v1_new as select id, a from v1_base;`);
    const redefine = (over: string) => `create or replace view v1_new as select id, a from ${over}`;
    const catalog = catalogFromYaml(`checks:
  - { id: v1, kind: table_diff, key: [id], old: { source: app, table: v1_old }, new: { source: app, table: v1_new }, stop_after: false, segment_rows: 0 }
`, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    const watched = interleaving(sources, db, [{ after: fingerprint('v1_new'), sql: redefine('v1_copy') }, { after: leafRows('v1_new'), sql: redefine('v1_base') }]);
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      expect(watched.fired()).toBeGreaterThanOrEqual(1);
      expect(result.status, result.summary ?? '').not.toBe('pass');
    } finally {
      await sources.closeAll();
    }
  });

  it('a diff does not compare the columns of another table than the one it reads', async () => {
    // The old side's name briefly reaches a copy without column b while the columns are listed.
    await db.exec(`create table p4_old (id int primary key, a text, b text); insert into p4_old select g, 'v', 'w' from generate_series(1, 1000) g;
      create table p4_old_next (id int primary key, a text); insert into p4_old_next select g, 'v' from generate_series(1, 1000) g;
      create table p4_new (id int primary key, a text, b text); insert into p4_new select g, 'v', case when g <= 5 then 'x' else 'w' end from generate_series(1, 1000) g;`);
    const catalog = catalogFromYaml(`checks:
  - { id: p4, kind: table_diff, key: [id], old: { source: app, table: p4_old }, new: { source: app, table: p4_new }, stop_after: false, segment_rows: 0 }
`, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    // Swapped after the check's first statement (the server's identity, read before any data), back once the columns are listed.
    const steps: Step[] = [{ after: () => true, sql: swap('p4_old') }, { after: columnsOf, sql: swapBack('p4_old') }];
    const watched = interleaving(sources, db, steps);
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      expect(watched.fired()).toBeGreaterThanOrEqual(1);
      expect(result.status, result.summary ?? '').not.toBe('pass');
      expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
    } finally {
      await sources.closeAll();
    }
  });
});

describe.each(engines)('a table swapped away and back between two chunks of a chunked scan, on %s', (engine) => {
  let db: TestDatabase;
  useDatabaseAndStore(engine, (opened) => ({ db } = opened));

  it('a chunk that read another table ends the scan, even when the name reaches the first table again by the end', async () => {
    await db.exec(`create table c1 (id int primary key, b text); insert into c1 select g, 'v' from generate_series(1, 1000) g;
      create table c1_next (id int primary key, b text); insert into c1_next select g, 'v' from generate_series(1, 1000) g;`);
    const catalog = catalogFromYaml(`checks:\n  - { id: c1, kind: null_check, source: app, table: c1, columns: [b], stop_after: false }\n`, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    const sources = registryForCatalog(catalog, { app: db });
    let chunks = 0;
    const chunk = (text: string) => /count\(\*\)/.test(text) && /"c1"/.test(text) && ++chunks > 0;
    const steps: Step[] = [
      { after: (text) => chunk(text) && chunks === 2, sql: 'alter table c1 rename to c1_prev; alter table c1_next rename to c1' },
      { after: (text) => chunk(text) && chunks === 3, sql: 'alter table c1 rename to c1_next; alter table c1_prev rename to c1' },
    ];
    const watched = interleaving(sources, db, steps);
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      expect(watched.fired()).toBe(2);
      expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
    } finally {
      await sources.closeAll();
    }
  });
});

describeOnPostgres('a table swapped away and back inside the first transaction of a chunked scan', () => {
  let db: TestDatabase;
  useDatabaseAndStore('postgres', (opened) => ({ db } = opened));

  /**
   * The registry, running `sql` on another connection right after the statement `at` matches has
   * answered, inside the same read transaction (swaps that wait on a lock give up after 1 s:
   * `swapped` says which ones happened).
   */
  function swappingMidTransaction(sources: SourceRegistry, steps: readonly { at: (text: string) => boolean; sql: string }[], swapped: boolean[]): SourceRegistry {
    let next = 0;
    return {
      ...sources,
      get: async (name) => {
        const source = await sources.get(name);
        return {
          ...source,
          readOnly: (work, options) => source.readOnly((session) => work({
            query: async (statement) => {
              const rows = await session.query(statement);
              const step = steps[next];
              if (step?.at(statement.text)) {
                next++;
                swapped.push(await db.exec(`set lock_timeout = '1s'; ${step.sql}`).then(() => true, () => false));
              }
              return rows;
            },
            ...(session.each ? { each: (statement, onRow) => session.each!(statement, onRow) } : {}),
          }), options),
        };
      },
    };
  }

  it('the key and its NOT NULL are read from the table the chunks count, not a copy swapped in and out between them', async () => {
    // The table's primary key is x; id may be NULL, and 50 rows with NULL id hold NULL b. The copy's key is id.
    await db.exec(`create table k1 (id int, x int primary key, b text); insert into k1 select case when g <= 50 then null else g end, g, case when g <= 50 then null else 'v' end from generate_series(1, 1000) g;
      create table k1_next (id int primary key, x int, b text); insert into k1_next select g, g, 'v' from generate_series(1, 1000) g;`);
    const catalog = catalogFromYaml(`checks:\n  - { id: k1, kind: null_check, source: app, table: k1, columns: [b], stop_after: false }\n`, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    const sources = registryForCatalog(catalog, { app: db });
    const swapped: boolean[] = [];
    const watched = swappingMidTransaction(sources, [
      { at: (text) => /limit 0\) as locked/.test(text), sql: 'alter table k1 rename to k1_prev; alter table k1_next rename to k1' },
      { at: (text) => text.includes('with recursive tree'), sql: 'alter table k1 rename to k1_next; alter table k1_prev rename to k1' },
    ], swapped);
    try {
      const result = await execute([...catalog.checks.values()][0]!, watched);
      expect(result.status, `${result.summary ?? ''} (swaps: ${swapped.join(', ')})`).not.toBe('pass');
      // The table the scan reads is locked from its first statement on: no swap can happen inside it.
      expect(swapped[0]).toBe(false);
    } finally {
      await sources.closeAll();
    }
  });
});
