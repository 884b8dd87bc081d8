/**
 * A chunked scan's counts, and a segmented table_diff's tally, are sums over key ranges read one
 * after another — possibly by two runs up to resume_max_age apart. Each statement finds the table
 * by name, and a name can reach another table in between: a table swapped in with
 * `ALTER TABLE … RENAME` (online schema change tools do exactly this), or dropped and created
 * again. The counts of the first table's key ranges were then added to the second's, and a check
 * passed while the second table held NULLs (or differences) in the ranges already counted. A
 * one-pass table_diff is several statements too: its first pass's dirty buckets were drilled into
 * the rows of a table swapped in after it, which held no difference there, and it passed.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { dyingStore, type Kill } from '../support/dying-store.js';
import { catalogFromYaml, execute, registryForCatalog } from '../support/run-check.js';
import type { SourceRegistry } from '../../src/sources/registry.js';

describe.each(engines)('a table swapped under a chunked scan or a segmented diff, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  /** One run; `kill` ends it at a checkpoint, `afterSave` runs SQL once that many checkpoints were recorded. */
  async function run(catalog: Catalog, kill?: Kill, afterSave?: { saves: number; sql: string }): Promise<FinishedRun> {
    const sources = registryForCatalog(catalog, { app: db });
    let runId = '';
    let saves = 0;
    const dying = dyingStore(store, kill, () => runner.cancel(runId));
    const watched: Store = afterSave === undefined ? dying : {
      ...dying,
      async saveCheckpoint(...args: Parameters<Store['saveCheckpoint']>) {
        const saved = await dying.saveCheckpoint(...args);
        if (++saves === afterSave.saves) await db.exec(afterSave.sql);
        return saved;
      },
    };
    const runner = createRunner({ store: watched, sources });
    try {
      const started = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
      runId = started.run.id;
      return await started.finished;
    } finally {
      await sources.closeAll();
    }
  }

  function chunked(id: string, table: string): Catalog {
    const catalog = catalogFromYaml(`checks:\n  - { id: ${id}, kind: null_check, source: app, table: ${table}, columns: [b], stop_after: false }\n`, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    return catalog;
  }

  /** A clean table under `name` and, beside it, one with NULLs in its first 300 rows. */
  const seed = (name: string) => db.exec(`create table ${name} (id int primary key, b text); insert into ${name} select g, 'v' from generate_series(1, 1000) g;
    create table ${name}_next (id int primary key, b text); insert into ${name}_next select g, case when g <= 300 then null else 'v' end from generate_series(1, 1000) g;`);
  const swap = (name: string) => `alter table ${name} rename to ${name}_prev; alter table ${name}_next rename to ${name}`;

  it('a resumed chunked scan starts over when another table answers to the name', async () => {
    await seed('rs');
    const catalog = chunked('rs', 'rs');
    expect((await run(catalog, { after: 4, recorded: true })).results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    await db.exec(swap('rs'));
    const resumed = (await run(catalog)).results[0]!;
    expect(resumed).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 300 } });
    expect(resumed.observations.resumed_from).toBeUndefined();
  });

  it('a chunked scan does not add up chunks of two tables when the name is swapped while it reads', async () => {
    await seed('ms');
    const result = (await run(chunked('ms', 'ms'), undefined, { saves: 4, sql: swap('ms') })).results[0]!;
    expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
  });

  it('a resumed table_diff starts over when another table answers to a side\'s name', async () => {
    await db.exec(`create table d_old (id int primary key, a text); insert into d_old select g, 'v' || g from generate_series(1, 1000) g;
      create table d_new (id int primary key, a text); insert into d_new select g, 'v' || g from generate_series(1, 1000) g;
      create table d_new_next (id int primary key, a text); insert into d_new_next select g, case when g <= 300 then 'x' else 'v' || g end from generate_series(1, 1000) g;`);
    const catalog = catalogFromYaml(`checks:
  - { id: d, kind: table_diff, key: [id], old: { source: app, table: d_old }, new: { source: app, table: d_new }, stop_after: false, segment_rows: 100 }
`, { app: db });
    expect((await run(catalog, { after: 4, recorded: true })).results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    await db.exec(swap('d_new'));
    const resumed = (await run(catalog)).results[0]!;
    expect(resumed).toMatchObject({ status: 'fail' });
    expect(resumed.observations.resumed_from).toBeUndefined();
  });

  it('a segmented table_diff does not add up segments of two tables when a side is swapped while it reads', async () => {
    await db.exec(`create table e_old (id int primary key, a text); insert into e_old select g, 'v' || g from generate_series(1, 1000) g;
      create table e_new (id int primary key, a text); insert into e_new select g, 'v' || g from generate_series(1, 1000) g;
      create table e_new_next (id int primary key, a text); insert into e_new_next select g, case when g <= 300 then 'x' else 'v' || g end from generate_series(1, 1000) g;`);
    const catalog = catalogFromYaml(`checks:
  - { id: e, kind: table_diff, key: [id], old: { source: app, table: e_old }, new: { source: app, table: e_new }, stop_after: false, segment_rows: 100 }
`, { app: db });
    const result = (await run(catalog, undefined, { saves: 4, sql: swap('e_new') })).results[0]!;
    expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
  });

  /** The registry, with `sql` run on the database once the first fingerprint pass (a GROUP BY over buckets) has read both sides. */
  function swappingAfterFirstPass(sources: SourceRegistry, sql: string): SourceRegistry {
    let fingerprints = 0;
    let swapped = false;
    return {
      ...sources,
      get: async (name) => {
        const source = await sources.get(name);
        return {
          ...source,
          readOnly: async (work, options) => {
            let fingerprint = false;
            const answer = await source.readOnly((session) => work({
              query: (statement) => {
                fingerprint ||= / group by 1\b/.test(statement.text);
                return session.query(statement);
              },
              each: (statement, onRow) => {
                fingerprint ||= / group by 1\b/.test(statement.text);
                return session.each!(statement, onRow);
              },
            }), options);
            if (fingerprint && ++fingerprints === 2 && !swapped) {
              swapped = true;
              await db.exec(sql);
            }
            return answer;
          },
        };
      },
    };
  }

  it('a one-pass table_diff does not drill one table\'s dirty buckets into another table\'s rows', async () => {
    // The first pass sees f_new differ in 5 rows; then a copy equal to f_old is swapped in under the name.
    await db.exec(`create table f_old (id int primary key, a text); insert into f_old select g, 'v' || g from generate_series(1, 1000) g;
      create table f_new (id int primary key, a text); insert into f_new select g, case when g <= 5 then 'x' else 'v' || g end from generate_series(1, 1000) g;
      create table f_new_next (id int primary key, a text); insert into f_new_next select g, 'v' || g from generate_series(1, 1000) g;`);
    const catalog = catalogFromYaml(`checks:
  - { id: f, kind: table_diff, key: [id], old: { source: app, table: f_old }, new: { source: app, table: f_new }, segment_rows: 0 }
`, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const result = await execute([...catalog.checks.values()][0]!, swappingAfterFirstPass(sources, swap('f_new')));
      expect(result.status, result.summary ?? '').not.toBe('pass');
      expect(result).toMatchObject({ status: 'error', error: { code: 'table_replaced' } });
    } finally {
      await sources.closeAll();
    }
  });
});
