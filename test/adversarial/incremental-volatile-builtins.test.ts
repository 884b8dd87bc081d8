/**
 * An incremental check's `old`, `new` and `where` must depend on the row alone; the row-local rule
 * refused every pg_catalog function with a STABLE overload (now(), age() …) but let through the
 * volatile built-ins every check may call: `clock_timestamp()`, `timeofday()`, `random()`,
 * `pg_relation_size()` … `where: "created_at < clock_timestamp() - interval '2 seconds'"` (the
 * refused now() example, spelled with the other clock) loaded, and the chain passed over a NULL
 * that came into scope without a write while a full pass failed on it. `random() < 0.5` as a scope
 * picks other rows on every pass, so a row written once and left out of the pass after its write
 * is never read by an incremental pass again.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const INCREMENTAL = 'incremental: { column: updated_at, overlap: 0s, full_every: 1d }';
const nullCheck = (where: string, incremental = INCREMENTAL) => `checks:\n  - { id: n, kind: null_check, source: app, table: t, columns: [b], where: ${JSON.stringify(where)}, ${incremental} }\n`;
const parity = (old: string, neu: string, incremental = INCREMENTAL) => `checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: ${JSON.stringify(old)}, new: ${JSON.stringify(neu)}, ${incremental} }\n`;
const db = { engine: 'pglite', url: 'embedded:x', dataDir: 'memory:x', exec: async () => [], close: async () => {} } as unknown as TestDatabase;
const load = (yaml: string) => () => catalogFromYaml(yaml, { app: db });

describe('the volatile built-ins an ordinary check may call are not row-local', () => {
  it('refuses a scope or value of an incremental check that reads a clock, draws random numbers or reads the server', () => {
    const refused: [string, RegExp][] = [
      [nullCheck("created_at < clock_timestamp() - interval '1 hour'"), /where: SQL expression calls clock_timestamp\(\)/],
      [nullCheck("created_at < pg_catalog.clock_timestamp() - interval '1 hour'"), /calls clock_timestamp\(\)/],
      [nullCheck("created_at < timeofday()::timestamptz - interval '1 hour'"), /calls timeofday\(\)/],
      [nullCheck('random() < 0.5'), /calls random\(\)/],
      [nullCheck('random_normal() < 0'), /calls random_normal\(\)/],
      [nullCheck("pg_relation_size('t') > 8192"), /calls pg_relation_size\(\)/],
      [nullCheck('not pg_is_in_recovery()'), /calls pg_is_in_recovery\(\)/],
      [nullCheck('created_at < pg_last_xact_replay_timestamp()'), /calls pg_last_xact_replay_timestamp\(\)/],
      [parity('b', 'case when random() < 0.99 then b end'), /new: SQL expression calls random\(\)/],
      [parity("created_at < clock_timestamp() - interval '1 day'", 'archived'), /old: SQL expression calls clock_timestamp\(\)/],
    ];
    for (const [yaml, message] of refused) expect(load(yaml), yaml).toThrow(message);
  });

  it('keeps them in checks without incremental (every pass reads every row)', () => {
    for (const yaml of [
      nullCheck("created_at < clock_timestamp() - interval '1 hour'", 'min_rows: 1'),
      nullCheck('random() < 2', 'min_rows: 1'),
    ]) expect(load(yaml), yaml).not.toThrow();
  });
});

describe.each(engines)('what the refused clock_timestamp() scope did, on %s', (engine) => {
  let verified: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db: verified, store } = opened));

  it('a row comes into a clock_timestamp() scope without a write: a pass, then a fail on the same data', async () => {
    await verified.exec(`create table t (id int primary key, b int, created_at timestamptz not null default now(), updated_at timestamptz not null default now());
      insert into t (id, b, created_at) values (1, 1, now() - interval '1 day'), (2, null, now());`);
    const catalog = catalogFromYaml(nullCheck("created_at < clock_timestamp() - interval '1 second'", 'min_rows: 1'), { app: verified });
    const sources = registryForCatalog(catalog, { app: verified });
    const run = async () => (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
    try {
      expect(await run()).toMatchObject({ status: 'pass' });
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      // Nothing was written to row 2: an incremental pass from the first pass's watermark would not read it.
      expect(await run()).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
    } finally {
      await sources.closeAll();
    }
  });
});
