/**
 * Incremental verification: after a full pass, runs re-read only rows whose maintained column is at
 * or after the last watermark minus overlap, and the result states its coverage. A chain over any
 * edits reaches the verdict a full pass reaches on the same data; a column the catalog does not show
 * maintained is refused; what incremental runs cannot see (a write setting an old value) is caught
 * by the next full pass.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import { NARROWED_SCAN_IO_CONCURRENCY, NARROWED_SCAN_WORK_MEM_KB } from '../../src/runner/scans.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import type { Store } from '../../src/store/store.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import type { ResultRecord } from '../../src/store/runs.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { watchedSources } from '../support/watched-sources.js';

const TRIGGER = `create or replace function set_updated_at() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
  create trigger t_updated_at before insert or update on t for each row execute function set_updated_at();`;

describe.each(engines)('incremental verification on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  function catalogOf(yaml: string): Catalog {
    const catalog = catalogFromYaml(yaml, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1 });
    return catalog;
  }

  async function run(catalog: Catalog): Promise<Record<string, ResultRecord>> {
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const done: FinishedRun = await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      return Object.fromEntries(done.results.map((r) => [r.checkId, r]));
    } finally {
      await sources.closeAll();
    }
  }

  async function seed(rows: number, trigger = true) {
    await db.exec(`drop table if exists t cascade; create table t (id int primary key, a int, b int, updated_at timestamptz not null default now());
      insert into t (id, a, b) select g, g, g from generate_series(1, ${rows}) g; ${trigger ? TRIGGER : ''}`);
  }

  const checks = (id: string, incremental = '{ column: updated_at, overlap: 0s, full_every: 1d }') => `checks:
  - { id: ${id}, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, incremental: ${incremental} }
  - { id: ${id}_n, kind: null_check, source: app, table: t, columns: [b], incremental: ${incremental} }
  - { id: ${id}_full, kind: column_parity, source: app, table: t, key: [id], old: a, new: b }
  - { id: ${id}_nfull, kind: null_check, source: app, table: t, columns: [b] }
`;

  it('refuses incremental mode when the catalog shows no trigger maintaining the column (a DEFAULT covers only INSERTs)', async () => {
    await seed(50, false);
    const results = await run(catalogOf(checks('refused')));
    for (const id of ['refused', 'refused_n']) {
      expect(results[id]).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained' } });
      expect(results[id]!.summary).toMatch(/could not verify: .*no enabled BEFORE UPDATE FOR EACH ROW trigger.*INSERTs: .*DEFAULT now\(\) covers no INSERT that names the column.*trust_column: true/);
    }
    // A trigger limited to some columns (UPDATE OF) misses updates of the others: still refused.
    await db.exec(`create or replace function set_updated_at() returns trigger language plpgsql as $$ begin new.updated_at := now(); return new; end $$;
      create trigger t_partial before update of a on t for each row execute function set_updated_at();`);
    expect((await run(catalogOf(checks('refused2'))))['refused2']).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained' } });
  });

  it('runs under trust_column: true without a trigger, and says what it assumes', async () => {
    await seed(50, false);
    const catalog = catalogOf(checks('trusted', '{ column: updated_at, overlap: 0s, full_every: 1d, trust_column: true }'));
    for (let i = 0; i < 2; i++) {
      const result = (await run(catalog))['trusted']!;
      expect(result.status).toBe('pass');
      expect(result.summary).toMatch(/assumes updated_at is set on every write \(trust_column: true; not shown by the catalog/);
      expect(result.observations.incremental).toMatchObject({ mode: i === 0 ? 'full' : 'incremental', trusted_column: true, assumption: expect.stringMatching(/trust_column/) });
    }
  });

  it('refuses a column that is not timestamptz', async () => {
    await db.exec(`drop table if exists t cascade; create table t (id int primary key, a int, b int, updated_at timestamp default now()); insert into t values (1, 1, 1)`);
    const result = (await run(catalogOf(checks('naive', '{ column: updated_at, overlap: 0s, full_every: 1d, trust_column: true }'))))['naive']!;
    expect(result).toMatchObject({ status: 'error', error: { code: 'incremental_unmaintained', message: expect.stringMatching(/timestamp without time zone; incremental needs timestamp with time zone/) } });
  });

  it('after a full pass reads only changed rows, states its coverage, and a failing link sends the next run back to a full pass', async () => {
    await seed(500);
    const catalog = catalogOf(checks('chain', '{ column: updated_at, overlap: 0s, full_every: 1d }'));
    const full = (await run(catalog))['chain']!;
    expect(full).toMatchObject({ status: 'pass', observations: { rows: 500, incremental: { mode: 'full', full_reason: expect.stringMatching(/no full pass/) }, coverage: { incremental_passes: 0, unbroken: true } } });
    const fullAt = (full.observations.coverage as { full_pass_at: string }).full_pass_at;

    await db.exec('update t set a = a where id in (1, 2, 3)');
    const first = (await run(catalog))['chain']!;
    expect(first).toMatchObject({ status: 'pass', observations: { rows: 3, incremental: { mode: 'incremental' }, coverage: { full_pass_at: fullAt, incremental_passes: 1, unbroken: true } } });
    expect(first.summary).toMatch(/coverage: full pass at .* \+ 1 incremental pass, unbroken, last at /);
    // Changed rows are selected in the WHERE clause (an index on the column can serve it), in one statement: not read and filtered.
    const counting = first.statements.filter((st) => /count\(\*\)/.test(st.sql));
    expect(counting.map((st) => st.sql)).toEqual([expect.stringMatching(/from "t" where "updated_at" >= \$\d+::timestamptz$/)]);
    // And the whole scope still holds min_rows rows: at most that many are read, in the same statement (one snapshot).
    expect(counting[0]!.sql).toMatch(/\(select count\(\*\) as n from \(select 1 from "t" where true limit \$(\d+)\) as scope\) as "__counted_beside"/);
    expect(counting[0]!.params).toContain(1);
    expect(first.summary).toMatch(/caught only by the next full pass; deleted rows cannot add offending rows/);

    const quiet = await run(catalog);
    expect(quiet['chain']).toMatchObject({ status: 'pass', observations: { rows: 0, coverage: { incremental_passes: 2, unbroken: true } } });
    // min_rows belongs to the full pass: no changed row is no reason to doubt the table.
    expect(quiet['chain_n']).toMatchObject({ status: 'pass', observations: { rows: 0 } });

    await db.exec('update t set b = -1 where id = 7; update t set b = null where id = 8');
    const failing = await run(catalog);
    expect(failing['chain']).toMatchObject({ status: 'fail', observations: { rows: 2, mismatches: 2, coverage: { incremental_passes: 3, unbroken: false } } });
    expect(failing['chain']!.samples!.map((s) => s.key.id).sort()).toEqual(['7', '8']);
    expect(failing['chain_n']).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 1 } });

    // The broken chain is not extended: the next run reads everything again.
    const again = await run(catalog);
    expect(again['chain']).toMatchObject({ status: 'fail', observations: { rows: 500, incremental: { mode: 'full', full_reason: expect.stringMatching(/was fail: a link that did not pass breaks the chain/) } } });
    await db.exec('update t set b = a');
    expect((await run(catalog))['chain']).toMatchObject({ status: 'pass', observations: { rows: 500, incremental: { mode: 'full' } } });
    expect((await run(catalog))['chain']).toMatchObject({ status: 'pass', observations: { rows: 0, incremental: { mode: 'incremental' } } });
  });

  it('reads an incremental pass\'s changed rows with work_mem and prefetch raised (a bitmap of scattered pages stays exact); a full pass keeps the server\'s', async () => {
    await seed(300);
    const catalog = catalogOf(checks('mem'));
    const reads: { text: string; workMemKb: number | undefined; ioConcurrency: number | undefined; workMem: string }[] = [];
    const passes = async () => {
      const sources = registryForCatalog(catalog, { app: db });
      // The real source, with each read's options written down and the work_mem its statement met.
      const watched = watchedSources(sources, async (session, statement, options) => {
        const [setting] = await session.query({ text: "select current_setting('work_mem') as work_mem", params: [] });
        reads.push({ text: statement.text, workMemKb: options.workMemKb, ioConcurrency: options.ioConcurrency, workMem: String(setting!.work_mem) });
      });
      try {
        return (await (await createRunner({ store, sources: watched }).start({ checks: [catalog.checks.get('mem')!], trigger: 'api' })).finished).results[0]!;
      } finally {
        await sources.closeAll();
      }
    };
    const counts = () => reads.filter((r) => r.text.startsWith('select count(*)') && !r.text.endsWith(' as scope'));
    expect((await passes()).observations.incremental).toMatchObject({ mode: 'full' });
    expect(counts().length).toBeGreaterThan(0);
    for (const read of counts()) expect(read).toMatchObject({ workMemKb: undefined, ioConcurrency: undefined, workMem: '4MB' });
    reads.length = 0;
    await db.exec('update t set a = a where id % 7 = 0');
    expect((await passes()).observations.incremental).toMatchObject({ mode: 'incremental' });
    expect(counts()).toHaveLength(1);
    expect(counts()[0]).toMatchObject({ workMemKb: NARROWED_SCAN_WORK_MEM_KB, ioConcurrency: NARROWED_SCAN_IO_CONCURRENCY, workMem: '64MB' });
  });

  it('a changed definition starts over with a full pass', async () => {
    await seed(100);
    await run(catalogOf(checks('redefined')));
    const changed = catalogOf(checks('redefined', '{ column: updated_at, overlap: 1s, full_every: 1d }'));
    expect((await run(changed))['redefined']).toMatchObject({ observations: { incremental: { mode: 'full', full_reason: expect.stringMatching(/another definition/) } } });
  });

  it('misses a row written with an old timestamp (trigger bypassed) until the next full pass, as documented', async () => {
    await seed(100);
    const catalog = catalogOf(checks('old', '{ column: updated_at, overlap: 0s, full_every: 3s }'));
    expect((await run(catalog))['old']).toMatchObject({ status: 'pass', observations: { incremental: { mode: 'full' } } });
    // A replica-role session skips ordinary triggers (logical replication apply does this): the row keeps an old updated_at.
    await db.exec(`set session_replication_role = replica; update t set b = -1, updated_at = '2000-01-01' where id = 5; set session_replication_role = origin;`);
    const missed = (await run(catalog))['old']!;
    expect(missed).toMatchObject({ status: 'pass', observations: { rows: 0, incremental: { mode: 'incremental' } } });
    expect(missed.summary).toMatch(/a write that sets updated_at to an older value is caught only by the next full pass/);
    await new Promise((resolve) => setTimeout(resolve, 3_100));
    const caught = (await run(catalog))['old']!;
    expect(caught).toMatchObject({ status: 'fail', observations: { rows: 100, mismatches: 1, incremental: { mode: 'full', full_reason: expect.stringMatching(/older than full_every/) } } });
  }, 30_000);

  it('an incremental chain over random edits (maintaining trigger) reaches the verdict of a full pass on the same data', async () => {
    let caseNo = 0;
    let incrementalRuns = 0;
    const edit = fc.oneof(
      fc.record({ op: fc.constant('break' as const), id: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ op: fc.constant('null' as const), id: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ op: fc.constant('fix' as const), id: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ op: fc.constant('fix_all' as const) }),
      fc.record({ op: fc.constant('insert' as const), id: fc.integer({ min: 301, max: 400 }), bad: fc.boolean() }),
      fc.record({ op: fc.constant('delete' as const), id: fc.integer({ min: 1, max: 400 }) }),
    );
    const sqlOf = (e: { op: string; id?: number; bad?: boolean }): string => {
      switch (e.op) {
        case 'break': return `update t set b = a + 1 where id = ${e.id}`;
        case 'null': return `update t set b = null where id = ${e.id}`;
        case 'fix': return `update t set b = a where id = ${e.id}`;
        case 'fix_all': return 'update t set b = a where b is distinct from a';
        case 'insert': return `insert into t (id, a, b) values (${e.id}, 1, ${e.bad ? 2 : 1}) on conflict (id) do update set b = excluded.b`;
        default: return `delete from t where id = ${e.id}`;
      }
    };
    await fc.assert(fc.asyncProperty(fc.array(fc.array(edit, { maxLength: 4 }), { minLength: 2, maxLength: 6 }), async (batches) => {
      caseNo++;
      await seed(300);
      const catalog = catalogOf(checks(`prop${caseNo}`));
      for (const batch of [[], ...batches]) {
        for (const e of batch) await db.exec(sqlOf(e));
        const results = await run(catalog);
        const [p, n, pFull, nFull] = [`prop${caseNo}`, `prop${caseNo}_n`, `prop${caseNo}_full`, `prop${caseNo}_nfull`].map((id) => results[id]!);
        expect(p!.status).toBe(pFull!.status);
        expect(n!.status).toBe(nFull!.status);
        if ((p!.observations.incremental as { mode: string }).mode === 'incremental') incrementalRuns++;
      }
    }), { numRuns: 6 });
    // The property is about incremental runs: they must have happened, not only full ones.
    expect(incrementalRuns).toBeGreaterThan(6);
  }, 300_000);
});
