import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { nextChunkRows, planChunk, planChunkEnd } from '../../src/runner/chunked-scan.js';
import { SCANNED_ALIAS } from '../../src/runner/count-scan.js';
import { createLimiter } from '../../src/concurrency/limiter.js';
import { createScanExecutor, type PlannedScan, type ScanExecutor } from '../../src/runner/scans.js';
import type { StatementRecord } from '../../src/store/schema.js';
import type { CountScan } from '../../src/kinds/types.js';
import { KEYS_ASSUMED_STABLE } from '../../src/kinds/scan-facts.js';
import { compile, sql } from '../../src/sql/build.js';
import { evaluateGate } from '../../src/gate/evaluate-gate.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, createTestStore, describeOnPostgres, engines, type TestDatabase } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

/** Five checks on one table (plus one on another) — the fusion case of issue 7. */
const CHECKS = `
checks:
  - { id: count, kind: row_count, old: { source: app, table: legacy }, new: { source: app, table: users } }
  - { id: live-count, kind: row_count, old: { source: app, table: legacy, where: "id % 7 <> 0" }, new: { source: app, table: users, where: "deleted is not true" } }
  - { id: nulls, kind: null_check, source: app, table: users, columns: [first_name, last_name], where: "full_name is not null" }
  - { id: parity, kind: column_parity, source: app, table: users, key: [id], old: full_name, new: "first_name || ' ' || last_name", normalize: [trim, collapse_whitespace] }
  - { id: parity-ratio, kind: column_parity, source: app, table: users, key: [id], old: "lower(full_name)", new: "lower(first_name || ' ' || last_name)", max_mismatch_ratio: 0.5 }
  - { id: composite, kind: null_check, source: app, table: pairs, columns: [v] }
`;

type Row = { id: number; full: string | null; first: string | null; last: string | null; deleted: boolean | null };

const rowArb = fc.record({
  full: fc.option(fc.constantFrom('Ann Lee', ' Ann  Lee', 'Bo', 'Zoë Ünal', '😀 Smile', ''), { nil: null }),
  first: fc.option(fc.constantFrom('Ann', 'Bo', 'Zoë', '😀'), { nil: null }),
  last: fc.option(fc.constantFrom('Lee', 'Ünal', 'Smile', ''), { nil: null }),
  deleted: fc.option(fc.boolean(), { nil: null }),
});

function literal(value: string | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  return `'${value.replaceAll("'", "''")}'`;
}

async function seed(db: TestDatabase, rows: Row[], legacyRows: number, pairs: number) {
  await db.exec(`
    drop table if exists users; drop table if exists legacy; drop table if exists pairs;
    create table users (id int primary key, full_name text, first_name text, last_name text, deleted boolean);
    create table legacy (id int primary key);
    create table pairs (a int, b text, v int, primary key (a, b));
    insert into legacy select generate_series(1, ${legacyRows});
    insert into pairs select g % 5, 'k' || g, case when g % 3 = 0 then null else g end from generate_series(1, ${pairs}) g;
  `);
  if (rows.length > 0) {
    await db.exec(`insert into users values ${rows.map((r) => `(${r.id}, ${literal(r.full)}, ${literal(r.first)}, ${literal(r.last)}, ${literal(r.deleted)})`).join(', ')}`);
  }
}

/** The findings: how a scan read (rows scanned, its last progress report's timings) differs between modes. */
function outcomes(run: FinishedRun) {
  return Object.fromEntries(run.results.map((r) => [r.checkId, { status: r.status, observations: { ...r.observations, rows_scanned: undefined, progress: undefined } }]));
}

