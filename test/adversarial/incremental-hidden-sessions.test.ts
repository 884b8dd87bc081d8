/**
 * The watermark is the start of the oldest open transaction (pg_stat_activity.xact_start). A role
 * without pg_read_all_stats sees no xact_start for other roles' sessions — the application's, as a
 * rule — and parity only stated "assumes none holds a write transaction begun more than overlap
 * before the watermark". With `overlap: 0s`, an UPDATE left open in the application's session
 * across a pass (stamped at its transaction's start, before that pass's now()) and committed after
 * it was never read: the next incremental pass began after its stamp, passed, and a
 * `coverage: continuous` gate opened. pg_locks is not filtered by role: every transaction holds
 * its own virtualxid lock, so whether a hidden (or untracked) session is in a transaction can be
 * seen, though not since when — the watermark is then unknown and the next run is full.
 */
import postgres from 'postgres';
import { expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import { migrationSchema } from '../../src/checkfile/migrations.js';
import type { ResultRecord } from '../../src/store/runs.js';
import type { Store } from '../../src/store/store.js';
import { describeOnPostgres, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

const CHECK = (table = 't') => `checks:\n  - { id: ${table}, kind: null_check, source: app, table: ${table}, columns: [b], incremental: { column: updated_at, overlap: 0s, full_every: 1d } }\n`;
const READER = 'parity_hidden_reader';
const mode = (r: ResultRecord) => (r.observations.incremental as { mode?: string } | undefined)?.mode;

describeOnPostgres('a write transaction in a session hidden from parity\'s role', () => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore('postgres', (opened) => ({ db, store } = opened));

  /** parity reads as a role that may read every table but not other roles' activity. */
  function asReader(): TestDatabase {
    const url = new URL(db.url);
    url.username = READER;
    return { ...db, url: url.toString() };
  }

  async function runOnce(table = 't'): Promise<ResultRecord> {
    const reader = asReader();
    const catalog = catalogFromYaml(CHECK(table), { app: reader });
    const sources = registryForCatalog(catalog, { app: reader });
    try {
      return (await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished).results[0]!;
    } finally {
      await sources.closeAll();
    }
  }

  it('leaves the pass it was open during without a watermark, so the NULL it commits is read', async () => {
    await db.exec(`do $$ begin if not exists (select 1 from pg_roles where rolname = '${READER}') then create role ${READER} login; end if; end $$;
      grant pg_read_all_data to ${READER};
      create table t (id int primary key, b int, updated_at timestamptz not null default now());
      create function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger t_stamp before insert or update on t for each row execute function stamp();
      insert into t (id, b) select g, g from generate_series(1, 20) g;`);
    const hidden = (await db.exec(`select pg_has_role('${READER}', 'pg_read_all_stats', 'usage') as sees`))[0];
    expect(hidden).toMatchObject({ sees: false });
    expect(mode(await runOnce())).toBe('full');
    const writer = postgres(db.url, { max: 1, onnotice: () => {} });
    const session = await writer.reserve();
    try {
      await session.unsafe('begin');
      // Stamped with this transaction's start, before the pass below reads.
      await session.unsafe('update t set b = null where id = 3');
      const during = await runOnce();
      expect(during).toMatchObject({ status: 'pass', observations: { incremental: { watermark: null, watermark_unknown: expect.stringMatching(/hidden from parity's role .* pg_read_all_stats/) } } });
      await session.unsafe('commit');
    } finally {
      session.release();
      await writer.end();
    }
    const after = await runOnce();
    expect(after).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1, incremental: { mode: 'full' } } });
    const migration = migrationSchema.parse({ id: 'm', phases: [{ name: 'contract', requires: ['t'], coverage: 'continuous' }] });
    const { latest, now } = await store.gateEvidence(['t']);
    expect(evaluateGate({ migration, name: 'contract' }, latest, new Map([['t', { hash: catalogFromYaml(CHECK(), { app: asReader() }).checks.get('t')!.hash }]]), now).allowed).toBe(false);
  });

  it('states nothing and keeps the watermark when hidden sessions hold no transaction', async () => {
    await db.exec(`do $$ begin if not exists (select 1 from pg_roles where rolname = '${READER}') then create role ${READER} login; end if; end $$;
      grant pg_read_all_data to ${READER};
      create table u (id int primary key, b int, updated_at timestamptz not null default now());
      create or replace function stamp() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger u_stamp before insert or update on u for each row execute function stamp();
      insert into u (id, b) select g, g from generate_series(1, 20) g;`);
    // An idle session of another role: hidden, but in no transaction.
    const idle = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      await idle`select 1`;
      await runOnce('u');
      const next = await runOnce('u');
      expect(next).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'incremental', watermark: expect.any(String) } } });
    } finally {
      await idle.end();
    }
  });
});
