/**
 * Resumable chunked scans: a run interrupted after any chunk — its progress recorded, or the chunk
 * read but not yet recorded — is resumed by the next run, which ends with exactly the counts of an
 * uninterrupted run: no row counted twice, none skipped.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun, RunObserver } from '../../src/runner/run-types.js';
import { createRunEventHub, type RunEvent } from '../../src/events/run-event-hub.js';
import { formatRun } from '../../src/cli/format.js';
import type { Store } from '../../src/store/store.js';
import { storeClockFrom } from '../../src/store/store-clock.js';
import type { Catalog } from '../../src/catalog/catalog.js';
import { createTestStore, engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { dyingStore, type Kill } from '../support/dying-store.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';
import { fakeClock } from '../support/fake-clock.js';

const CHECKS = `checks:
  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatch_ratio: 0.99, stop_after: false, min_rows: 0 }
  - { id: n, kind: null_check, source: app, table: t, columns: [b], max_null_ratio: 0.99, stop_after: false, min_rows: 0 }
`;

describe.each(engines)('resuming chunked scans on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  function catalogOf(yaml = CHECKS, scan: Record<string, unknown> = {}): Catalog {
    const catalog = catalogFromYaml(yaml, { app: db });
    Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: 100, pause_ms: 0, target_chunk_ms: 1, ...scan });
    return catalog;
  }

  /** One run of every check; with `kill`, the run dies at that chunk (cancelled, or its store fails mid-write). */
  async function run(catalog: Catalog, kill?: Kill, on: Store = store, observers: RunObserver[] = []): Promise<FinishedRun> {
    const sources = registryForCatalog(catalog, { app: db });
    let runId = '';
    const dying = dyingStore(on, kill, () => runner.cancel(runId));
    const runner = createRunner({ store: dying, sources, observers });
    try {
      const started = await runner.start({ checks: [...catalog.checks.values()], trigger: 'api' });
      runId = started.run.id;
      return await started.finished;
    } finally {
      await sources.closeAll();
    }
  }

  const byCheck = (done: FinishedRun) => Object.fromEntries(done.results.map((r) => [r.checkId, r]));
  const counted = (done: FinishedRun) => Object.fromEntries(done.results.map((r) => [r.checkId, {
    status: r.status, rows: r.observations.rows, mismatches: r.observations.mismatches, rows_with_nulls: r.observations.rows_with_nulls,
  }]));

  async function seed(ids: number[], bad: Set<number>, nulls: Set<number>) {
    await db.exec('drop table if exists t; create table t (id int primary key, a text, b text)');
    if (ids.length === 0) return;
    const values = ids.map((id) => `(${id}, 'v${id}', ${nulls.has(id) ? 'null' : bad.has(id) ? "'x'" : `'v${id}'`})`);
    await db.exec(`insert into t values ${values.join(', ')}`);
  }

  it('a resumed run ends with exactly the counts of an uninterrupted one (random tables, random kill points)', async () => {
    let resumedCases = 0;
    await fc.assert(fc.asyncProperty(
      // Chunks hold at least 100 rows and grow when they are fast, so these tables are read in one
      // to a few chunks: kill points after 1–3 chunks interrupt most runs that have more than one.
      // (Kill points up to 8 interrupted so few that all ten runs of a suite missed, and the guard
      // below failed.)
      fc.uniqueArray(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 1500 }) }, { weight: 1, arbitrary: fc.integer({ min: -2147483648, max: 2147483647 }) }), { maxLength: 700 }),
      fc.infiniteStream(fc.integer({ min: 0, max: 9 })),
      fc.record({ after: fc.integer({ min: 1, max: 3 }), recorded: fc.boolean() }),
      async (ids, dice, kill) => {
        const bad = new Set(ids.filter(() => dice.next().value === 0));
        const nulls = new Set(ids.filter(() => dice.next().value === 1));
        await seed(ids, bad, nulls);
        const catalog = catalogOf();
        const whole = await run(catalog);
        const interrupted = await run(catalog, kill);
        const resumed = await run(catalog);
        expect(counted(resumed)).toEqual(counted(whole));
        if (interrupted.results.some((r) => r.status === 'error')) {
          // Resumed right after the dead run's last recorded chunk (chunk boundaries after it may
          // differ: integer-key chunk widths are re-learned, which changes nothing counted).
          expect(byCheck(resumed).p!.observations.resumed_from).toMatchObject({ run_id: interrupted.id, chunks: kill.after });
          resumedCases++;
        } else {
          // The table was read in fewer chunks than the kill point: nothing to resume.
          expect(byCheck(resumed).p!.observations.resumed_from).toBeUndefined();
        }
      },
    ), { numRuns: 10 });
    expect(resumedCases).toBeGreaterThan(0);
  }, 300_000);

  it('says where it resumed from in the result, and counts every row once', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => i + 1);
    await seed(ids, new Set(ids.filter((id) => id % 10 === 0)), new Set());
    const catalog = catalogOf();
    const interrupted = await run(catalog, { after: 4, recorded: true });
    expect(byCheck(interrupted).p).toMatchObject({ status: 'error', error: { code: 'cancelled' } });
    const hub = createRunEventHub();
    const events: RunEvent[] = [];
    const resumed = await run(catalog, undefined, store, [hub.observer, { runStarted: (r) => void hub.subscribe(r.id, (e) => events.push(e)) }]);
    const p = byCheck(resumed).p!;
    // The stream and the command line say so too.
    expect(events.filter((e) => e.type === 'check_finished')).toEqual(expect.arrayContaining([
      expect.objectContaining({ check_id: 'p', resumed_from_run: interrupted.id, counts_are_lower_bounds: false }),
    ]));
    expect(formatRun(resumed)).toContain(`resumed from run ${interrupted.id} after 4 chunks`);
    expect(p).toMatchObject({ status: 'pass', observations: { rows: 1000, mismatches: 100, resumed_from: { run_id: interrupted.id, chunks: 4, rows_scanned: 400 } } });
    expect(p.summary).toMatch(new RegExp(`\\(resumed from run ${interrupted.id} after 4 chunks\\)$`));
    expect(p.statements.find((s) => s.chunks !== undefined)?.chunks).toBe(6);
    // A finished scan leaves nothing behind: the next run starts from the first key.
    expect(byCheck(await run(catalog)).p!.observations.resumed_from).toBeUndefined();
  });

  it('a changed definition discards the checkpoint', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    await seed(ids, new Set([5]), new Set());
    await run(catalogOf(), { after: 2, recorded: true });
    const edited = catalogOf(CHECKS.replace('max_mismatch_ratio: 0.99', 'max_mismatch_ratio: 0.98'));
    const after = byCheck(await run(edited));
    expect(after.p!.observations.resumed_from).toBeUndefined();
    expect(after.p!.observations).toMatchObject({ rows: 600, mismatches: 1 });
  });

  it('resume_max_age: 0 never resumes; consistent snapshots never resume', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    await seed(ids, new Set(), new Set());
    await run(catalogOf(), { after: 2, recorded: true });
    expect(byCheck(await run(catalogOf(CHECKS, { resume_max_age: 0 }))).p!.observations).not.toHaveProperty('resumed_from');
    // Progress a chunked run left behind is not continued inside one snapshot.
    await run(catalogOf(), { after: 2, recorded: true });
    const consistent = byCheck(await run(catalogOf(CHECKS, { snapshot: 'consistent' }))).p!;
    expect(consistent.observations).not.toHaveProperty('resumed_from');
    expect(consistent.observations).toMatchObject({ rows: 600 });
  });

  it('discards progress begun longer ago than resume_max_age (store clock)', async () => {
    const clock = fakeClock();
    const aged = await createTestStore(engine, { clock: storeClockFrom(clock) });
    try {
      const ids = Array.from({ length: 600 }, (_, i) => i + 1);
      await seed(ids, new Set(), new Set());
      const catalog = catalogOf(CHECKS, { resume_max_age: 3_600_000 });
      await run(catalog, { after: 2, recorded: true }, aged.store);
      clock.advance(3_600_000 + 60_000);
      expect(byCheck(await run(catalog, undefined, aged.store)).p!.observations).not.toHaveProperty('resumed_from');
      await run(catalog, { after: 2, recorded: true }, aged.store);
      clock.advance(3_000_000);
      expect(byCheck(await run(catalog, undefined, aged.store)).p!.observations).toHaveProperty('resumed_from');
    } finally {
      await aged.close();
    }
  });

  it('only the owner writes: a run whose checkpoint was taken over stops (checkpoint_lost)', async () => {
    const claim = { scanKey: `k-${engine}`, checkIds: ['p'], maxAgeMs: 3_600_000 };
    const progress = { keyColumns: [{ name: 'id', type: 'integer' }], lastKey: ['10'], counts: { rows: 10 }, chunks: 1, chunkRows: 10 };
    expect(await store.claimCheckpoint({ ...claim, runId: 'a' })).toBeUndefined();
    expect(await store.saveCheckpoint(claim.scanKey, 'a', progress)).toBe(true);
    expect(await store.claimCheckpoint({ ...claim, runId: 'b' })).toMatchObject({ fromRun: 'a', lastKey: ['10'], counts: { rows: 10 }, chunks: 1 });
    expect(await store.saveCheckpoint(claim.scanKey, 'a', { ...progress, lastKey: ['20'], chunks: 2 })).toBe(false);
    await store.clearCheckpoint(claim.scanKey, 'a');
    expect(await store.saveCheckpoint(claim.scanKey, 'b', { ...progress, lastKey: ['20'], chunks: 2 })).toBe(true);
    expect(await store.pruneCheckpoints(new Date(Date.now() + 60_000))).toBeGreaterThanOrEqual(1);
    expect(await store.saveCheckpoint(claim.scanKey, 'b', progress)).toBe(false);
  });
});
