/**
 * stop_after: a chunked scan ends once its counts prove the check fails. Stopping may only ever
 * produce `fail` (counts are lower bounds), never `pass`; samples come from the rows read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRunner } from '../../src/runner/runner.js';
import type { FinishedRun } from '../../src/runner/run-types.js';
import { withScanFacts } from '../../src/kinds/scan-facts.js';
import { sql } from '../../src/sql/build.js';
import type { Store } from '../../src/store/store.js';
import { parseCheckFile } from '../../src/catalog/parse-file.js';
import { engines, type TestDatabase, useDatabaseAndStore } from '../support/databases.js';
import { catalogFromYaml, registryForCatalog } from '../support/run-check.js';

describe('stop_after at load', () => {
  const problems = (check: string) => {
    const parsed = parseCheckFile(`sources:\n  app: { url: "embedded:app" }\nchecks:\n  - ${check}\n`, 'c.yaml', {});
    return Array.isArray(parsed) ? parsed.map((p) => `${p.line}:${p.column} ${p.message}`) : [];
  };

  it('refuses stop_after with a ratio threshold: a ratio can still pass', () => {
    expect(problems('{ id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatch_ratio: 0.1, stop_after: 5 }'))
      .toEqual([expect.stringMatching(/stop_after cannot be combined with max_mismatch_ratio/)]);
    expect(problems('{ id: n, kind: null_check, source: app, table: t, columns: [a], max_null_ratio: 0.1, stop_after: 5 }'))
      .toEqual([expect.stringMatching(/stop_after cannot be combined with max_null_ratio/)]);
  });

  it('refuses stop_after at or below the threshold: stopping there proves nothing', () => {
    expect(problems('{ id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatches: 5, stop_after: 5 }'))
      .toEqual([expect.stringMatching(/stop_after must be more than max_mismatches \(5\)/)]);
    expect(problems('{ id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatches: 5, stop_after: 6 }')).toEqual([]);
    expect(problems('{ id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, stop_after: false }')).toEqual([]);
  });
});

describe('partial counts never pass', () => {
  const stopped = [{ stoppedEarly: { chunks: 1 }, within: sql`true` }];
  it('a pass judged on a stopped scan becomes could-not-verify', () => {
    const judged = withScanFacts({ status: 'pass', summary: 'ok', observations: {}, samples: [] }, stopped);
    expect(judged).toMatchObject({ status: 'error', error: { code: 'internal' } });
  });
  it('a failure on a stopped scan says its counts are lower bounds', () => {
    const judged = withScanFacts({ status: 'fail', summary: '3 mismatching', observations: {}, samples: [] }, stopped);
    expect(judged).toMatchObject({ status: 'fail', summary: '3 mismatching (stopped early after 1 chunk: counts are lower bounds)' });
  });
});

describe.each(engines)('stop_after on %s', (engine) => {
  let db: TestDatabase;
  let store: Store;
  useDatabaseAndStore(engine, (opened) => ({ db, store } = opened));

  /** Runs the YAML's checks chunked (chunk_rows rows per chunk, no pauses) or in one statement. */
  async function run(yaml: string, scan: 'single' | 'chunked', chunkRows = 100): Promise<FinishedRun> {
    const catalog = catalogFromYaml(yaml, { app: db });
    // Small fixed chunks: a 1 ms target keeps the adaptive size at its floor (chunk_rows / 10, at least 100).
    if (scan === 'chunked') Object.assign(catalog.sources.get('app')!.spec.scan, { mode: 'chunked', chunk_rows: chunkRows, pause_ms: 0, target_chunk_ms: 1 });
    const sources = registryForCatalog(catalog, { app: db });
    try {
      return await (await createRunner({ store, sources }).start({ checks: [...catalog.checks.values()], trigger: 'api' })).finished;
    } finally {
      await sources.closeAll();
    }
  }
  const chunksOf = (run: FinishedRun, id: string) => run.results.find((r) => r.checkId === id)!.statements.find((s) => s.chunks !== undefined)?.chunks;
  const result = (run: FinishedRun, id: string) => run.results.find((r) => r.checkId === id)!;

  async function seed(rows: number, mismatching: (id: number) => boolean) {
    await db.exec(`drop table if exists t; create table t (id int primary key, a text, b text)`);
    const bad = Array.from({ length: rows }, (_, i) => i + 1).filter(mismatching);
    await db.exec(`insert into t select g, 'v' || g, 'v' || g from generate_series(1, ${rows}) g`);
    if (bad.length > 0) await db.exec(`update t set b = 'x' where id in (${bad.join(',')})`);
  }

  it('stops after the first chunk when it already fails, and samples only the rows it read', async () => {
    await seed(2_000, () => true);
    const done = await run('checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, sample: 5 }', 'chunked');
    const r = result(done, 'p');
    expect(r.status).toBe('fail');
    expect(chunksOf(done, 'p')).toBe(1);
    expect(r.observations).toMatchObject({ stopped_early: { chunks: 1 }, counts_are_lower_bounds: true });
    expect(r.observations.mismatches as number).toBeLessThan(2_000);
    expect(r.summary).toMatch(/stopped early after 1 chunk: counts are lower bounds/);
    expect(r.samples).toHaveLength(5);
    expect(r.samples!.every((s) => Number(s.key.id) <= (r.observations.rows as number))).toBe(true);
  });

  it('honours stop_after: N, and stop_after: false reads every row', async () => {
    await seed(1_000, (id) => id % 2 === 0);
    // Separate runs: fused with a check that never stops, a scan reads every row (next test).
    const early = await run('checks:\n  - { id: early, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatches: 10, stop_after: 150, sample: 0 }', 'chunked');
    expect(result(early, 'early')).toMatchObject({ status: 'fail', observations: { stopped_early: { chunks: 3 }, mismatches: 150 } });
    const all = await run('checks:\n  - { id: all, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatches: 10, stop_after: false, sample: 0 }', 'chunked');
    expect(result(all, 'all')).toMatchObject({ status: 'fail', observations: { mismatches: 500, rows: 1_000 } });
    expect(result(all, 'all').observations.stopped_early).toBeUndefined();
  });

  it('a fused scan stops only when every check it answers may stop', async () => {
    await seed(1_000, () => true);
    const yaml = `checks:
  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b }
  - { id: ratio, kind: column_parity, source: app, table: t, key: [id], old: "a", new: "b || ''", max_mismatch_ratio: 0.5 }`;
    const done = await run(yaml, 'chunked');
    expect(result(done, 'ratio')).toMatchObject({ status: 'fail', observations: { mismatches: 1_000, rows: 1_000 } });
    expect(result(done, 'p')).toMatchObject({ status: 'fail', observations: { mismatches: 1_000 } });
    expect(result(done, 'p').observations.stopped_early).toBeUndefined();
  });

  it('a check that passes reads the whole table and never stops', async () => {
    await seed(1_000, (id) => id === 999);
    const done = await run('checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatches: 1, stop_after: 2 }', 'chunked');
    expect(result(done, 'p')).toMatchObject({ status: 'pass', observations: { mismatches: 1, rows: 1_000 } });
  });

  it('table_diff stops drilling once the differences found prove the failure, and says its counts are lower bounds', async () => {
    await db.exec(`drop table if exists d_old; drop table if exists d_new;
      create table d_old (id int primary key, v text); create table d_new (id int primary key, v text);
      insert into d_old select g, 'v' || g from generate_series(1, 2000) g;
      insert into d_new select g, case when g % 2 = 0 then 'x' else 'v' || g end from generate_series(1, 20) g;`);
    const diff = (extra: string) => `checks:\n  - { id: d, kind: table_diff, key: [id], old: { source: app, table: d_old }, new: { source: app, table: d_new }, sample: 5${extra} }`;
    const early = result(await run(diff(''), 'single'), 'd');
    expect(early).toMatchObject({ status: 'fail', observations: { counts_are_lower_bounds: true, stopped_early: { chunks: early.observations.passes } } });
    expect(early.summary).toMatch(/stopped early after \d+ pass(es)?: counts are lower bounds/);
    expect(early.observations.changed).toBe(0);
    const full = result(await run(diff(', stop_after: false'), 'single'), 'd');
    expect(full).toMatchObject({ status: 'fail', observations: { missing_in_new: 1980, changed: 10 } });
    expect(full.observations.stopped_early).toBeUndefined();
    // The stopped diff read fewer passes: no leaf rows were fetched.
    expect(early.observations.passes as number).toBeLessThan(full.observations.passes as number);
  });

  it('stopping early never changes a verdict from the full scan, and never passes (random tables and thresholds)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 700 }),
      fc.uniqueArray(fc.integer({ min: 1, max: 700 }), { maxLength: 60 }),
      fc.integer({ min: 0, max: 8 }),
      fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
      fc.integer({ min: 0, max: 6 }),
      async (rows, bad, max, extra, sample) => {
        await seed(rows, (id) => bad.includes(id));
        const stop = extra === undefined ? '' : `, stop_after: ${max + extra}`;
        const yaml = `checks:\n  - { id: p, kind: column_parity, source: app, table: t, key: [id], old: a, new: b, max_mismatches: ${max}, sample: ${sample}${stop}, min_rows: 0 }`;
        const full = result(await run(yaml, 'single'), 'p');
        const chunked = result(await run(yaml, 'chunked'), 'p');
        expect(chunked.status).toBe(full.status);
        if (chunked.observations.stopped_early) {
          expect(chunked.status).toBe('fail');
          expect(chunked.observations.mismatches as number).toBeLessThanOrEqual(full.observations.mismatches as number);
          expect(chunked.samples!.length).toBe(Math.min(sample, chunked.observations.mismatches as number));
        } else {
          expect(chunked.observations.mismatches).toBe(full.observations.mismatches);
        }
      },
    ), { numRuns: engine === 'pglite' ? 15 : 25 });
  });
});
