/**
 * A DEFAULT stamps only the INSERTs that do not name the column. Any insert that does — a backfill
 * copying rows with their source's `updated_at` (the very migration parity verifies), `COPY` with a
 * column list, a restore of data, an ORM writing every column — writes an old stamp (or NULL) that
 * no incremental pass ever reads. With a BEFORE UPDATE trigger for updates and `DEFAULT now()` for
 * inserts, parity took the column as maintained and stated the gap only in the summary: the row's
 * NULL passed every incremental pass and a `coverage: continuous` gate opened on it.
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const INCREMENTAL = '{ column: updated_at, overlap: 0s, full_every: 1d }';
const mode = (r: ResultRecord) => (r.observations.incremental as { mode?: string } | undefined)?.mode;

describe.each(engines)('INSERTs covered only by a DEFAULT, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(catalog: Catalog): Promise<ResultRecord> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  async function setUp(table: string, insertTrigger: boolean): Promise<Catalog> {
    await db.exec(`create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create table ${table} (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger ${table}_stamp before ${insertTrigger ? 'insert or ' : ''}update on ${table} for each row execute function stamp();
      insert into ${table} (id, b) select g, g from generate_series(1, 20) g;`);
    return catalogFromYaml(`checks:\n  - { id: ${table}, kind: null_check, source: app, table: ${table}, columns: [b], incremental: ${INCREMENTAL} }\n`, { app: db });
  }

  const writes = [
    ['a backfill copying its source\'s stamps', (t: string) => `insert into ${t} (id, b, updated_at) values (100, null, '2001-01-01')`],
    ['an insert naming the column as DEFAULT would have, but older', (t: string) => `insert into ${t} (id, b, updated_at) select 101, null, min(updated_at) - interval '1 day' from ${t}`],
  ] as const;

  for (const [i, [what, write]] of writes.entries()) {
    it(`refuses the mode, so ${what} is not passed over`, async () => {
      const table = `dd${i}`;
      const catalog = await setUp(table, false);
      const first = await run(catalog);
      await db.exec(write(table));
      const second = await run(catalog);
      for (const result of [first, second]) {
        expect(result).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(/INSERTs: .*DEFAULT .* names the column/) } });
      }
      const migration = migrationSchema.parse({ id: 'm', phases: [{ name: 'contract', requires: [table], coverage: 'continuous' }] });
      const { latest, now } = await store.gateEvidence([table]);
      expect(evaluateGate({ migration, name: 'contract' }, latest, new Map([[table, { hash: catalog.checks.get(table)!.hash }]]), now).allowed).toBe(false);
    });
  }

  it('still runs incrementally where a BEFORE INSERT trigger stamps the column (it overrides a named value)', async () => {
    const catalog = await setUp('dt', true);
    expect(mode(await run(catalog))).toBe('full');
    await db.exec(`insert into dt (id, b, updated_at) values (100, null, '2001-01-01')`);
    expect(await run(catalog)).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'incremental' } } });
  });

  it('runs on a DEFAULT alone under trust_column, saying what it assumes', async () => {
    await setUp('dr', false);
    const catalog = catalogFromYaml(`checks:\n  - { id: dr, kind: null_check, source: app, table: dr, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d, trust_column: true } }\n`, { app: db });
    expect(await run(catalog)).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full', trusted_column: true } } });
  });
});
