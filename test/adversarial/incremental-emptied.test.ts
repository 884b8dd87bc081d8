/**
 * `min_rows` (default 1) makes an empty scope "could not verify": a full pass over an emptied table
 * is `error: scope_too_small`. Incremental passes read only the changed rows, with min_rows lifted
 * for them (a quiet hour changes nothing), so a table emptied by DELETE — no catalog change, no
 * stamp to read — went on passing incrementally, and a `coverage: continuous` chain stayed
 * unbroken over a scope with no rows at all. Each incremental pass now also asks whether the whole
 * scope still holds `min_rows` rows (reading at most that many).
 */
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const STAMP = `create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;`;
const INCREMENTAL = '{ column: updated_at, overlap: 0s, full_every: 1d }';
const mode = (r: ResultRecord | undefined) => (r?.observations.incremental as { mode?: string } | undefined)?.mode;

describe.each(engines)('incremental passes over a scope that emptied, on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  async function run(catalog: Catalog): Promise<ResultRecord> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const done = await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      return done.results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  async function emptied(table: string, check: string, empty: string): Promise<ResultRecord> {
    await db.exec(`${STAMP} create table ${table} (id int primary key, a int, b int, updated_at timestamptz not null default now());
      create trigger ${table}_stamp before insert or update on ${table} for each row execute function stamp();
      insert into ${table} (id, a, b) select g, g, g from generate_series(1, 40) g;`);
    const catalog = catalogFromYaml(`checks:\n  - ${check}\n`, { app: db });
    expect(mode(await run(catalog))).toBe('full');
    const quiet = await run(catalog);
    expect(quiet.status).toBe('pass');
    expect(mode(quiet)).toBe('incremental');
    await db.exec(empty);
    return run(catalog);
  }

  it('a null_check over a table emptied by DELETE is scope_too_small, as a full pass is', async () => {
    const next = await emptied('e1', `{ id: e1, kind: null_check, source: app, table: e1, columns: [b], incremental: ${INCREMENTAL} }`, 'delete from e1');
    expect(next.status, next.summary ?? "").toBe('error');
    expect(next.error?.code).toBe('scope_too_small');
  });

  it('a column_parity whose where no longer selects enough rows is scope_too_small', async () => {
    const next = await emptied('e2', `{ id: e2, kind: column_parity, source: app, table: e2, key: [id], old: a, new: b, where: "id <= 30", min_rows: 10, incremental: ${INCREMENTAL} }`, 'delete from e2 where id > 5');
    expect(next.status, next.summary ?? "").toBe('error');
    expect(next.error?.code).toBe('scope_too_small');
  });

  it('a scope that still holds min_rows rows goes on incrementally', async () => {
    const next = await emptied('e3', `{ id: e3, kind: null_check, source: app, table: e3, columns: [b], min_rows: 5, incremental: ${INCREMENTAL} }`, 'delete from e3 where id > 5');
    expect(next.status, next.summary ?? "").toBe('pass');
    expect(mode(next)).toBe('incremental');
  });

  it('min_rows: 0 says an empty scope is expected', async () => {
    const next = await emptied('e4', `{ id: e4, kind: null_check, source: app, table: e4, columns: [b], min_rows: 0, incremental: ${INCREMENTAL} }`, 'delete from e4');
    expect(next.status, next.summary ?? "").toBe('pass');
  });
});