describe.each(engines)('scan engine on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase(engine);
    ({ store, close: closeStore } = await createTestStore(engine));
  });
  afterAll(async () => {
    await closeStore();
    await db.close();
  });

  async function runAll(scanYaml: string, fuse: boolean, source: Record<string, unknown> = {}): Promise<FinishedRun> {
    const catalog = catalogFromYaml(CHECKS, { app: db });
    const spec = catalog.sources.get('app')!.spec;
    Object.assign(spec, source);
    Object.assign(spec.scan, scanYaml === 'chunked' ? { mode: 'chunked', chunk_rows: 7, pause_ms: 0 } : scanYaml === 'consistent' ? { mode: 'chunked', chunk_rows: 5, pause_ms: 0, snapshot: 'consistent' } : {});
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const runner = createRunner({ store, sources, fuseScans: fuse });
      return await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
    } finally {
      await sources.closeAll();
    }
  }

  it('fused, chunked and consistent-snapshot scans agree with plain single statements on random data', async () => {
    await fc.assert(fc.asyncProperty(
      // Mostly dense small ids, some anywhere in int4 (gaps, negatives, the extremes): chunk ends are keys, not arithmetic.
      fc.uniqueArray(fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 400 }) }, { weight: 1, arbitrary: fc.integer({ min: -2147483648, max: 2147483647 }) }), { maxLength: 40 }).chain((ids) => fc.tuple(fc.constant(ids), fc.array(rowArb, { minLength: ids.length, maxLength: ids.length }))),
      fc.integer({ min: 0, max: 45 }),
      fc.integer({ min: 0, max: 30 }),
      async ([ids, fields], legacyRows, pairs) => {
        await seed(db, ids.map((id, i) => ({ id, ...fields[i]! })), legacyRows, pairs);
        const plain = outcomes(await runAll('single', false));
        expect(outcomes(await runAll('single', true))).toEqual(plain);
        // A chunked scan may stop once it has proven a failure: then only the verdict must agree.
        const chunked = outcomes(await runAll('chunked', true));
        for (const outcome of Object.values(chunked)) {
          // Chunks in separate transactions say what they assumed; the counts must still agree.
          const { assumption, ...observations } = outcome.observations as Record<string, unknown>;
          if (assumption !== undefined) expect(assumption).toBe(KEYS_ASSUMED_STABLE);
          outcome.observations = { ...observations, rows_scanned: undefined, progress: undefined };
        }
        for (const [id, outcome] of Object.entries(chunked)) {
          if (!(outcome.observations as Record<string, unknown>).stopped_early) continue;
          expect([id, outcome.status, plain[id]!.status]).toEqual([id, 'fail', 'fail']);
          chunked[id] = plain[id]!;
        }
        expect(chunked).toEqual(plain);
        expect(outcomes(await runAll('consistent', false))).toEqual(plain);
      },
    ), { numRuns: engine === 'pglite' ? 12 : 20 });
    // Hundreds of short read transactions: each plans the stand-in guard's catalog query too
    // (docs/decisions.md), which took this from about 41s/50s to 55s/56s on a loaded runner.
  }, 120_000);

  it('caps parallel workers for count scans when the source says so, single and chunked', async () => {
    await seed(db, Array.from({ length: 12 }, (_, i) => ({ id: i + 1, full: 'A B', first: 'A', last: 'B', deleted: false })), 0, 0);
    // Rows are in scope only where the scan's own session has the cap: the setting is read from inside the scan.
    const yaml = `
checks:
  - { id: capped, kind: null_check, source: app, table: users, columns: [first_name], where: "current_setting('max_parallel_workers_per_gather') = '0'", sample: 0 }
`;
    const inScope = async (scan: Record<string, unknown>) => {
      const catalog = catalogFromYaml(yaml, { app: db });
      Object.assign(catalog.sources.get('app')!.spec.scan, scan);
      const sources = registryForCatalog(catalog, { app: db });
      try {
        const run = await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
        return run.results[0]!.observations.rows;
      } finally {
        await sources.closeAll();
      }
    };
    expect(await inScope({ max_parallel_workers: 0 })).toBe(12);
    expect(await inScope({ mode: 'chunked', chunk_rows: 5, pause_ms: 0, max_parallel_workers: 0 })).toBe(12);
    expect(await inScope({ max_parallel_workers: 1 })).toBe(0);
  });

  it('answers the checks on users with one statement shared between them, and each row_count with one statement over both its tables', async () => {
    await seed(db, Array.from({ length: 30 }, (_, i) => ({ id: i + 1, full: 'Ann Lee', first: 'Ann', last: 'Lee', deleted: false })), 30, 10);
    const run = await runAll('single', true);
    const onUsers = run.results.filter((r) => ['nulls', 'parity', 'parity-ratio', 'live-count', 'count'].includes(r.checkId));
    // Statements that read rows of users; a column_parity also asks the types of its two values
    // (`pg_typeof((select … from "users" limit 0))`: float-leaves.ts, and before reading under a
    // text normaliser container-normalizers.ts), which read none; and on a pass the plan of its
    // values (EXPLAIN, lineage/value-lineage.ts), which reads none either.
    const readsUsers = /from "users"(?! limit 0\))/;
    const statementsOf = (checkId: string) => run.results.find((r) => r.checkId === checkId)!.statements.filter((s) => readsUsers.test(s.sql) && !/^\s*explain\b/i.test(s.sql));
    const usersStatements = new Set(onUsers.flatMap((r) => statementsOf(r.checkId).map((s) => s.sql)));
    // One fused statement, and one per row_count: its two counts are compared, so they are read in
    // one snapshot (ScanExecutor.countTogether), never from another check's statement.
    expect(usersStatements.size).toBe(3);
    // Before it, the version of the definitions a pass is judged by (introspect/definition-version.ts).
    expect(statementsOf('parity')[0]?.fused_checks).toEqual(['nulls', 'parity', 'parity-ratio']);
    for (const checkId of ['count', 'live-count']) {
      const [read, ...more] = statementsOf(checkId);
      expect(more).toEqual([]);
      expect(read?.sql).toMatch(/from "legacy".* cross join .*from "users"/s);
      expect(read?.fused_checks).toBeUndefined();
    }
    expect(run.summary).toMatchObject({ total: 6, error: 0 });
  });

  it('keeps a row_count over two sources configured alike out of fusion, as it reads both counts in one statement', async () => {
    await seed(db, Array.from({ length: 12 }, (_, i) => ({ id: i + 1, full: 'Ann Lee', first: 'Ann', last: 'Lee', deleted: false })), 12, 3);
    const yaml = `
checks:
  - { id: count, kind: row_count, old: { source: app, table: legacy }, new: { source: app_alike, table: users } }
  - { id: nulls, kind: null_check, source: app_alike, table: users, columns: [first_name] }
  - { id: old-nulls, kind: null_check, source: app, table: legacy, columns: [id] }
`;
    const catalog = catalogFromYaml(yaml, { app: db, app_alike: db });
    const sources = registryForCatalog(catalog, { app: db, app_alike: db });
    try {
      const run = await (await createRunner({ store, sources, fuseScans: true }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      const counting = (checkId: string) => run.results.find((r) => r.checkId === checkId)!.statements.filter((s) => /count\(/.test(s.sql) && !/^\s*explain\b/i.test(s.sql));
      const [both, ...more] = counting('count');
      expect(more).toEqual([]);
      expect(both?.sql).toMatch(/from "legacy".* cross join .*from "users"/s);
      // The null_checks read their own statements: none of them also counts the row_count's table.
      for (const checkId of ['nulls', 'old-nulls']) {
        for (const statement of counting(checkId)) expect(statement.fused_checks ?? [checkId]).toEqual([checkId]);
      }
      expect(run.summary).toMatchObject({ total: 3, error: 0, pass: 3 });
    } finally {
      await sources.closeAll();
    }
  });

  it('never fuses on a source with max_replica_lag: each check\'s lag readings bracket its own statement', async () => {
    await seed(db, Array.from({ length: 30 }, (_, i) => ({ id: i + 1, full: 'Ann Lee', first: 'Ann', last: 'Lee', deleted: false })), 30, 10);
    const run = await runAll('single', true, { max_replica_lag: 30_000 });
    const onUsers = run.results.filter((r) => ['nulls', 'parity', 'parity-ratio', 'live-count', 'count'].includes(r.checkId));
    expect(onUsers).toHaveLength(5);
    for (const result of onUsers) {
      expect(result.statements.filter((s) => s.sql.includes('from "users"')).length, result.checkId).toBeGreaterThan(0);
      expect(result.statements.every((s) => s.fused_checks === undefined), result.checkId).toBe(true);
    }
    expect(run.summary).toMatchObject({ total: 6, error: 0 });
  });

  it('a broken check does not take the checks fused with it down', async () => {
    await seed(db, [{ id: 1, full: 'A B', first: 'A', last: 'B', deleted: false }], 1, 1);
    const catalog = catalogFromYaml(`${CHECKS}  - { id: broken, kind: null_check, source: app, table: users, columns: [no_such_column] }\n`, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const runner = createRunner({ store, sources });
      const run = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      expect(run.summary).toMatchObject({ pass: 6, error: 1 });
      expect(run.results.find((r) => r.checkId === 'broken')?.error?.code).toBe('missing_column');
    } finally {
      await sources.closeAll();
    }
  });

  it('estimates row counts from planner statistics and says so', async () => {
    await seed(db, Array.from({ length: 50 }, (_, i) => ({ id: i + 1, full: null, first: null, last: null, deleted: null })), 50, 0);
    const yaml = `
checks:
  - { id: estimated, kind: row_count, estimate: true, old: { source: app, table: legacy }, new: { source: app, table: users }, tolerance: { relative: 0.5 } }
`;
    const catalog = catalogFromYaml(yaml, { app: db });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const runner = createRunner({ store, sources });
      const before = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      expect(before.results[0]?.error?.code).toBe('estimate_unavailable');
      await db.exec('analyze legacy; analyze users;');
      const after = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      expect(after.results[0]).toMatchObject({ status: 'pass', observations: { estimated: true, old_rows: 50, new_rows: 50 } });
      expect(after.results[0]?.summary).toMatch(/^estimated: /);
      // A passing estimate never opens a gate: gates require exact counts.
      const migration = { id: 'm', phases: [{ name: 'switch-reads', requires: ['estimated'], max_age: 3_600_000, require_earlier_phases: true }] };
      const evidence = await store.latestResultsForGate(['estimated']);
      const verdict = evaluateGate({ migration, name: 'switch-reads' }, evidence, new Map([['estimated', { hash: catalog.checks.get('estimated')!.hash }]]), new Date());
      expect(verdict.allowed).toBe(false);
      expect(verdict.reasons).toEqual(['check "estimated" passed on a planner estimate (estimate: true); gates require exact counts']);
    } finally {
      await sources.closeAll();
    }
  });
});

