/**
 * An incremental pass's watermark must be taken before the pass reads: every write its reads do
 * not see then carries a stamp at or after it. A full pass fused with another check's scan of the
 * same table shares a statement that check may have started earlier — before the watermark. A write
 * committed in between is missing from the counts, yet stamped before the watermark: the next
 * incremental pass starts after it, and the chain passed over it for good.
 */
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { Store } from '../../src/store/store.js';
import { describeOnPostgres, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { watchedSources } from '../support/watched-sources.js';

describeOnPostgres('an incremental full pass and another check of the same table, on postgres', () => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db, store } = opened));

  it('does not count on a statement read before its watermark', async () => {
    await db.exec(`create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create table t (id int primary key, b int, updated_at timestamptz not null default now());
      create trigger t_stamp before insert or update on t for each row execute function stamp();
      insert into t (id, b) select g, g from generate_series(1, 50) g;
      set session_replication_role = replica; update t set updated_at = now() - interval '1 day'; set session_replication_role = origin;`);
    const catalog = catalogFromYaml(`checks:
  - { id: plain, kind: null_check, source: app, table: t, columns: [b] }
  - { id: inc, kind: null_check, source: app, table: t, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }
`, { app: db });
    const writer = postgres(db.url, { max: 1, onnotice: () => {} });
    const open = await writer.reserve();
    try {
      await open.unsafe('begin');
      await open.unsafe('update t set b = null where id = 5');
      let committed = false;
      const plain = registryForCatalog(catalog, { app: db });
      // The incremental check asks the catalog (its watermark) only after the other check's
      // statement has read the table; the write commits in between.
      const sources = watchedSources(plain, async (_session, statement) => {
        if (!committed && /pg_trigger/.test(statement.text)) {
          committed = true;
          await new Promise((resolve) => setTimeout(resolve, 500));
          await open.unsafe('commit');
        }
      });
      try {
        await (await createRunner({ store, sources }).start({ checks: [catalog.checks.get('plain')!, catalog.checks.get('inc')!], trigger: 'api' })).finished;
      } finally {
        await plain.closeAll();
      }
    } finally {
      open.release();
      await writer.end();
    }
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const next = (await (await createRunner({ store, sources }).start({ checks: [catalog.checks.get('inc')!], trigger: 'api' })).finished).results[0]!;
      expect(next).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });
    } finally {
      await sources.closeAll();
    }
  });
});