describe('chunk sizing', () => {
  it('moves toward the target duration within bounds', () => {
    const settings = { chunk_rows: 50_000, target_chunk_ms: 500 };
    expect(nextChunkRows(50_000, 250, settings)).toBeGreaterThan(50_000);
    expect(nextChunkRows(50_000, 1_000, settings)).toBeLessThan(50_000);
    expect(nextChunkRows(50_000, 0.001, settings)).toBe(5_000_000);
    expect(nextChunkRows(50_000, 1e9, settings)).toBe(5_000);
    fc.assert(fc.property(fc.integer({ min: 5_000, max: 5_000_000 }), fc.double({ min: 0, max: 1e6, noNaN: true }), (current, elapsed) => {
      const next = nextChunkRows(current, elapsed, settings);
      return next >= 5_000 && next <= 5_000_000;
    }));
    // Damped: one chunk that ran 100× too fast grows the next by 10×, not 100×.
    expect(nextChunkRows(50_000, 5, settings)).toBe(500_000);
  });
});

describeOnPostgres('chunked scans against production-like Postgres', () => {
  let db: TestDatabase;
  let store: Store;
  let closeStore: () => Promise<void>;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    ({ store, close: closeStore } = await createTestStore('pglite'));
    await db.exec(`create table big (id bigint primary key, v text);
      insert into big select g, case when g % 1000 = 0 then null else 'x' end from generate_series(1, 200000) g; analyze big;`);
  });
  afterAll(async () => {
    await closeStore();
    await db.close();
  });

  const yaml = `
checks:
  - { id: big-nulls, kind: null_check, source: app, table: big, columns: [v], sample: 0, stop_after: false }
`;

  it('finds each chunk end in the primary-key index alone and counts the chunk as a key range', async () => {
    const key = [{ name: 'id', type: 'bigint' }];
    const scan: CountScan = { source: 'app', table: { name: 'big' }, counts: { nulls: sql`v is null` } };
    const plan = async (statement: ReturnType<typeof planChunk>) => {
      const { text, params } = compile(statement);
      const literalText = text.replace(/\$(\d+)/g, (_, n: string) => `'${String(params[Number(n) - 1])}'`);
      return (await db.exec(`explain ${literalText}`)).map((r) => String(r['QUERY PLAN'])).join('\n');
    };
    const probe = await plan(planChunkEnd(scan.table, key, ['50000'], 20_000));
    expect(probe).toMatch(/Index Only Scan using big_pkey/);
    const chunk = await plan(planChunk(scan, key, ['50000'], ['70000']));
    expect(chunk).toMatch(/Index Cond: \(\(id > '50000'::bigint\) AND \(id <= '70000'::bigint\)\)/);
    // Never the table read whole or sorted. The statement's proof of which relation it read
    // (table-identity.ts) reads the catalog once per statement, with scans of its own there.
    expect(chunk).not.toMatch(/Limit|Sort|Seq Scan on big/);
  });

  describe('fused statements and the checks waiting on them', () => {
    const slowTable = { name: 'slow' };
    // pg_sleep per row makes the one fused statement last ~0.6 s. Postgres only: PGlite runs a
    // statement synchronously on this thread, so nothing can be cancelled while it runs.
    const scanA: CountScan = { source: 'app', table: slowTable, counts: { a: sql`pg_sleep(0.2) is not null and v > 1` } };
    const scanB: CountScan = { source: 'app', table: slowTable, counts: { b: sql`v > 2` } };
    const statements: StatementRecord[] = [];
    const request = (checkId: string, signal: AbortSignal, timeoutMs?: number) => ({ checkId, signal, timeoutMs, onStatement: (r: StatementRecord) => statements.push(r) });

    async function withExecutor<T>(planned: PlannedScan[], work: (executor: ScanExecutor) => Promise<T>): Promise<T> {
      await db.exec('drop table if exists slow; create table slow (v int); insert into slow values (1), (2), (3);');
      statements.length = 0;
      const catalog = catalogFromYaml('checks: []\n', { app: db });
      const sources = registryForCatalog(catalog, { app: db });
      try {
        return await work(createScanExecutor({ sources, limiters: () => createLimiter(4), planned }));
      } finally {
        await sources.closeAll();
      }
    }

    it('one cancelled check stops waiting; the statement runs on for the others', async () => {
      await withExecutor([{ checkId: 'a', scan: scanA }, { checkId: 'b', scan: scanB }], async (executor) => {
        const cancelA = new AbortController();
        const a = executor.count(scanA, request('a', cancelA.signal));
        const b = executor.count(scanB, request('b', new AbortController().signal));
        setTimeout(() => cancelA.abort(new Error('lease lost')), 100);
        await expect(a).rejects.toThrow('lease lost');
        await expect(b).resolves.toMatchObject({ b: 1, [SCANNED_ALIAS]: 3 });
        expect(new Set(statements.map((r) => r.sql)).size).toBe(1);
      });
    });

    it('cancelling every waiting check cancels the statement', async () => {
      await withExecutor([{ checkId: 'a', scan: scanA }, { checkId: 'b', scan: scanB }], async (executor) => {
        const cancel = new AbortController();
        const started = performance.now();
        const both = Promise.allSettled([executor.count(scanA, request('a', cancel.signal)), executor.count(scanB, request('b', cancel.signal))]);
        setTimeout(() => cancel.abort(new Error('run cancelled')), 100);
        expect((await both).map((r) => r.status)).toEqual(['rejected', 'rejected']);
        // A later check gets a fresh statement, not the cancelled one's failure.
        await expect(executor.count(scanB, request('b', new AbortController().signal))).resolves.toMatchObject({ b: 1 });
        expect(performance.now() - started).toBeLessThan(5_000);
      });
    });

    it('after a cancelled round, a check waiting alone still takes the statement down when cancelled', async () => {
      await withExecutor([{ checkId: 'a', scan: scanA }, { checkId: 'b', scan: scanB }], async (executor) => {
        const first = new AbortController();
        const firstRound = Promise.allSettled([executor.count(scanA, request('a', first.signal)), executor.count(scanB, request('b', first.signal))]);
        setTimeout(() => first.abort(new Error('run cancelled')), 100);
        await firstRound;
        const second = new AbortController();
        const alone = executor.count(scanB, request('b', second.signal));
        setTimeout(() => second.abort(new Error('cancelled again')), 100);
        await expect(alone).rejects.toThrow('cancelled again');
        // The statement itself was cancelled (~0.1 s into its ~0.6 s of sleeping), not left running.
        const started = performance.now();
        await expect.poll(async () => (await db.exec(`select count(*)::int as n from pg_stat_activity where datname = current_database() and state = 'active' and query like '%pg_sleep(0.2)%' and pid <> pg_backend_pid()`))[0]!.n, { timeout: 400, interval: 20 }).toBe(0);
        expect(performance.now() - started).toBeLessThan(400);
      });
    });

    it('finds fusion members by the planned objects themselves, never by matching SQL text', async () => {
      await withExecutor([{ checkId: 'a', scan: scanA }, { checkId: 'b', scan: scanB }], async (executor) => {
        const signal = new AbortController().signal;
        // An equal scan planned again is not a member: it runs alone rather than borrowing an answer.
        const replanned: CountScan = { ...scanB, counts: { ...scanB.counts } };
        await Promise.all([executor.count(scanA, request('a', signal)), executor.count(scanB, request('b', signal))]);
        await expect(executor.count(replanned, request('b', signal))).resolves.toMatchObject({ b: 1 });
        expect(statements.filter((r) => r.fused_checks !== undefined).map((r) => r.fused_checks)).toEqual([['a', 'b'], ['a', 'b']]);
        expect(statements.filter((r) => r.fused_checks === undefined)).toHaveLength(1);
      });
    });

    it('fuses only checks with the same timeout', async () => {
      await withExecutor([{ checkId: 'a', scan: scanA, timeoutMs: 60_000 }, { checkId: 'b', scan: scanB }], async (executor) => {
        const signal = new AbortController().signal;
        await Promise.all([executor.count(scanA, request('a', signal, 60_000)), executor.count(scanB, request('b', signal))]);
        expect(new Set(statements.map((r) => r.sql)).size).toBe(2);
        expect(statements.every((r) => r.fused_checks === undefined)).toBe(true);
      });
    });
  });

  it('keeps chunks short where integer keys jump from sparse to dense', async () => {
    // 300 ids 100,000 apart, then 100,000 consecutive ids beyond 10^11: sized from the sparse
    // stretch alone, the first chunk past the jump would hold every dense row.
    await db.exec(`drop table if exists gappy; create table gappy (id bigint primary key, v text);
      insert into gappy select g * 100000, 'x' from generate_series(1, 300) g;
      insert into gappy select 100000000000 + g, case when g % 997 = 0 then null else 'x' end from generate_series(1, 100000) g;
      analyze gappy;`);
    const catalog = catalogFromYaml(`
checks:
  - { id: gappy-nulls, kind: null_check, source: app, table: gappy, columns: [v], sample: 0, stop_after: false }
`, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 2_000, pause_ms: 0, target_chunk_ms: 1 });
    const sources = registryForCatalog(catalog, { app: db });
    const scanned: number[] = [0];
    try {
      const runner = createRunner({ store, sources, observers: [{ progress: (e) => { scanned.push(e.rowsScanned); } }] });
      const done = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      expect(done.results[0]).toMatchObject({ status: 'fail', observations: { rows: 100_300, rows_with_nulls: Math.floor(100_000 / 997) } });
    } finally {
      await sources.closeAll();
    }
    const perChunk = scanned.slice(1).map((n, i) => n - scanned[i]!);
    expect(perChunk.reduce((a, b) => a + b, 0)).toBe(100_300);
    expect(Math.max(...perChunk)).toBeLessThanOrEqual(10 * 2_000);
  });

  it('a cancelled chunked run stops within one chunk', async () => {
    const catalog = catalogFromYaml(yaml, { app: db });
    // A 1 ms target keeps chunks at their floor (100 rows): thousands of chunks, 200 ms apart.
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 1000, pause_ms: 200, target_chunk_ms: 1 });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      const runner = createRunner({ store, sources });
      const { run, finished } = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
      await new Promise((r) => setTimeout(r, 700));
      const cancelledAt = performance.now();
      runner.cancel(run.id);
      const done = await finished;
      expect(performance.now() - cancelledAt).toBeLessThan(1_000);
      expect(done.results[0]).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
      const chunkStatement = done.results[0]!.statements.find((s) => s.chunks !== undefined);
      const progress = chunkStatement?.chunks ?? 0;
      expect(progress).toBeGreaterThan(0);
      expect(progress).toBeLessThan(200);
    } finally {
      await sources.closeAll();
    }
  });

  it('takes only AccessShareLock on the verified table and holds no long transaction', async () => {
    const catalog = catalogFromYaml(yaml, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 20_000, pause_ms: 30 });
    const sources = registryForCatalog(catalog, { app: db });
    const seenLocks = new Set<string>();
    const seenXactAges: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const rows = await db.exec(`select l.mode, extract(epoch from now() - a.xact_start) as age
            from pg_locks l join pg_stat_activity a on a.pid = l.pid
           where a.application_name = 'parity' and l.relation = 'big'::regclass
             and l.database = (select oid from pg_database where datname = current_database())`);
        for (const r of rows) { seenLocks.add(String(r.mode)); seenXactAges.push(Number(r.age)); }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      const runner = createRunner({ store, sources });
      const done = await (await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
      expect(done.results[0]).toMatchObject({ status: 'fail', observations: { rows_with_nulls: 200 } });
    } finally {
      watching = false;
      await watcher;
      await sources.closeAll();
    }
    expect(seenLocks.size).toBeGreaterThan(0);
    expect([...seenLocks]).toEqual(['AccessShareLock']);
    // Each chunk is its own short transaction: none lives anywhere near the whole scan's length.
    expect(Math.max(...seenXactAges)).toBeLessThan(2);
  });
});
